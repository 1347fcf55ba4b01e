// The lab workspace: code editors, autosave, running cells and following their outputs live.
//
// Edits go to the server a moment after typing stops; until the server has them they are also
// kept in this browser (localStorage, with the revision they were made on), so a reload, a
// lost connection or a server restart loses nothing. Edits made on an older revision than the
// server's are never saved over it by themselves: both versions of each differing cell are
// shown (versions.js) and the learner chooses. A cell only runs after its code is saved. Outputs arrive as Server-Sent
// Events, or by polling when EventSource is missing or keeps failing.
(function () {
  "use strict";

  var root = document.getElementById("workspace");
  if (!root || !window.ShopfloorEditor) { return; }
  var data = root.dataset;
  var SAVE_DELAY = 800;
  var narrow = window.matchMedia("(max-width: 600px)").matches;
  var KERNEL_TEXT = {
    none: "Kernel: not started (it starts when you run a cell)",
    starting: "Kernel: starting",
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
  var cells = {};       // cell id → {li, editor, number, editable, outputs, stateEl}
  var order = [];
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
        localStorage.setItem(key, JSON.stringify({ revision: state.revision, cells: state.dirty }));
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
        if (state.dirty[id] === sent[id]) { delete state.dirty[id]; }
      });
      remember();
      setSaveStatus(Object.keys(state.dirty).length ? "Unsaved changes" : "All changes saved",
                    Object.keys(state.dirty).length ? "pending" : "saved");
      if (Object.keys(state.dirty).length) { state.timer = setTimeout(save, SAVE_DELAY); }
    }, function (error) {
      if (error.status === 409 && error.body && error.body.cells) {
        chooseBetween(error.body.revision, error.body.cells);
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
      // Made on a version saved over since (another tab, another device): the learner chooses.
      state.revision = stored.revision;
      chooseBetween(Number(data.revision), sources);
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
  // made on. Cells the page did not change take the saved text; cells where both differ are
  // shown side by side until the learner keeps one; only then is anything saved.
  function chooseBetween(revision, saved) {
    var differing = [];
    Object.keys(cells).forEach(function (id) {
      if (!cells[id].editable || saved[id] === undefined) { return; }
      if (state.dirty[id] === undefined || state.dirty[id] === saved[id]) {
        delete state.dirty[id];
        setEditor(id, saved[id]);
      } else {
        setEditor(id, state.dirty[id]);
        differing.push({ id: id, number: cells[id].number, page: state.dirty[id], saved: saved[id] });
      }
    });
    function settle() {
      state.conflict = false;
      state.versions = null;
      state.revision = revision;
      remember();
      if (Object.keys(state.dirty).length) {
        save().catch(function () {});
      } else {
        setSaveStatus("All changes saved", "saved");
      }
    }
    if (!differing.length) { settle(); return; }
    state.conflict = true;
    remember();
    showProblem("");
    setSaveStatus("Not saved: choose which version to keep", "error");
    state.versions = window.ShopfloorVersions.show(
      root.querySelector("[data-versions]"), differing, function (id, which) {
        if (which === "saved") {
          delete state.dirty[id];
          setEditor(id, saved[id]);
        } else {
          state.dirty[id] = cells[id].editor.getValue();
        }
        if (state.versions && state.versions.done()) { settle(); } else { remember(); }
      });
  }

  // ---- outputs ----------------------------------------------------------------------------
  function outputNode(output, number) {
    var node;
    if (output.mime === "text/html") {
      node = document.createElement("div");
      node.className = "out out-html";
      node.innerHTML = output.data;  // sanitised by the server (nh3); CSP blocks any script
      if (node.querySelector("table")) {  // a wide table scrolls sideways in its own box
        node.classList.add("out-table");
        node.tabIndex = 0;
        node.setAttribute("role", "region");
        node.setAttribute("aria-label", "Table from cell " + number);
      }
    } else if (output.mime) {
      node = document.createElement("img");
      node.className = "out out-image";
      node.src = "data:" + output.mime + ";base64," + output.data;
      node.alt = "Figure drawn by cell " + number;
    } else {
      node = document.createElement("pre");
      var kind = output.type === "error" ? " out-error"
        : (output.type === "note" || output.name === "stderr") ? " out-stderr" : "";
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
    var body = ids.length === order.length ? {} : { cells: ids };
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
      (event.cells || order).forEach(function (id) { if (cells[id]) { clearCell(cells[id]); } });
      return;
    }
    if (event.type === "kernel") {
      showKernel(event.status);
      if (event.restarted) { showProblem(""); }
      return;
    }
    if (!cell) { return; }
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
      cell.outputs.appendChild(outputNode(event.output, cell.number));
      fitSoon(cell);
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
    }
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
    source.onopen = function () { failures = 0; };
    source.onmessage = function (message) {
      var number = Number(message.lastEventId);
      if (number && number <= state.after) { return; }
      if (number) { state.after = number; }
      handle(JSON.parse(message.data));
    };
    source.addEventListener("kernel", function (message) {
      showKernel(JSON.parse(message.data).status);
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
    run([id]);
    var next = order[order.indexOf(id) + 1];
    if (next) { cells[next].editor.focus(); }
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

  // ---- set up -------------------------------------------------------------------------------
  Array.prototype.forEach.call(root.querySelectorAll("li[data-cell]"), function (li) {
    var id = li.dataset.cell;
    var editable = li.dataset.editable === "true";
    var number = Number(li.dataset.number);
    var pre = li.querySelector("[data-source]");
    var holder = document.createElement("div");
    holder.className = "cell-editor";
    pre.replaceWith(holder);
    var promptEl = li.querySelector("[data-prompt]");
    var shownCount = promptEl.textContent.replace(/[\[\]\s\u00a0]/g, "");
    var cell = {
      li: li, number: number, editable: editable,
      outputs: li.querySelector("[data-outputs]"),
      stateEl: li.querySelector("[data-state]"),
      prompt: promptEl,
      count: shownCount ? Number(shownCount) : null,
      tools: li.querySelector("[data-output-tools]"),
      expand: li.querySelector("[data-action=expand]")
    };
    cell.editor = window.ShopfloorEditor.create(holder, {
      doc: sources[id],
      readOnly: !editable,
      lineWrapping: narrow,  // on a phone, long lines wrap instead of scrolling sideways
      label: "Code of cell " + number + (editable ? ", your answer" : ", read-only"),
      onChange: function (text) { if (!cell.restoring) { edited(id, text); } },
      onRun: function () { run([id]); },
      onRunAdvance: function () { runAndAdvance(id); }
    });
    cells[id] = cell;
    order.push(id);
  });

  root.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    if (!button) { return; }
    var li = button.closest("li[data-cell]");
    var action = button.dataset.action;
    if (action === "run") { run([li.dataset.cell]); }
    if (action === "run-all") { run(order.slice()); }
    if (action === "clear") { clearOutputs([li.dataset.cell]); }
    if (action === "clear-all") { clearOutputs(order.slice()); }
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
      control(data.restartUrl, function () { showProblem(""); });
    }
    if (action === "reset") {
      var id = li.dataset.cell;
      save().then(function () {
        return post(data.resetUrl, { cell: id });
      }).then(function (reply) {
        state.revision = reply.revision;
        setEditor(id, reply.source);
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
  order.forEach(function (id) { fitOutputs(cells[id]); });
  window.addEventListener("resize", function () {
    order.forEach(function (id) { fitSoon(cells[id]); });
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
