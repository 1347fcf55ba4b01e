// Live ipywidgets for the lab workspace, bundled by scripts/vendor-assets.sh into
// app/static/vendor/widgets/widgets.js (one IIFE that sets window.ShopfloorWidgets; no module
// loader, no CDN). It is @jupyter-widgets' own models and views (base and controls), so a
// slider in the page behaves as it does in JupyterLab, driven by a small manager:
//
//   the kernel's comm messages reach the page as outputs of the workspace's event stream
//   ({op: open|msg|close, comm_id, data, buffers}) and go to handle(), in order;
//   a widget's changes in the page leave through options.send(commId, data, buffers), which
//   resolves when the kernel has handled them (the widgets' own throttle waits for that);
//   the Output widget is ours: the server routes what a cell prints inside it to the page as
//   "captured" outputs, drawn by the workspace's own renderer (options.drawOutput), so they
//   are sanitised and limited like every other output.
import { ManagerBase } from "@jupyter-widgets/base-manager";
import * as base from "@jupyter-widgets/base";
import * as controls from "@jupyter-widgets/controls";
import { Widget } from "@lumino/widgets";
import "./widgets.css";

class OutputModel extends base.DOMWidgetModel {
  defaults() {
    return {
      ...super.defaults(),
      _model_name: "OutputModel",
      _view_name: "OutputView",
      _model_module: "@jupyter-widgets/output",
      _view_module: "@jupyter-widgets/output",
      _model_module_version: "1.0.0",
      _view_module_version: "1.0.0",
      msg_id: "",
      outputs: [],
    };
  }

  initialize(attributes, options) {
    super.initialize(attributes, options);
    this.captured = [];
    this.clearOnNext = false;
  }

  // One "captured" message: {clear, wait} or {output}.
  capture(message) {
    if (message.clear && message.wait) {
      this.clearOnNext = true;
      return;
    }
    if (message.clear || this.clearOnNext) {
      this.captured = [];
      this.clearOnNext = false;
    }
    if (message.output) { this.captured.push(message.output); }
    this.trigger("captured");
  }
}

// nbformat outputs set from the kernel (out.append_stdout, out.outputs = ...): text and
// images only; HTML shows as its plain text, since nothing on this path sanitises it.
function fromState(outputs) {
  return (outputs || []).map(function (o) {
    if (o.output_type === "stream") {
      return { type: "stream", name: o.name, text: [].concat(o.text).join("") };
    }
    var data = o.data || {};
    if (o.output_type === "error") {
      return { type: "error", text: (o.traceback || []).join("\n") };
    }
    if (data["image/png"]) { return { type: o.output_type, mime: "image/png", data: data["image/png"] }; }
    return { type: o.output_type || "display_data", text: [].concat(data["text/plain"] || "").join("") };
  });
}

class OutputView extends base.DOMWidgetView {
  render() {
    this.el.classList.add("widget-output");
    this.listenTo(this.model, "captured", this.draw);
    this.listenTo(this.model, "change:outputs", this.draw);
    this.draw();
  }

  draw() {
    var manager = this.model.widget_manager;
    var all = fromState(this.model.get("outputs")).concat(this.model.captured);
    this.el.textContent = "";
    all.forEach(function (output) { this.el.appendChild(manager.drawOutput(output)); }, this);
  }
}

class Comm {
  constructor(manager, commId, targetName) {
    this.comm_id = commId;
    this.target_name = targetName;
    this.manager = manager;
    this.onMsg = null;
    this.onClose = null;
  }
  open() { return ""; }
  close() { return ""; }  // a page never closes a model of the kernel's
  on_msg(callback) { this.onMsg = callback; }
  on_close(callback) { this.onClose = callback; }
  send(data, callbacks, metadata, buffers) {
    var idle = function () {
      var status = callbacks && callbacks.iopub && callbacks.iopub.status;
      if (status) { status({ content: { execution_state: "idle" } }); }
    };
    this.manager.send(this.comm_id, data, (buffers || []).map(toBase64)).then(idle, idle);
    return "";
  }
}

function toBase64(buffer) {
  var bytes = new Uint8Array(buffer.buffer ? buffer.buffer.slice(buffer.byteOffset,
    buffer.byteOffset + buffer.byteLength) : buffer);
  var text = "";
  for (var i = 0; i < bytes.length; i += 1) { text += String.fromCharCode(bytes[i]); }
  return window.btoa(text);
}

function fromBase64(text) {
  var raw = window.atob(text);
  var bytes = new Uint8Array(raw.length);
  for (var i = 0; i < raw.length; i += 1) { bytes[i] = raw.charCodeAt(i); }
  return new DataView(bytes.buffer);
}

// Jupyter's controls label their inputs with a <label for>, but not a slider's handle (a
// div with role "slider") or its editable readout: give each the description's text, as a
// screen reader needs. Boxes draw their children later, so this runs again as they appear.
function labelControls(root) {
  // A button that shows only an icon (Play's play, pause, stop and repeat) is named by its
  // tooltip, else by its icon.
  root.querySelectorAll("button").forEach(function (button) {
    if (button.textContent.trim() || button.hasAttribute("aria-label")) { return; }
    var icon = button.querySelector("i[class*=fa-]");
    var name = button.title || (icon && (icon.className.match(/fa-([a-z-]+)/) || [])[1]);
    if (name) { button.setAttribute("aria-label", name.replace(/-/g, " ")); }
  });
  root.querySelectorAll("label.widget-label").forEach(function (label) {
    if (label.getAttribute("title") === "null") { label.removeAttribute("title"); }
    var text = label.textContent.trim();
    var box = label.parentElement;
    if (!text || !box) { return; }
    var handles = box.querySelectorAll("[role=slider]");
    handles.forEach(function (handle, n) {
      if (handle.hasAttribute("aria-label")) { return; }
      var which = handles.length === 2 ? (n ? ", upper" : ", lower") : "";
      handle.setAttribute("aria-label", text + which);
    });
    box.querySelectorAll(".widget-readout").forEach(function (readout) {
      if (!readout.hasAttribute("aria-label")) { readout.setAttribute("aria-label", text + " value"); }
    });
    box.querySelectorAll("input, select, textarea").forEach(function (control) {
      if (!control.hasAttribute("aria-label") && !(control.labels && control.labels.length)) {
        control.setAttribute("aria-label", text);
      }
    });
  });
}

var MODULES = {
  "@jupyter-widgets/base": base,
  "@jupyter-widgets/controls": controls,
  "@jupyter-widgets/output": { OutputModel: OutputModel, OutputView: OutputView },
};

class Manager extends ManagerBase {
  constructor(options) {
    super();
    this.send = options.send;
    this.drawOutput = options.drawOutput;
    this.comms = new Map();
    this.queue = Promise.resolve();  // the kernel's messages, handled one after another
  }

  loadClass(className, moduleName) {
    var module = MODULES[moduleName];
    if (module && module[className]) { return Promise.resolve(module[className]); }
    return Promise.reject(new Error(className + " from " + moduleName +
      " is not one of the widgets this workspace can show"));
  }

  _get_comm_info() { return Promise.resolve({}); }

  _create_comm(targetName, modelId) {
    return Promise.resolve(new Comm(this, modelId || "", targetName));
  }

  // In order: a model must exist before its updates and its views.
  later(step) {
    this.queue = this.queue.then(step).catch(function (error) {
      if (window.console) { window.console.warn("widget:", error); }
    });
    return this.queue;
  }

  handle(message) {
    var self = this;
    return this.later(function () {
      var buffers = (message.buffers || []).map(fromBase64);
      var content = { comm_id: message.comm_id, data: message.data || {} };
      if (message.op === "open") {
        var comm = new Comm(self, message.comm_id, message.target_name);
        self.comms.set(message.comm_id, comm);
        content.target_name = message.target_name;
        return self.handle_comm_open(comm, {
          content: content, metadata: message.metadata || {}, buffers: buffers
        });
      }
      var known = self.comms.get(message.comm_id);
      if (!known) { return null; }
      if (message.op === "close") {
        self.comms.delete(message.comm_id);
        if (known.onClose) { return known.onClose({ content: content }); }
      } else if (known.onMsg) {
        return known.onMsg({ content: content, buffers: buffers });
      }
      return null;
    });
  }

  capture(message) {
    var self = this;
    return this.later(function () {
      return self.get_model(message.model_id).then(function (model) {
        if (model && model.capture) { model.capture(message); }
      });
    });
  }

  // Draw the view of model *modelId* into *el*; resolves true when drawn, false when the
  // model is not in this page (it was made before a reload, or by a kernel since gone).
  show(modelId, el) {
    var self = this;
    var shown = false;
    return this.later(function () {
      if (!self.comms.has(modelId)) { return null; }
      return self.get_model(modelId).then(function (model) {
        return self.create_view(model);
      }).then(function (view) {
        el.textContent = "";
        Widget.attach(view.luminoWidget, el);
        labelControls(el);
        new MutationObserver(function () { labelControls(el); })
          .observe(el, { childList: true, subtree: true });
        shown = true;
      });
    }).then(function () { return shown; });
  }
}

window.ShopfloorWidgets = {
  create: function (options) { return new Manager(options); }
};
