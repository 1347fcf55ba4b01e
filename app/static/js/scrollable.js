// Boxes that scroll sideways (wide maths, code, tables, figures) must be reachable by keyboard, so
// that arrow keys can scroll them (WCAG 2.1.1). Each box that can scroll right now gets
// tabindex="0"; one that fits again loses it, so short code adds no extra tab stops.
(() => {
  "use strict";
  const SELECTOR = "pre, math[display='block'], .math.inline, .figure-frame";
  const WIDE_FIGURE = 480; // px: a figure drawn wider than this shrinks past reading on a phone
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

  function markWide(img) {
    const mark = () => {
      img.classList.toggle("wide", img.naturalWidth > WIDE_FIGURE);
      update(img.closest(".figure-frame"));
    };
    if (img.complete) mark();
    else img.addEventListener("load", mark, { once: true });
  }

  function start() {
    document.querySelectorAll(".figure-frame img").forEach(markWide);
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
