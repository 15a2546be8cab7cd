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

// Keyboard shortcuts for caseworkers (listed on the page in a "Keyboard shortcuts"
// details element). On a list of cases `j` and `k` move to the next and previous case;
// on a case they follow the "Next case" and "Previous case" links. They never fire while
// someone is typing in a form field or holds a modifier key, and they can be turned off
// (WCAG 2.1.4), which this browser remembers.
const SHORTCUTS_OFF = "commonweal-shortcuts-off";

function shortcutsOff() {
  try {
    return window.localStorage.getItem(SHORTCUTS_OFF) === "1";
  } catch {
    return false;
  }
}

const NOT_TYPED = ["checkbox", "radio", "button", "submit", "reset", "image", "file"];

function typing(target) {
  if (!(target instanceof Element)) {
    return false;
  }
  if (target instanceof HTMLInputElement) {
    return !NOT_TYPED.includes(target.type);
  }
  return Boolean(target.closest("textarea, select, [contenteditable]:not([contenteditable='false'])"));
}

function moveInList(links, step) {
  const current = links.indexOf(document.activeElement);
  const next = current === -1 ? (step > 0 ? 0 : links.length - 1) : current + step;
  if (next >= 0 && next < links.length) {
    links[next].focus();
    links[next].closest("tr")?.scrollIntoView({ block: "nearest" });
  }
}

function follow(name) {
  const link = document.querySelector(`a[data-shortcut="${name}"]`);
  if (link) {
    window.location.assign(link.href);
  }
}

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) {
    return;
  }
  if ((event.key !== "j" && event.key !== "k") || typing(event.target) || shortcutsOff()) {
    return;
  }
  const step = event.key === "j" ? 1 : -1;
  const links = [...document.querySelectorAll("[data-case-list] a[data-case-link]")];
  if (links.length) {
    event.preventDefault();
    moveInList(links, step);
  } else if (document.querySelector("a[data-shortcut]")) {
    event.preventDefault();
    follow(step > 0 ? "next-case" : "previous-case");
  }
});

for (const button of document.querySelectorAll("[data-shortcuts-toggle]")) {
  const show = () => {
    button.textContent = shortcutsOff() ? button.dataset.textOff : button.dataset.textOn;
  };
  button.hidden = false;
  show();
  button.addEventListener("click", () => {
    try {
      if (shortcutsOff()) {
        window.localStorage.removeItem(SHORTCUTS_OFF);
      } else {
        window.localStorage.setItem(SHORTCUTS_OFF, "1");
      }
    } catch {
      // Storage refused: the shortcuts stay as they are.
    }
    show();
  });
}
