// Boxes that scroll sideways (wide maths, code, tables) must be reachable by keyboard, so
// that arrow keys can scroll them (WCAG 2.1.1). Each box that can scroll right now gets
// tabindex="0"; one that fits again loses it, so short code adds no extra tab stops.
(() => {
  "use strict";
  const SELECTOR = "pre, math[display='block'], .math.inline";
  const added = new WeakSet();

  function update(box) {
    const scrolls = box.scrollWidth > box.clientWidth + 1;
    if (scrolls && !box.hasAttribute("tabindex")) {
      box.tabIndex = 0;
      added.add(box);
    } else if (!scrolls && added.has(box)) {
      box.removeAttribute("tabindex");
      added.delete(box);
    }
  }

  function start() {
    const observer = new ResizeObserver((entries) => entries.forEach((e) => update(e.target)));
    document.querySelectorAll(SELECTOR).forEach((box) => {
      update(box);
      observer.observe(box);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
