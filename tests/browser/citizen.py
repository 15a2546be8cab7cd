"""A citizen in the browser: JavaScript off using the mouse, or JavaScript on using only the
keyboard. Every page it arrives at is checked with axe, and in keyboard runs weighed."""

from __future__ import annotations

import gzip
from urllib.parse import urlparse

# The budget for a citizen page: transferred (compressed), everything it loads included.
PAGE_WEIGHT_LIMIT = 60 * 1024
# A page has a few dozen tab stops at most (header, a summary list of change links, footer).
MAX_TAB_PRESSES = 80
# Stylesheets, scripts and images do not change during a run: their compressed size, with
# headers, by address.
_SUBRESOURCE_SIZES: dict[str, int] = {}


# Whether the focused element looks different from when it is not focused: its outline (if
# it can be seen), shadow, background, border, colour or underline, or those of the label
# (and the label's ::before and ::after, which draw GOV.UK's radios and checkboxes).
FOCUS_IS_VISIBLE = """() => {
    const el = document.activeElement;
    const parts = [el];
    if ((el.type === "radio" || el.type === "checkbox") && el.labels && el.labels[0]) {
        parts.push(el.labels[0]);
    }
    const transparent = c => c === "transparent" || /rgba\\(.*,\\s*0\\)$/.test(c);
    const look = () => parts.map(part => [null, "::before", "::after"].map(pseudo => {
        const s = getComputedStyle(part, pseudo);
        const outline = s.outlineStyle !== "none" && !transparent(s.outlineColor)
            ? `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}` : "none";
        return [outline, s.boxShadow, s.backgroundColor, s.borderTopColor, s.borderTopWidth,
                s.color, s.textDecorationLine, s.textDecorationThickness].join(" ");
    }).join("|")).join("||");
    const focused = look();
    el.blur();
    const unfocused = look();
    el.focus({preventScroll: true});
    return focused !== unfocused && document.activeElement === el;
}"""


class Citizen:
    def __init__(self, page, *, keyboard: bool, language: str, axe):
        self.page = page
        self.keyboard = keyboard
        self.language = language
        self.axe = axe
        self.weights: list[tuple[str, int]] = []
        self.fonts: list[str] = []
        self.focus_problems: list[str] = []
        self._responses = []
        if keyboard:
            page.on("response", lambda response: self._responses.append(response))

    # Where we are

    @property
    def path(self) -> str:
        return urlparse(self.page.url).path

    def arrived(self, label: str = "") -> None:
        """A page has loaded: its language is the one chosen, axe finds nothing wrong, and
        (keyboard runs) it is within the weight budget."""
        name = f"{self.path} {label}".strip()
        lang = self.page.get_attribute("html", "lang")
        assert lang == self.language, f"{name}: <html lang={lang!r}>, not {self.language!r}"
        if self.keyboard:
            self._weigh(name)
        self.axe.check(self.page, name, javascript=self.keyboard)

    def _weigh(self, name: str) -> None:
        """What this page load transfers on a first visit: every response since the last
        page (the redirects that led here, the document, its stylesheets, scripts and
        images), each body gzipped at level 6, plus its headers. Fonts are left out (there
        should be none: the pages use the system font stack).

        Playwright reports a response the browser takes from its HTTP cache as well, so
        each page is weighed as if nothing were cached, without the cost of fetching
        everything again: a static file's size is worked out once and reused.

        pytest-django's live server sends static files uncompressed (a production server
        sends them gzipped or brotli-compressed, through WhiteNoise or the proxy), so the
        compressed size is worked out here from each body, the same way for every response.
        """
        total = 0
        seen = set()
        for response in self._responses:
            request = response.request
            key = (response.url, response.status, request.resource_type)
            if key in seen:
                # The previous page's icon, say, arriving after that page was weighed.
                continue
            seen.add(key)
            if request.resource_type == "font":
                self.fonts.append(response.url)
                continue
            reusable = request.resource_type != "document" and response.status == 200
            if reusable and response.url in _SUBRESOURCE_SIZES:
                total += _SUBRESOURCE_SIZES[response.url]
                continue
            from playwright.sync_api import Error as PlaywrightError

            try:
                body = b"" if 300 <= response.status < 400 else response.body()
            except PlaywrightError:
                # Navigated away from before it could be read (the browser has dropped it,
                # as it does on a slow machine): not a page the person ended up reading.
                continue
            size = len(gzip.compress(body, compresslevel=6)) if body else 0
            # The status line and the headers, as HTTP/1.1 sends them.
            size += len("HTTP/1.1 200 OK\r\n\r\n") + sum(
                len(header["name"]) + len(header["value"]) + 4
                for header in response.headers_array()
            )
            if reusable:
                _SUBRESOURCE_SIZES[response.url] = size
            total += size
        self._responses.clear()
        self.weights.append((name, total))

    # Moving around

    def focused_matches(self, selector: str) -> bool:
        return self.page.evaluate(
            "s => !!document.activeElement && document.activeElement.matches(s)", selector
        )

    def tab_to(self, selector: str, *, backwards: bool = False) -> None:
        """Press Tab (or Shift+Tab) until the focused element matches `selector`, then check
        that the element shows it has focus."""
        key = "Shift+Tab" if backwards else "Tab"
        where = self.page.evaluate(
            """s => ({
                fresh: !document.activeElement || document.activeElement === document.body,
                inMain: !!document.querySelector(`main ${s}`),
            })""",
            selector,
        )
        # As a keyboard user would on a new page: skip the header, to the main content. (At an
        # address ending "#main-content", Tab already starts in the main content.)
        if (
            where["fresh"]
            and where["inMain"]
            and not backwards
            and urlparse(self.page.url).fragment != "main-content"
        ):
            self.use_skip_link()
        for _press in range(MAX_TAB_PRESSES):
            if self.focused_matches(selector):
                if not self.page.evaluate(FOCUS_IS_VISIBLE):
                    self.focus_problems.append(f"{self.path}: no visible focus on {selector}")
                return
            self.page.keyboard.press(key)
        raise AssertionError(
            f"{self.path}: {MAX_TAB_PRESSES} presses of {key} did not reach {selector!r}"
        )

    def use_skip_link(self) -> None:
        """The first Tab on a page reaches a visible "Skip to main content" link, and Enter on
        it moves focus to the main content."""
        assert self.keyboard
        self.page.keyboard.press("Tab")
        assert self.focused_matches("a.govuk-skip-link"), f"{self.path}: Tab missed the skip link"
        box = self.page.locator("a.govuk-skip-link").bounding_box()
        assert box and box["width"] > 1 and box["height"] > 1 and box["y"] >= 0, box
        self.page.keyboard.press("Enter")
        assert self.focused_matches("main#main-content"), f"{self.path}: skip link went nowhere"

    def _go(self, action, label: str) -> None:
        with self.page.expect_navigation(wait_until="load"):
            action()
        self.arrived(label)

    def visit(self, url: str, label: str = "") -> None:
        """Open an address, as typed into the address bar."""
        self._go(lambda: self.page.goto(url), label)

    def activate(self, selector: str, label: str = "") -> None:
        """Follow a link or press a button that loads another page."""
        if self.keyboard:
            self.tab_to(selector)
            self._go(lambda: self.page.keyboard.press("Enter"), label)
        else:
            self._go(lambda: self.page.click(selector), label)

    # Answering

    def fill(self, selector: str, value: str) -> None:
        if not self.keyboard:
            self.page.fill(selector, value)
            return
        self.tab_to(selector)
        current = self.page.evaluate("() => document.activeElement.value")
        if current == value:
            return
        if current:
            self.page.keyboard.press("Control+A")
            self.page.keyboard.press("Backspace")
        if value:
            self.page.keyboard.type(value)
        assert self.page.evaluate("() => document.activeElement.value") == value

    def choose(self, name: str, value: str) -> None:
        """Select one radio in a group."""
        target = f'input[type="radio"][name="{name}"][value="{value}"]'
        if not self.keyboard:
            self.page.check(target)
            return
        # Tab stops once in a radio group (on the selected radio, or the first); the arrow
        # keys move through it, selecting as they go.
        self.tab_to(f'input[type="radio"][name="{name}"]')
        count = self.page.locator(f'input[type="radio"][name="{name}"]').count()
        for _press in range(count + 1):
            if self.focused_matches(target):
                if not self.page.is_checked(target):
                    self.page.keyboard.press("Space")
                break
            self.page.keyboard.press("ArrowDown")
        assert self.page.is_checked(target), f"{self.path}: could not select {target}"

    def tick(self, name: str, values: list[str]) -> None:
        """Select these checkboxes (and only these)."""
        boxes = self.page.locator(f'input[type="checkbox"][name="{name}"]')
        for index in range(boxes.count()):
            box = boxes.nth(index)
            value = box.get_attribute("value")
            if (value in values) == box.is_checked():
                continue
            selector = f'input[type="checkbox"][name="{name}"][value="{value}"]'
            if self.keyboard:
                self.tab_to(selector)
                self.page.keyboard.press("Space")
            else:
                self.page.set_checked(selector, value in values)
        for value in values:
            assert self.page.is_checked(
                f'input[type="checkbox"][name="{name}"][value="{value}"]'
            ), f"{self.path}: could not select {name}={value}"

    def answer(self, answers: dict) -> None:
        """Give a form's answers ({field name: value, or a list for checkboxes}), in the
        order the fields come in the page, as a person working down it would."""
        fields = []
        for name, value in answers.items():
            found = self.page.evaluate(
                """name => {
                    const all = [...document.querySelectorAll("input, textarea, select, button")];
                    const el = document.querySelector(`[name="${name}"]`);
                    return el ? {type: el.type, index: all.indexOf(el)} : null;
                }""",
                name,
            )
            assert found is not None, f"{self.path}: no field called {name}"
            fields.append((found["index"], name, found["type"], value))
        for _index, name, kind, value in sorted(fields):
            if kind == "radio":
                self.choose(name, value)
            elif kind == "checkbox":
                self.tick(name, list(value))
            else:
                self.fill(f'[name="{name}"]', value)

    def submit(self, selector: str, label: str = "") -> None:
        self.activate(selector, label)
