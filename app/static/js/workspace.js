// The lab workspace: code editors, autosave, running cells and following their outputs live.
//
// Edits go to the server a moment after typing stops; until the server has them they are also
// kept in this browser (localStorage, with the revision they were made on), so a reload, a
// lost connection or a server restart loses nothing. Edits made on an older revision than the
// server's are never saved over it by themselves: both versions of each cell changed on both
// sides are shown (versions.js) and the learner chooses. Learners add and delete cells of
// their own (scratch cells, never graded). A cell only runs after its code is saved. Outputs
// arrive as Server-Sent Events, or by polling when EventSource is missing or keeps failing.
(function () {
  "use strict";

  var root = document.getElementById("workspace");
  if (!root || !window.ShopfloorEditor) { return; }
  var data = root.dataset;
  var SAVE_DELAY = 800;
  var PAGE = Math.random().toString(36).slice(2);  // tells this page's own events apart
  var narrow = window.matchMedia("(max-width: 600px)").matches;
  var KERNEL_TEXT = {
    none: "Kernel: not started (it starts when you run a cell)",
    starting: "Kernel: starting",
    restarting: "Kernel: restarting…",
    idle: "Kernel: idle",
    busy: "Kernel: busy",
    dead: "Kernel died — restart"
  };
  var DONE_TEXT = {
    ok: "✓ ran", error: "✗ error", skipped: "skipped", failed: "✗ not run",
    killed: "✗ kernel died", timeout: "✗ time limit", "notebook-timeout": "✗ time limit",
    memory: "✗ memory limit", cpu: "✗ processor limit", processes: "✗ process limit",
    disk: "✗ disk limit"
  };

  var state = {
    revision: Number(data.revision),
    after: Number(data.eventsAfter),
    dirty: {},          // cell id → text not yet saved on the server
    saving: null,       // the save in flight (a promise), if any
    timer: null,
    retry: 0,
    conflict: false,    // edits on this page are based on an older revision than the server's
    versions: null      // the open choice between this page's and the saved versions
  };
  var cells = {};       // cell id → {li, kind, name, editor, editable, outputs, stateEl, ...}
  var order = [];       // every cell with an editor, in page order
  var active = null;    // the cell (li) last focused: new cells go below it
  // What the server holds of each cell, as far as this page knows: the text that unsaved
  // edits were based on. Only a cell changed on both sides needs the learner to choose.
  var sources = JSON.parse(document.getElementById("cell-sources").textContent);
  var saveStatus = root.querySelector("[data-save-status]");
  var problem = root.querySelector("[data-problem]");

  // ---- requests ---------------------------------------------------------------------------
  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRFToken": data.csrf },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        if (!response.ok) {
          var error = new Error(json.message || ("The server answered " + response.status + "."));
          error.status = response.status;
          error.body = json;
          throw error;
        }
        return json;
      });
    });
  }

  function showProblem(message) {
    problem.textContent = message || "";
    problem.hidden = !message;
  }

  // ---- saving -----------------------------------------------------------------------------
  function remember() {
    var key = data.storageKey;
    try {
      if (Object.keys(state.dirty).length) {
        var based = {};
        Object.keys(state.dirty).forEach(function (id) { based[id] = sources[id]; });
        localStorage.setItem(key, JSON.stringify({ revision: state.revision, cells: state.dirty,
                                                   base: based }));
      } else {
        localStorage.removeItem(key);
      }
    } catch (e) { /* private mode or full storage: the server copy still counts */ }
  }

  function setSaveStatus(text, kind) {
    saveStatus.textContent = text;
    saveStatus.dataset.kind = kind || "";
  }

  function edited(id, text) {
    state.dirty[id] = text;
    remember();
    if (state.versions) { state.versions.update(id, text); }
    if (!state.conflict) { setSaveStatus("Unsaved changes", "pending"); }
    clearTimeout(state.timer);
    state.timer = setTimeout(save, SAVE_DELAY);
  }

  // Save everything not yet saved; resolves when the server has it, rejects if it could not.
  function save() {
    clearTimeout(state.timer);
    if (state.saving) { return state.saving.then(save, save); }
    if (state.conflict) {
      return Promise.reject(new Error("First choose which version of each cell to keep."));
    }
    var sent = Object.assign({}, state.dirty);
    if (!Object.keys(sent).length) { return Promise.resolve(); }
    setSaveStatus("Saving…", "saving");
    state.saving = post(data.saveUrl, { revision: state.revision, cells: sent }).then(function (r) {
      startListening();
      state.revision = r.revision;
      state.retry = 0;
      Object.keys(sent).forEach(function (id) {
        sources[id] = sent[id];
        if (state.dirty[id] === sent[id]) { delete state.dirty[id]; }
      });
      remember();
      setSaveStatus(Object.keys(state.dirty).length ? "Unsaved changes" : "All changes saved",
                    Object.keys(state.dirty).length ? "pending" : "saved");
      if (Object.keys(state.dirty).length) { state.timer = setTimeout(save, SAVE_DELAY); }
    }, function (error) {
      if (error.status === 409 && error.body && error.body.cells) {
        chooseBetween(error.body.revision, error.body.cells, error.body.scratch);
      } else if (error.status === 422 || error.status === 403 || error.status === 404) {
        setSaveStatus("Not saved", "error");
        showProblem(error.message);
      } else {
        // Offline or the server is restarting: keep the edits here and try again.
        state.retry = Math.min(state.retry + 1, 6);
        setSaveStatus("Offline: edits kept on this device, retrying…", "error");
        state.timer = setTimeout(save, 1000 * Math.pow(2, state.retry - 1));
      }
      throw error;
    }).finally(function () { state.saving = null; });
    return state.saving;
  }

  // The server answered again (the event stream reopened, a poll got through) or the
  // device is back online: edits waiting for their next retry are saved now, not after
  // the back-off.
  function reconnected() {
    if (!state.retry || state.saving || state.conflict) { return; }
    if (!Object.keys(state.dirty).length) { return; }
    save().catch(function () {});  // a failure schedules the next retry itself
  }
  window.addEventListener("online", reconnected);

  function restoreFromDevice() {
    var stored;
    try {
      stored = JSON.parse(localStorage.getItem(data.storageKey) || "null");
      if (!stored && data.oldStorageKey) {  // kept under the workspace id by earlier versions
        stored = JSON.parse(localStorage.getItem(data.oldStorageKey) || "null");
        localStorage.removeItem(data.oldStorageKey);
      }
    } catch (e) { stored = null; }
    if (!stored || !stored.cells) { return; }
    var changed = Object.keys(stored.cells).filter(function (id) {
      return cells[id] && cells[id].editable && stored.cells[id] !== sources[id];
    });
    if (!changed.length) { remember(); return; }
    changed.forEach(function (id) { state.dirty[id] = stored.cells[id]; });
    if (stored.revision !== state.revision) {
      var server = Object.assign({}, sources);
      // The edits' base, when the browser kept it (else "unknown": the learner chooses).
      changed.forEach(function (id) {
        sources[id] = stored.base && typeof stored.base[id] === "string" ? stored.base[id] : null;
      });
      // Made on a version saved over since (another tab, another device): the learner chooses.
      state.revision = stored.revision;
      chooseBetween(Number(data.revision), server, null);
      return;
    }
    changed.forEach(function (id) { setEditor(id, stored.cells[id]); });
    setSaveStatus("Restored edits that were not saved yet", "pending");
    state.timer = setTimeout(save, SAVE_DELAY);
  }

  function setEditor(id, text) {
    cells[id].restoring = true;
    cells[id].editor.setValue(text);
    cells[id].restoring = false;
  }

  // The server holds *revision* with *saved* answers, newer than what this page's edits were
  // made on. Cells the page did not change take the saved text; cells changed only here keep
  // the edit; cells changed on both sides (or whose base is unknown) are shown side by side
  // until the learner keeps one; only then is anything saved. *scratch* (the server's scratch
  // cells, if known) brings cells added or deleted elsewhere onto this page.
  function chooseBetween(revision, saved, scratch) {
    var differing = [];
    var gone = scratch ? syncScratch(scratch) : [];
    gone.forEach(function (id) {  // deleted elsewhere while this page has unsaved edits to it
      differing.push({ id: id, name: cells[id].name, page: state.dirty[id], saved: null });
    });
    Object.keys(cells).forEach(function (id) {
      if (!cells[id].editable || saved[id] === undefined) { return; }
      if (state.dirty[id] === undefined || state.dirty[id] === saved[id]) {
        delete state.dirty[id];
        setEditor(id, saved[id]);
      } else if (sources[id] === saved[id]) {
        // Changed only here: the edit stands, and is saved over the newer revision.
        setEditor(id, state.dirty[id]);
      } else {
        setEditor(id, state.dirty[id]);
        differing.push({ id: id, name: cells[id].name, page: state.dirty[id], saved: saved[id] });
      }
    });
    var recreate = [];  // cells deleted elsewhere that the learner keeps: made again
    function settle() {
      state.conflict = false;
      state.versions = null;
      state.revision = revision;
      Object.keys(saved).forEach(function (id) { sources[id] = saved[id]; });
      remember();
      recreateAll(recreate).then(function () {
        if (Object.keys(state.dirty).length) {
          save().catch(function () {});
        } else {
          setSaveStatus("All changes saved", "saved");
        }
      });
    }
    if (!differing.length) { settle(); return; }
    state.conflict = true;
    remember();
    showProblem("");
    setSaveStatus("Not saved: choose which version to keep", "error");
    state.versions = window.ShopfloorVersions.show(
      root.querySelector("[data-versions]"), differing, function (id, which) {
        if (which === "saved" && saved[id] === undefined) {
          delete state.dirty[id];
          removeCell(id);
        } else if (which === "saved") {
          delete state.dirty[id];
          setEditor(id, saved[id]);
        } else {
          state.dirty[id] = cells[id].editor.getValue();
          if (saved[id] === undefined) { recreate.push(id); }
        }
        if (state.versions && state.versions.done()) { settle(); } else { remember(); }
      });
  }

  // ---- outputs ----------------------------------------------------------------------------
  function outputNode(output, name) {
    var node;
    if (output.mime === "text/html") {
      node = document.createElement("div");
      node.className = "out out-html";
      node.innerHTML = output.data;  // sanitised by the server (nh3); CSP blocks any script
      if (node.querySelector("table")) {  // a wide table scrolls sideways in its own box
        node.classList.add("out-table");
        node.tabIndex = 0;
        node.setAttribute("role", "region");
        node.setAttribute("aria-label", "Table from " + name);
      }
    } else if (output.mime) {
      node = document.createElement("img");
      node.className = "out out-image";
      node.src = "data:" + output.mime + ";base64," + output.data;
      node.alt = "Figure drawn by " + name;
    } else {
      node = document.createElement("pre");
      var kind = output.type === "error" ? " out-error"
        : (output.type === "note" || output.type === "widget" || output.name === "stderr")
          ? " out-stderr" : "";
      node.className = "out" + kind;
      node.textContent = output.text;
    }
    return node;
  }

  // Long outputs stay in a bounded box that scrolls (reachable by keyboard) until the
  // learner chooses "Show all"; short ones show whole, as in JupyterLab.
  function lineCount(cell) {
    var lines = 0;
    Array.prototype.forEach.call(cell.outputs.querySelectorAll("pre.out"), function (pre) {
      var text = pre.textContent.replace(/\n$/, "");
      if (text) { lines += text.split("\n").length; }
    });
    return lines;
  }

  function fitOutputs(cell) {
    var box = cell.outputs;
    var expanded = cell.expand.getAttribute("aria-expanded") === "true";
    var empty = !box.firstChild;
    if (empty && expanded) { setExpanded(cell, false); expanded = false; }
    var long = !empty && (expanded || box.scrollHeight > box.clientHeight + 2);
    cell.tools.hidden = !long;
    if (long && !expanded) { box.tabIndex = 0; } else { box.removeAttribute("tabindex"); }
    // A table is a tab stop only while it scrolls sideways.
    Array.prototype.forEach.call(box.querySelectorAll(".out-table"), function (table) {
      if (table.scrollWidth > table.clientWidth + 1) { table.tabIndex = 0; }
      else { table.removeAttribute("tabindex"); }
    });
    if (long) {
      var lines = lineCount(cell);
      cell.expand.textContent = expanded ? "Show less"
        : (lines ? "Show all (" + lines + " lines)" : "Show all output");
    }
  }

  function setExpanded(cell, expanded) {
    cell.expand.setAttribute("aria-expanded", String(expanded));
    cell.outputs.classList.toggle("is-expanded", expanded);
  }

  function fitSoon(cell) {
    if (cell.fitting) { return; }
    cell.fitting = true;
    window.requestAnimationFrame(function () { cell.fitting = false; fitOutputs(cell); });
  }

  function showCount(cell, count) {
    cell.prompt.textContent = "[" + (count === null || count === undefined ? "\u00a0" : count) + "]";
  }

  function clearCell(cell) {
    cell.outputs.textContent = "";
    cell.stateEl.textContent = "";
    cell.count = null;
    showCount(cell, null);
    fitOutputs(cell);
  }

  function clearOutputs(ids) {
    ids.forEach(function (id) { clearCell(cells[id]); });
    var body = ids.length === codeCells().length ? {} : { cells: ids };
    return post(data.clearUrl, body).then(startListening, function (error) {
      showProblem(error.status ? error.message
        : "Cannot reach the server, so the outputs are still saved there: they come back " +
          "when you reload. Try again when the connection is back.");
    });
  }

  function handle(event) {
    var cell = cells[event.cell];
    if (event.type === "reload") { reloadSoon(); return; }
    if (event.type === "cleared") {  // here or in another tab on this lab
      (event.cells || codeCells()).forEach(function (id) {
        if (cells[id] && cells[id].kind === "code") { clearCell(cells[id]); }
      });
      return;
    }
    if (event.type === "cells") {  // cells added or deleted in another tab on this lab
      if (event.page !== PAGE && event.revision > state.revision &&
          !Object.keys(state.dirty).length && !state.conflict) { reloadSoon(); }
      return;
    }
    if (event.type === "kernel") {
      showKernel(event.status);
      if (event.restarted) { showProblem(""); }
      return;
    }
    if (!cell || cell.kind !== "code") { return; }
    if (event.type === "queued") {
      showCount(cell, "*");
      cell.stateEl.textContent = "queued";
      cell.li.classList.add("is-queued");
    } else if (event.type === "running") {
      cell.li.classList.remove("is-queued");
      cell.li.classList.add("is-running");
      cell.stateEl.textContent = "running…";
      showCount(cell, "*");
      cell.outputs.textContent = "";
      fitOutputs(cell);
      showKernel("busy");
    } else if (event.type === "output") {
      if (event.output.type === "comm" || event.output.type === "captured") {
        widgetMessage(event.cell, event.output);
        return;
      }
      cell.outputs.appendChild(event.output.type === "widget" ? widgetNode(event, cell)
        : outputNode(event.output, cell.name));
      fitSoon(cell);
    } else if (event.type === "widget-done") {
      widgetDone(event, cell);
    } else if (event.type === "done") {
      cell.li.classList.remove("is-queued", "is-running");
      // The count of this run, as the traceback names it; a cell that did not run keeps
      // the count of the outputs it still shows.
      if (typeof event.execution_count === "number") { cell.count = event.execution_count; }
      showCount(cell, cell.count);
      cell.stateEl.textContent = DONE_TEXT[event.status] || ("✗ " + event.status);
      if (event.status !== "ok" && event.status !== "error" && event.status !== "skipped") {
        var note = document.createElement("p");
        note.className = "cell-message";
        note.textContent = event.message;
        cell.outputs.appendChild(note);
      }
      if (event.status === "failed") { showProblem(event.message); }
      if (event.status === "killed") { showKernel("dead"); }
      fitOutputs(cell);
      sendWidgetMessages();  // the kernel is free: a widget's change may go now
    }
  }

  // ---- live widgets (ipywidgets) -------------------------------------------------------------
  // The kernel's comm messages arrive as "comm" outputs, a displayed widget as a "widget"
  // output and what a cell prints inside an Output widget as "captured"; the widgets' code
  // (vendor/widgets, about 250 KB compressed) loads with the first of them. A widget's
  // changes (a slider moved) go back one message at a time, each once the kernel is free.
  var widgets = { loading: null, queue: [], sending: null, cellOf: {}, retry: null };

  function widgetManager() {
    if (!widgets.loading) {
      widgets.loading = new Promise(function (resolve, reject) {
        var link = document.createElement("link");
        link.rel = "stylesheet";
        link.href = data.widgetsCss;
        document.head.appendChild(link);
        var script = document.createElement("script");
        script.src = data.widgetsJs;
        script.onload = function () {
          resolve(window.ShopfloorWidgets.create({
            send: queueWidgetMessage,
            drawOutput: function (output) { return outputNode(output, "a widget"); }
          }));
        };
        script.onerror = function () { reject(new Error("The widgets could not be loaded.")); };
        document.head.appendChild(script);
      });
    }
    return widgets.loading;
  }

  function widgetMessage(cellId, output) {
    var message = output.message;
    if (output.type === "comm" && message.op === "open") { widgets.cellOf[message.comm_id] = cellId; }
    widgetManager().then(function (manager) {
      return output.type === "comm" ? manager.handle(message) : manager.capture(message);
    }, function () {});
  }

  // A widget's place in a cell: what it was (a note) until its view is drawn in it.
  function widgetNode(event, cell) {
    var box = document.createElement("div");
    box.className = "out out-widget";
    box.appendChild(outputNode(event.output, cell.name));
    var modelId = event.output.message.model_id;
    widgets.cellOf[modelId] = event.cell;  // its changes' outputs go to the cell showing it
    widgetManager().then(function (manager) { return manager.show(modelId, box); })
      .then(function (shown) { if (shown) { fitSoon(cell); } }, function () {});
    return box;
  }

  function queueWidgetMessage(commId, message, buffers) {
    return new Promise(function (resolve) {
      widgets.queue.push({ cell: widgets.cellOf[commId], comm_id: commId, data: message,
                           buffers: buffers, done: resolve });
      sendWidgetMessages();
    });
  }

  function sendWidgetMessages() {
    clearTimeout(widgets.retry);
    if (widgets.sending || !widgets.queue.length) { return; }
    var next = widgets.sending = widgets.queue.shift();
    post(data.widgetUrl, { cell: next.cell, comm_id: next.comm_id, data: next.data,
                           buffers: next.buffers }).then(startListening, function (error) {
      widgets.sending = null;
      if (error.status === 409) {  // a cell is running: send it when that cell is done
        widgets.queue.unshift(next);
        widgets.retry = setTimeout(sendWidgetMessages, 1000);
        return;
      }
      next.done();
      showProblem(error.status ? error.message
        : "Cannot reach the server, so the widget's change did not reach the kernel.");
    });
  }

  function widgetDone(event, cell) {
    var sent = widgets.sending;
    if (sent && sent.comm_id === event.comm) {
      widgets.sending = null;
      sent.done();
    }
    if (cell && event.status !== "ok" && event.status !== "error") {
      var note = document.createElement("p");
      note.className = "cell-message";
      note.textContent = event.status === "gone"
        ? "This widget's kernel is no longer running, so the change went nowhere: run the " +
          "cell again to use its widgets."
        : "The widget's code: " + (DONE_TEXT[event.status] || event.status);
      cell.outputs.appendChild(note);
      fitSoon(cell);
    }
    sendWidgetMessages();
  }

  function reloadSoon() {
    save().then(function () { window.location.reload(); }, function () {});
  }

  // ---- live events: SSE, or polling ---------------------------------------------------------
  var source = null;
  var pollTimer = null;
  var failures = 0;

  // A workspace not saved yet has no events: follow them once a POST from this page (or,
  // as a slow poll finds out, from another tab) has made it.
  var listening = false;
  var waitTimer = null;
  function startListening() {
    clearTimeout(waitTimer);
    if (!listening) { listening = true; listen(); }
  }

  function waitForWorkspace() {
    fetch(data.eventsUrl + "?after=0", { credentials: "same-origin",
                                         headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (reply) { if (reply && reply.saved !== false) { startListening(); } },
            function () {})
      .finally(function () {
        if (!listening) { waitTimer = setTimeout(waitForWorkspace, 5000); }
      });
  }

  function listen() {
    if (!window.EventSource || failures >= 3) { poll(); return; }
    source = new EventSource(data.streamUrl + "?after=" + state.after);
    source.onopen = function () { failures = 0; reconnected(); };
    source.onmessage = function (message) {
      var number = Number(message.lastEventId);
      if (number && number <= state.after) { return; }
      if (number) { state.after = number; }
      handle(JSON.parse(message.data));
    };
    source.addEventListener("kernel", function (message) {
      showKernel(JSON.parse(message.data).status);
    });
    source.addEventListener("again", function () {  // ended on purpose: follow on at once
      source.close();
      source = null;
      listen();
    });
    source.onerror = function () {
      if (source.readyState === EventSource.CLOSED || ++failures >= 3) {
        source.close();
        source = null;
        failures = Math.max(failures, 3);
        poll();
      }
    };
  }

  function poll() {
    clearTimeout(pollTimer);
    fetch(data.eventsUrl + "?after=" + state.after, { credentials: "same-origin",
                                                        headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (reply) {
        if (reply) {
          reply.events.forEach(function (pair) { state.after = pair[0]; handle(pair[1]); });
          showKernel(reply.kernel);
          reconnected();
        }
      }, function () {})
      .finally(function () {
        var busy = root.querySelector(".is-running, .is-queued");
        pollTimer = setTimeout(poll, busy ? 1000 : 5000);
      });
  }

  // ---- kernel -------------------------------------------------------------------------------
  function showKernel(status) {
    var box = root.querySelector("[data-kernel-status]");
    if (box.dataset.state === status) { return; }
    box.dataset.state = status;
    box.querySelector("[data-kernel-text]").textContent = KERNEL_TEXT[status] || ("Kernel: " + status);
    root.querySelector("[data-action=restart]").classList.toggle("attention", status === "dead");
  }

  function run(ids) {
    return save().then(function () {
      showProblem("");
      root.querySelector("[data-announce]").textContent = "";
      return post(data.runUrl, { cells: ids }).then(startListening);
    }).catch(function (error) {
      if (state.conflict) {
        showProblem("Nothing ran: first choose which version of each cell to keep (above).");
        return;
      }
      showProblem(error.status ? error.message
        : "Cannot reach the server, so nothing ran. Your code is kept on this device and is " +
          "saved as soon as the connection is back.");
    });
  }

  function runAndAdvance(id) {
    if (cells[id].kind === "markdown") { renderNotes(cells[id]); } else { run([id]); }
    var next = order[order.indexOf(id) + 1];
    if (next) { focusCell(cells[next]); }
  }

  function codeCells() {
    return order.filter(function (id) { return cells[id].kind === "code"; });
  }

  function control(url, after) {
    return post(url).then(function (reply) {
      startListening();
      showKernel(reply.kernel);
      if (after) { after(); }
    },
                          function (error) {
                            showProblem(error.status ? error.message
                              : "Cannot reach the server. Try again when the connection is back.");
                          });
  }

  // ---- cells ---------------------------------------------------------------------------------
  function setUp(li) {
    var id = li.dataset.cell;
    var editable = li.dataset.editable === "true";
    var kind = li.dataset.kind;
    var pre = li.querySelector("[data-source]");
    var holder = document.createElement("div");
    holder.className = "cell-editor";
    pre.replaceWith(holder);
    var promptEl = li.querySelector("[data-prompt]");
    var shownCount = promptEl ? promptEl.textContent.replace(/[\[\]\s\u00a0]/g, "") : "";
    var scratch = li.classList.contains("cell-scratch");
    var cell = {
      li: li, kind: kind, name: li.dataset.name, editable: editable, holder: holder,
      outputs: li.querySelector("[data-outputs]"),
      rendered: li.querySelector("[data-rendered]"),
      stateEl: li.querySelector("[data-state]"),
      prompt: promptEl,
      count: shownCount ? Number(shownCount) : null,
      tools: li.querySelector("[data-output-tools]"),
      expand: li.querySelector("[data-action=expand]")
    };
    var label = scratch ? (kind === "code" ? "Scratch code, not graded" : "Scratch notes in Markdown")
      : "Code of " + cell.name + (editable ? ", your answer" : ", read-only");
    cell.editor = window.ShopfloorEditor.create(holder, {
      doc: sources[id],
      readOnly: !editable,
      lineWrapping: narrow || kind === "markdown",  // on a phone, long lines wrap
      label: label,
      onChange: function (text) { if (!cell.restoring) { edited(li.dataset.cell, text); } },
      onRun: function () {
        if (cell.kind === "markdown") { renderNotes(cell); } else { run([li.dataset.cell]); }
      },
      onRunAdvance: function () { runAndAdvance(li.dataset.cell); },
      complete: kind === "code" ? ask(data.completeUrl) : undefined,
      inspect: kind === "code" ? ask(data.inspectUrl) : undefined
    });
    if (kind === "markdown") { editNotes(cell, cell.rendered.hidden); }
    cells[id] = cell;
    return cell;
  }

  // Tab and Shift+Tab ask the learner's kernel (if one runs) about the code at the cursor.
  // Nothing to say is an empty answer: the editor then just indents.
  function ask(url) {
    return function (code, cursor) {
      return post(url, { code: code, cursor: cursor }).then(function (reply) {
        if (reply.reason === "no-kernel") {
          announce("Run a cell first: suggestions come from your running kernel.");
        } else if (reply.reason === "busy") {
          announce("No suggestions while a cell is running.");
        }
        return reply;
      });
    };
  }

  function announce(text) {
    var box = root.querySelector("[data-announce]");
    box.textContent = "";
    window.setTimeout(function () { box.textContent = text; }, 50);  // read again if repeated
  }

  function reorder() {
    order = Array.prototype.map.call(root.querySelectorAll("li[data-cell]"),
                                     function (li) { return li.dataset.cell; });
  }

  // Scratch cells are numbered in page order; their buttons say which one they act on.
  function renumber() {
    Array.prototype.forEach.call(root.querySelectorAll("li.cell-scratch"), function (li, i) {
      var name = "scratch " + (i + 1);
      li.dataset.name = name;
      if (cells[li.dataset.cell]) { cells[li.dataset.cell].name = name; }
      Array.prototype.forEach.call(li.querySelectorAll("[data-label]"), function (node) {
        node.setAttribute("aria-label", node.dataset.label.replace("{name}", name));
      });
    });
  }

  function focusCell(cell) {
    if (cell.kind === "markdown" && cell.holder.hidden) {
      cell.li.querySelector("[data-action=edit]").focus();
    } else {
      cell.editor.focus();
    }
  }

  // A notes cell shows its Markdown rendered, or its editor while the learner edits it.
  function editNotes(cell, editing) {
    cell.holder.hidden = !editing;
    cell.rendered.hidden = editing;
    var button = cell.li.querySelector("[data-action=edit]");
    button.setAttribute("aria-pressed", String(editing));
  }

  function renderNotes(cell) {
    var id = cell.li.dataset.cell;
    if (!cell.editor.getValue().trim()) { return; }  // nothing to show yet: keep editing
    return save().then(function () {
      return post(data.renderUrl, { cell: id });
    }).then(function (reply) {
      cell.rendered.innerHTML = reply.html;  // rendered by the server, raw HTML escaped
      editNotes(cell, false);
      cell.li.querySelector("[data-action=edit]").focus();
    }, function (error) {
      showProblem(error.status ? error.message
        : "Cannot reach the server to show these notes. They are kept on this device.");
    });
  }

  function makeCell(id, kind, source, afterLi) {
    var template = document.getElementById("scratch-" + kind + "-template");
    var li = template.content.firstElementChild.cloneNode(true);
    li.id = "cell-" + id;
    li.dataset.cell = li.dataset.anchor = id;
    var outputs = li.querySelector("[data-outputs]");
    if (outputs) {
      outputs.id = "outputs-" + id;
      li.querySelector("[data-action=expand]").setAttribute("aria-controls", outputs.id);
    }
    sources[id] = source;
    if (afterLi) { afterLi.after(li); } else { root.querySelector("#cells").prepend(li); }
    var cell = setUp(li);
    if (kind === "markdown") { editNotes(cell, true); }
    reorder();
    renumber();
    Array.prototype.forEach.call(li.querySelectorAll("button[data-action]"),
                                 function (b) { b.disabled = false; });
    if (cell.kind === "code") { fitOutputs(cell); }
    return cell;
  }

  function removeCell(id) {
    var cell = cells[id];
    if (!cell) { return; }
    if (active === cell.li) { active = null; }
    cell.editor.destroy();
    cell.li.remove();
    delete cells[id];
    delete state.dirty[id];
    delete sources[id];
    reorder();
    renumber();
    remember();
  }

  function anchorLi(anchor) {
    if (!anchor) { return null; }
    return root.querySelector('li[data-anchor="' + CSS.escape(anchor) + '"]');
  }

  // After a conflict: show the scratch cells the server has (added in another tab), and
  // drop those it no longer has; return the ones dropped elsewhere that hold unsaved edits
  // here (the learner chooses whether to keep them).
  function syncScratch(scratch) {
    var onServer = {};
    scratch.forEach(function (entry) {
      onServer[entry.id] = true;
      if (!cells[entry.id]) {
        var made = makeCell(entry.id, entry.kind, entry.source, anchorLi(entry.after));
        if (entry.kind === "markdown" && entry.source.trim()) { renderNotes(made); }
      }
    });
    var kept = [];
    Array.prototype.forEach.call(root.querySelectorAll("li.cell-scratch[data-cell]"),
                                 function (li) {
      var id = li.dataset.cell;
      if (onServer[id]) { return; }
      if (state.dirty[id] !== undefined) { kept.push(id); } else { removeCell(id); }
    });
    return kept;
  }

  var adding = null;  // the add in flight: a second press waits for it, never adds twice
  function addCell(kind, source) {
    if (adding) { return adding; }
    var after = active && active.isConnected ? active : null;
    if (!after) {  // nothing chosen yet: at the end
      var all = root.querySelectorAll("#cells > li[data-anchor]");
      after = all[all.length - 1] || null;
    }
    adding = save().then(function () {
      return post(data.addUrl, { kind: kind, after: after ? after.dataset.anchor : null,
                                 revision: state.revision, source: source || "", page: PAGE });
    }).then(function (reply) {
      state.revision = reply.revision;
      showProblem("");
      var cell = makeCell(reply.cell, kind, source || "", after);
      setActive(cell.li);
      cell.editor.focus();
      cell.li.scrollIntoView({ block: "nearest" });
      return reply.cell;
    }, function (error) {
      if (error.status === 409 && error.body && error.body.cells) {
        chooseBetween(error.body.revision, error.body.cells, error.body.scratch);
        showProblem("The cell was not added: first choose which version of each cell to keep.");
      } else if (!state.conflict) {
        showProblem(error.status ? error.message
          : "Cannot reach the server, so no cell was added. Try again when the connection is back.");
      }
    }).finally(function () { adding = null; });
    return adding;
  }

  // Cells deleted in another tab that the learner chose to keep: made again, same place.
  function recreateAll(ids) {
    return ids.reduce(function (chain, id) {
      return chain.then(function () {
        var cell = cells[id];
        if (!cell) { return; }
        var text = cell.editor.getValue();
        var previous = cell.li.previousElementSibling;
        return post(data.addUrl, { kind: cell.kind, revision: state.revision, source: text,
                                   after: previous ? previous.dataset.anchor || null : null,
                                   page: PAGE })
          .then(function (reply) {
            state.revision = reply.revision;
            removeCell(id);
            makeCell(reply.cell, cell.kind, text, previous);
          });
      });
    }, Promise.resolve()).catch(function (error) { showProblem(error.message); });
  }

  function deleteCell(id) {
    var cell = cells[id];
    if (cell.editor.getValue().trim() &&
        !window.confirm("Delete this " + cell.name + " and its output? This cannot be undone.")) {
      return;
    }
    var next = cell.li.nextElementSibling || cell.li.previousElementSibling;
    delete state.dirty[id];
    remember();
    save().then(function () {
      return post(data.deleteUrl, { cell: id, revision: state.revision, page: PAGE });
    }).then(function (reply) {
      state.revision = reply.revision;
      removeCell(id);
      var target = next && cells[next.dataset.cell];
      if (target) { setActive(target.li); focusCell(target); }
      else { root.querySelector("[data-action=add-code]").focus(); }
    }, function (error) {
      if (error.status === 409 && error.body && error.body.cells) {
        chooseBetween(error.body.revision, error.body.cells, error.body.scratch);
      } else if (!state.conflict) {
        showProblem(error.status ? error.message
          : "Cannot reach the server, so the cell was not deleted. Try again when the " +
            "connection is back.");
      }
    });
  }

  function setActive(li) {
    if (active === li) { return; }
    if (active) { active.classList.remove("is-active"); }
    active = li;
    if (li) { li.classList.add("is-active"); }
  }

  // ---- set up -------------------------------------------------------------------------------
  Array.prototype.forEach.call(root.querySelectorAll("li[data-cell]"), setUp);
  reorder();
  // The cell the learner is in (focused, or clicked: read-only code takes no focus).
  function choose(event) {
    var li = event.target.closest && event.target.closest("#cells > li[data-anchor]");
    if (li) { setActive(li); }
  }
  root.addEventListener("focusin", choose);
  root.addEventListener("pointerdown", choose);

  root.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    if (!button) { return; }
    var li = button.closest("li[data-cell]");
    var action = button.dataset.action;
    if (action === "run") { run([li.dataset.cell]); }
    if (action === "run-all") { run(codeCells()); }
    if (action === "clear") { clearOutputs([li.dataset.cell]); }
    if (action === "clear-all") { clearOutputs(codeCells()); }
    if (action === "add-code") { addCell("code"); }
    if (action === "add-markdown") { addCell("markdown"); }
    if (action === "delete") { deleteCell(li.dataset.cell); }
    if (action === "edit") {  // a toggle: pressed while editing, and then it shows the notes
      var notes = cells[li.dataset.cell];
      if (notes.holder.hidden) { editNotes(notes, true); notes.editor.focus(); }
      else { renderNotes(notes); }
    }
    if (action === "expand") {
      var shown = cells[li.dataset.cell];
      setExpanded(shown, button.getAttribute("aria-expanded") !== "true");
      fitOutputs(shown);
      if (button.getAttribute("aria-expanded") === "false") {
        shown.li.scrollIntoView({ block: "nearest" });  // back to the top of the short box
      }
    }
    if (action === "interrupt") { control(data.interruptUrl); }
    if (action === "restart") {
      // Cells run meanwhile wait for the new kernel (the server orders them after it).
      showKernel("restarting");
      control(data.restartUrl, function () { showProblem(""); });
    }
    if (action === "reset") {
      var id = li.dataset.cell;
      save().then(function () {
        return post(data.resetUrl, { cell: id });
      }).then(function (reply) {
        state.revision = reply.revision;
        setEditor(id, reply.source);
        sources[id] = reply.source;
        delete state.dirty[id];
        remember();
      }, function (error) { showProblem(error.message); });
    }
  });

  var form = root.querySelector("[data-submit-form]");
  form.addEventListener("submit", function (event) {
    if (!Object.keys(state.dirty).length && !state.saving) { return; }
    event.preventDefault();
    save().then(function () { form.submit(); }, function () {
      showProblem("Your latest edits are not saved yet, so they cannot be submitted. " +
                  (problem.textContent || "Check your connection and try again."));
    });
  });

  window.addEventListener("beforeunload", function (event) {
    if (Object.keys(state.dirty).length) { event.preventDefault(); event.returnValue = ""; }
  });

  Array.prototype.forEach.call(root.querySelectorAll("button[data-action]"), function (b) {
    b.disabled = false;
  });
  root.classList.add("is-ready");
  codeCells().forEach(function (id) { fitOutputs(cells[id]); });
  window.addEventListener("resize", function () {
    codeCells().forEach(function (id) { fitSoon(cells[id]); });
  });
  root.addEventListener("load", function (event) {  // a figure makes its output taller
    var li = event.target.closest && event.target.closest("li[data-cell]");
    if (li && cells[li.dataset.cell]) { fitSoon(cells[li.dataset.cell]); }
  }, true);
  restoreFromDevice();
  if (data.saved === "true") {
    startListening();
  } else {
    waitTimer = setTimeout(waitForWorkspace, 5000);
  }
})();
