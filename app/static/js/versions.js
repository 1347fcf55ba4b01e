// Two versions of a learner's answers: the one on this page (never saved) and the one saved
// from another tab or device. Shows both for each differing cell and lets the learner keep
// either; the text of both stays selectable, to copy from one into the other.
//
// ShopfloorVersions.show(section, items, choose): items are {id, name, page, saved}, where
// saved is null for a cell of the learner's own deleted elsewhere (then "saved" deletes it
// here too); choose(id, "page" | "saved") is called for each decision.
// Returns {update(id, text), done}.
(function () {
  "use strict";

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function side(caption, text, button, kind) {
    var figure = element("figure", "version version-" + kind);
    figure.appendChild(element("figcaption", "", caption));
    var pre = null;
    if (text === null) {
      figure.appendChild(element("p", "version-gone", "This cell of yours was deleted there."));
    } else {
      pre = element("pre", "version-code", text);
      pre.tabIndex = 0;  // scrolls sideways on a phone: reachable by keyboard
      pre.setAttribute("aria-label", caption);
      figure.appendChild(pre);
    }
    figure.appendChild(button);
    return { figure: figure, pre: pre };
  }

  function show(section, items, choose) {
    section.textContent = "";
    var heading = element("h2", "", "Two versions of your answers");
    heading.id = "versions-heading";
    section.appendChild(heading);
    section.appendChild(element("p", "",
      "This lab was saved from another tab or device after the edits on this page began. " +
      "Nothing is saved until you choose, for each cell below, which version to keep. " +
      "You can also copy text from either version into the cell."));
    var all = element("p", "version-all");
    var keepPage = element("button", "secondary", "Keep this page's version of every cell");
    var keepSaved = element("button", "secondary", "Keep the saved version of every cell");
    keepPage.type = keepSaved.type = "button";
    all.appendChild(keepPage);
    all.appendChild(keepSaved);
    section.appendChild(all);

    var open = {};
    items.forEach(function (item) {
      var article = element("article", "version-cell");
      var title = element("h3", "", item.name.charAt(0).toUpperCase() + item.name.slice(1));
      title.id = "versions-cell-" + item.id;
      article.setAttribute("aria-labelledby", title.id);
      article.appendChild(title);
      var pair = element("div", "version-pair");
      var pageButton = element("button", "", "Keep this page's version");
      var savedButton = element("button", "secondary", item.saved === null
        ? "Delete it here too" : "Keep the saved version");
      pageButton.type = savedButton.type = "button";
      pageButton.setAttribute("aria-describedby", title.id);
      savedButton.setAttribute("aria-describedby", title.id);
      var page = side("On this page, not saved", item.page, pageButton, "page");
      var saved = side("Saved from another tab or device", item.saved, savedButton, "saved");
      pair.appendChild(page.figure);
      pair.appendChild(saved.figure);
      article.appendChild(pair);
      section.appendChild(article);
      open[item.id] = { article: article, pagePre: page.pre };
      pageButton.addEventListener("click", function () { decide(item.id, "page"); });
      savedButton.addEventListener("click", function () { decide(item.id, "saved"); });
    });

    function decide(id, which) {
      if (!open[id]) { return; }
      open[id].article.remove();
      delete open[id];
      choose(id, which);
      var next = section.querySelector(".version-cell button");
      if (next) { next.focus(); }
      if (!Object.keys(open).length) { section.hidden = true; }
    }

    keepPage.addEventListener("click", function () {
      Object.keys(open).forEach(function (id) { decide(id, "page"); });
    });
    keepSaved.addEventListener("click", function () {
      Object.keys(open).forEach(function (id) { decide(id, "saved"); });
    });
    section.hidden = false;
    heading.tabIndex = -1;
    heading.focus();

    return {
      update: function (id, text) { if (open[id]) { open[id].pagePre.textContent = text; } },
      done: function () { return !Object.keys(open).length; }
    };
  }

  window.ShopfloorVersions = Object.freeze({ show: show });
})();
