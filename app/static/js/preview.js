// Preview mode (flask curriculum preview): reload the page when the files change, where
// the reader was on it, and follow a running lab check.
//
// The server streams the preview's generation (a number that moves on with every change) as
// Server-Sent Events. The page was rendered at the generation its <script> tag names; when
// the stream names another, the page reloads, after noting the scroll position for this
// address, which the reloaded page then restores.
(function () {
  "use strict";

  var script = document.currentScript;
  var eventsUrl = script.getAttribute("data-events");
  var rendered = script.getAttribute("data-generation");
  var scrollKey = "shopfloor-preview-scroll:" + location.pathname + location.search;

  function restoreScroll() {
    var saved = null;
    try {
      saved = sessionStorage.getItem(scrollKey);
      sessionStorage.removeItem(scrollKey);
    } catch (e) {
      return; // storage is off: the browser's own restoration has to do
    }
    if (saved !== null) {
      window.scrollTo(0, parseInt(saved, 10) || 0);
    }
  }

  function reload() {
    try {
      sessionStorage.setItem(scrollKey, String(window.scrollY));
    } catch (e) {
      // storage is off: reload anyway
    }
    location.reload();
  }

  function setLive(text) {
    var live = document.querySelector("[data-preview-live]");
    if (live) {
      live.textContent = text;
    }
  }

  function follow() {
    var source = new EventSource(eventsUrl);
    source.onmessage = function (event) {
      var data = JSON.parse(event.data);
      setLive("watching your files");
      if (String(data.generation) !== rendered) {
        source.close();
        reload();
      }
    };
    // The server ends each stream after a while on purpose: open the next one at once.
    source.addEventListener("again", function () {
      source.close();
      follow();
    });
    source.onerror = function () {
      setLive("not connected: is the preview still running?");
    };
  }

  // A lab check running in the background: show its progress, and the result when done.
  function followCheck() {
    var box = document.querySelector("[data-check-status]");
    if (!box) {
      return;
    }
    var text = box.querySelector("[data-check-text]");
    var bar = box.querySelector("[data-check-progress]");
    var timer = setInterval(function () {
      fetch(box.getAttribute("data-check-status"), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (state) {
          if (!state) {
            return;
          }
          bar.value = state.done;
          bar.max = state.total;
          text.textContent =
            "Checking: " + state.done + " of " + state.total + " notebooks graded…";
          if (!state.running) {
            clearInterval(timer);
            reload();
          }
        })
        .catch(function () {
          text.textContent = "Checking… (the preview did not answer; still trying)";
        });
    }, 1000);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", restoreScroll);
  } else {
    restoreScroll();
  }
  if (window.EventSource && eventsUrl) {
    follow();
  }
  followCheck();
})();
