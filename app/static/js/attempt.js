// Follow an attempt's grading: queued → running (cell i of n) → checking → graded, then show
// the report.
// Server-Sent Events when the browser has them, polling otherwise; the finished report is
// drawn by the server, so the page reloads once grading is done.
(function () {
  "use strict";

  var box = document.getElementById("grading");
  if (!box || box.dataset.done === "true") { return; }
  var text = box.querySelector("[data-progress-text]");
  var bar = box.querySelector("[data-progress-bar]");
  var finished = false;

  function show(state) {
    if (finished) { return; }
    text.textContent = state.detail ? state.text + " " + state.detail : state.text;
    if (state.checking) {
      bar.removeAttribute("value"); // indeterminate: work goes on, the bar is never full
    } else if (state.status === "running" && state.steps) {
      bar.max = state.steps;
      bar.value = state.progress;
    }
    if (state.done) {
      finished = true;
      window.location.reload();
    }
  }

  function poll() {
    fetch(box.dataset.progressUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) { if (state) { show(state); } }, function () {})
      .finally(function () { if (!finished) { setTimeout(poll, 1000); } });
  }

  if (!window.EventSource) { poll(); return; }
  var failures = 0;
  var source;
  function follow() {
    source = new EventSource(box.dataset.streamUrl);
    source.onopen = function () { failures = 0; };
    source.onmessage = function (message) {
      var state = JSON.parse(message.data);
      show(state);
      if (state.done) { source.close(); }
    };
    // The server ends a stream on purpose now and then: open the next one at once, not
    // after the retry delay of a broken connection.
    source.addEventListener("again", function () { source.close(); follow(); });
    source.onerror = function () {
      if (finished) { return; }
      if (source.readyState === EventSource.CLOSED || ++failures >= 3) {
        source.close();
        poll();
      }
    };
  }
  follow();
})();
