// Progressive enhancement only: every page works without this file.
import { initAll } from "./govuk-frontend.min.js";

initAll();

// The case page's header stays in view: keep as much room at the top of the page when it
// scrolls to an anchor or a focused element (without JavaScript the stylesheet keeps 12rem).
const caseHeader = document.querySelector(".app-case-header");
if (caseHeader && "ResizeObserver" in window) {
  new ResizeObserver(() => {
    document.documentElement.style.setProperty(
      "--app-case-header-height",
      `${caseHeader.offsetHeight}px`,
    );
  }).observe(caseHeader);
}
