// The code editor of the lab workspace: CodeMirror 6 with Python, bundled by
// scripts/vendor-assets.sh into app/static/vendor/codemirror/editor.js (one IIFE, no imports),
// which exposes window.ShopfloorEditor:
//
//   const editor = ShopfloorEditor.create(parent, {
//     doc, readOnly, label, lineNumbers, lineWrapping, onChange, onRun, onRunAdvance,
//     complete, inspect,
//   });
//   editor.getValue(); editor.setValue(text); editor.focus(); editor.setReadOnly(true);
//   editor.destroy(); editor.view  // the EditorView, for anything else
//
// Help from the kernel, as in JupyterLab; both options are optional, and without them Tab
// and Shift+Tab only indent and dedent. Cursors and ranges count Unicode code points (as
// Jupyter's messages do from protocol 5.2), not the UTF-16 units of JavaScript strings:
//   complete(code, cursor) → Promise<{matches: [string], cursor_start, cursor_end}>
//     Tab, with no selection and something other than spaces before the cursor on its line,
//     asks for completions of `code` (the whole cell) at `cursor`: one match replaces
//     code[cursor_start:cursor_end] at once; several open a list (arrows choose, Enter or
//     Tab takes one, typing narrows it, Escape closes it). Anywhere else Tab indents.
//   inspect(code, cursor) → Promise<{found, text}>
//     Shift+Tab in the same places shows `text` (plain text, e.g. a signature and
//     docstring) in a tooltip under the cursor, which Escape, typing or moving the cursor
//     closes; Shift+Tab again moves the keyboard into it, to scroll, and Escape back.
//     Screen readers hear the start of it, and the editor is described by it while open.
//     Anywhere else Shift+Tab dedents.
// An answer that comes after the code or the cursor changed is dropped, as is a rejected
// promise or a malformed answer: the page may answer {matches: []} when it cannot ask.
//
// Content-Security-Policy: the site allows no inline styles, and CodeMirror's style-mod writes
// its rules into a <style> element when mounted in a document (only shadow roots get a
// constructed, adopted style sheet, which CSP does not restrict). So each editor lives in an
// open shadow root on a <div class="shopfloor-editor"> appended to `parent`: styled with
// `style-src 'self'`, no nonce. Inherited properties and CSS custom properties still cross
// into it (the font size, --pico-font-family-monospace); the page styles the host element.
import { EditorState, Compartment, Prec, StateEffect, StateField } from "@codemirror/state";
import {
  EditorView,
  highlightSpecialChars,
  keymap,
  lineNumbers,
  showTooltip,
} from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import {
  bracketMatching,
  HighlightStyle,
  indentOnInput,
  indentUnit,
  syntaxHighlighting,
} from "@codemirror/language";
import { python } from "@codemirror/lang-python";
import {
  acceptCompletion,
  autocompletion,
  closeBrackets,
  closeBracketsKeymap,
  completionStatus,
  startCompletion,
} from "@codemirror/autocomplete";
import { tags as t } from "@lezer/highlight";

// A GitHub-light-like palette; every colour is at least 4.5:1 on white and on the
// matching-bracket background (WCAG AA for normal text). The completion list and the help
// tooltip: ink on white and on the help's #f6f8fa (14.8:1), white on the chosen
// completion's #0969da (5.2:1); their border, #d0d7de, is only decoration.
const MAX_SHOWN = 12; // completion options on screen at once
const ink = "#1f2328"; // 15.8:1
const monospace =
  "var(--pico-font-family-monospace, ui-monospace, SFMono-Regular, Menlo, Consolas, " +
  "'Liberation Mono', monospace)";
const palette = {
  keyword: "#cf222e", // 5.4:1
  string: "#0a3069", // 12.8:1
  comment: "#57606a", // 6.4:1
  constant: "#0550ae", // 7.6:1
  name: "#6639ba", // 7.3:1 (functions, decorators)
  type: "#953800", // 7.4:1 (classes)
  escape: "#116329", // 7.4:1
  invalid: "#82071e", // 10.5:1
};

const highlight = HighlightStyle.define([
  {
    tag: [t.keyword, t.controlKeyword, t.definitionKeyword, t.moduleKeyword, t.operatorKeyword],
    color: palette.keyword,
  },
  {
    tag: [
      t.arithmeticOperator,
      t.bitwiseOperator,
      t.compareOperator,
      t.definitionOperator,
      t.updateOperator,
    ],
    color: palette.keyword,
  },
  { tag: [t.string, t.special(t.string), t.docString], color: palette.string },
  { tag: [t.comment, t.lineComment, t.blockComment], color: palette.comment, fontStyle: "italic" },
  { tag: [t.number, t.bool, t.null, t.atom], color: palette.constant },
  {
    tag: [
      t.function(t.variableName),
      t.function(t.definition(t.variableName)),
      t.function(t.propertyName),
      t.meta,
    ],
    color: palette.name,
  },
  { tag: [t.className, t.definition(t.className), t.typeName], color: palette.type },
  { tag: t.escape, color: palette.escape },
  { tag: t.invalid, color: palette.invalid },
]);

const theme = EditorView.theme(
  {
    "&": {
      color: ink,
      backgroundColor: "#ffffff",
      border: "1px solid #d0d7de",
      borderRadius: "6px",
    },
    "&.cm-focused": { outline: "2px solid #0969da", outlineOffset: "1px" },
    ".cm-scroller": { fontFamily: monospace, lineHeight: "1.5" },
    ".cm-content": { padding: "0.5rem 0", caretColor: ink },
    ".cm-line": { padding: "0 0.75rem" },
    ".cm-cursor, .cm-dropCursor": { borderLeftColor: ink, borderLeftWidth: "2px" },
    "&.cm-focused .cm-matchingBracket": {
      backgroundColor: "#dafbe1",
      outline: "1px solid #1a7f37",
    },
    "&.cm-focused .cm-nonmatchingBracket": {
      backgroundColor: "#ffebe9",
      outline: "1px solid #cf222e",
    },
    ".cm-gutters": {
      backgroundColor: "#f6f8fa",
      color: "#59636e",
      borderRight: "1px solid #d0d7de",
      borderRadius: "6px 0 0 6px",
    },
    ".cm-specialChar": { color: palette.invalid },
    // Tooltips are drawn inside the editor's element, so in its shadow root, and this
    // theme (not the page's CSS) is what styles them.
    ".cm-tooltip": {
      color: ink,
      backgroundColor: "#ffffff",
      border: "1px solid #d0d7de",
      borderRadius: "6px",
      boxShadow: "0 8px 24px rgba(140, 149, 159, 0.3)",
      overflow: "hidden",
    },
    // The list never scrolls (a scrolling box would need a tab stop of its own): it shows
    // a window of MAX_SHOWN options around the chosen one, which the arrow keys move.
    ".cm-tooltip.cm-tooltip-autocomplete > ul": {
      fontFamily: monospace,
      maxHeight: "none",
      overflowY: "hidden",
      minWidth: "12em",
      maxWidth: "min(40em, 90vw)",
    },
    ".cm-tooltip.cm-tooltip-autocomplete > ul > li": {
      padding: "0.125em 0.75em",
      lineHeight: "1.5",
    },
    ".cm-tooltip.cm-tooltip-autocomplete > ul > li[aria-selected]": {
      color: "#ffffff",
      backgroundColor: "#0969da",
    },
    ".cm-completionMatchedText": { textDecoration: "none", fontWeight: "700" },
    ".cm-kernel-help": {
      margin: "0",
      padding: "0.5em 0.75em",
      maxHeight: "16em",
      maxWidth: "min(80ch, 90vw)",
      overflow: "auto",
      whiteSpace: "pre-wrap",
      overflowWrap: "anywhere",
      fontFamily: monospace,
      fontSize: "0.875em",
      lineHeight: "1.5",
      color: ink,
      backgroundColor: "#f6f8fa",
    },
    ".cm-kernel-help:focus-visible": { outline: "2px solid #0969da", outlineOffset: "-2px" },
  },
  { dark: false },
);

function editability(readOnly) {
  return [
    EditorState.readOnly.of(readOnly),
    EditorView.editable.of(!readOnly),
    EditorView.contentAttributes.of({ "aria-readonly": readOnly ? "true" : "false" }),
  ];
}

// Offsets: CodeMirror counts UTF-16 units, Jupyter counts code points.
function codePointsBefore(text, offset) {
  let points = 0;
  for (let i = 0; i < offset; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0xdc00 || unit > 0xdfff || i === 0 || !isHighSurrogate(text.charCodeAt(i - 1))) {
      points++;
    }
  }
  return points;
}

function isHighSurrogate(unit) {
  return unit >= 0xd800 && unit <= 0xdbff;
}

// The UTF-16 offset of code point number `points` (null past the end of `text`).
function utf16Offset(text, points) {
  let offset = 0;
  for (let n = 0; n < points; n++) {
    if (offset >= text.length) return null;
    offset += text.codePointAt(offset) > 0xffff ? 2 : 1;
  }
  return offset;
}

// Tab and Shift+Tab ask the kernel only with one cursor, no selection, and something other
// than spaces before it on its line (as JupyterLab); elsewhere they indent and dedent. A
// read-only editor keeps them as they were (they move the focus on).
function wantsHelp(state) {
  if (state.readOnly) return false;
  const { ranges, main } = state.selection;
  if (ranges.length !== 1 || !main.empty) return false;
  const line = state.doc.lineAt(main.head);
  return /\S/.test(state.sliceDoc(line.from, main.head));
}

const isCount = (value) => Number.isInteger(value) && value >= 0;

// A kernel's completions as CodeMirror positions, or null when there is nothing to offer.
function completionAt(answer, code, pos) {
  if (!answer || !Array.isArray(answer.matches)) return null;
  const { cursor_start: start, cursor_end: end } = answer;
  if (!isCount(start) || !isCount(end) || start > end) return null;
  const from = utf16Offset(code, start);
  const to = utf16Offset(code, end);
  if (from === null || to === null || from > pos || to < pos) return null;
  const matches = [...new Set(answer.matches.filter((m) => typeof m === "string" && m))];
  return matches.length ? { from, to, matches } : null;
}

const showHelp = StateEffect.define();
const hideHelp = StateEffect.define();
const ANNOUNCED = 500; // characters of the help read out at once; the rest is in the tooltip
let helpCount = 0;

// The kernel's help under the cursor: {pos, text, id} or null. Typing or moving the cursor
// ends it, so it never describes code that is no longer there.
const helpField = StateField.define({
  create: () => null,
  update(help, tr) {
    for (const effect of tr.effects) {
      if (effect.is(showHelp)) return effect.value;
      if (effect.is(hideHelp)) return null;
    }
    return help && (tr.docChanged || tr.selection) ? null : help;
  },
  provide: (field) => [
    showTooltip.compute([field], (state) => {
      const help = state.field(field);
      return help && { pos: help.pos, above: false, create: (view) => helpTooltip(view, help) };
    }),
    EditorView.contentAttributes.compute([field], (state) => {
      const help = state.field(field);
      return help ? { "aria-describedby": help.id } : {};
    }),
  ],
});

function helpTooltip(view, help) {
  const dom = view.dom.ownerDocument.createElement("div");
  const text = dom.appendChild(view.dom.ownerDocument.createElement("pre"));
  text.className = "cm-kernel-help";
  text.id = help.id;
  text.setAttribute("role", "tooltip");
  text.tabIndex = 0; // long help scrolls; Shift+Tab again brings the keyboard here
  text.textContent = help.text; // plain text, never markup
  text.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    event.preventDefault();
    view.focus();
    closeHelp(view);
  });
  text.addEventListener("focusout", (event) => {
    if (!view.dom.contains(event.relatedTarget)) closeHelp(view);
  });
  return { dom };
}

function closeHelp(view) {
  if (!view.state.field(helpField, false)) return false;
  view.dispatch({ effects: hideHelp.of(null) });
  return true;
}

// Tab, Shift+Tab and Escape when the page gave `complete` and/or `inspect`.
function kernelHelp(complete, inspect, alive) {
  let latest = 0; // the number of the last request: an older answer is stale
  let offered = null; // several matches waiting for the completion list to show them

  // Ask `fn` about the cell at the cursor; call `use` with the answer if nothing changed.
  function ask(view, fn, use) {
    const ticket = ++latest;
    const { state } = view;
    const pos = state.selection.main.head;
    const code = state.doc.toString();
    Promise.resolve()
      .then(() => fn(code, codePointsBefore(code, pos)))
      .then(
        (answer) => {
          const now = view.state;
          if (ticket !== latest || !alive() || now.doc !== state.doc) return;
          if (now.selection.main.head !== pos || !now.selection.main.empty) return;
          use(answer, code, pos);
        },
        () => {}, // the page could not ask: Tab just did nothing this time
      );
  }

  const source = (context) => {
    const found = offered;
    if (!found || found.doc !== context.state.doc || found.pos !== context.pos) return null;
    return {
      from: found.from,
      to: found.to,
      options: found.matches.map((label) => ({ label })),
      validFor: /^[\p{L}\p{N}_.]*$/u, // typing more of a name narrows the list
    };
  };

  function completeAt(view) {
    ask(view, complete, (answer, code, pos) => {
      const found = completionAt(answer, code, pos);
      if (!found) return;
      if (found.matches.length === 1) {
        const [insert] = found.matches;
        if (view.state.sliceDoc(found.from, found.to) === insert) return;
        view.dispatch({
          changes: { from: found.from, to: found.to, insert },
          selection: { anchor: found.from + insert.length },
          scrollIntoView: true,
          userEvent: "input.complete",
        });
        return;
      }
      offered = { ...found, doc: view.state.doc, pos };
      startCompletion(view);
    });
  }

  function inspectAt(view) {
    ask(view, inspect, (answer, code, pos) => {
      const text = answer && answer.found === true ? answer.text : null;
      if (typeof text !== "string" || !text.trim()) return;
      const id = `shopfloor-kernel-help-${++helpCount}`;
      const heard = text.length > ANNOUNCED ? `${text.slice(0, ANNOUNCED)}…` : text;
      view.dispatch({
        effects: [showHelp.of({ pos, text, id }), EditorView.announce.of(heard)],
      });
    });
  }

  const tab = (view) => {
    if (typeof complete !== "function") return false;
    if (completionStatus(view.state) === "active") {
      acceptCompletion(view); // nothing in the list's first 75 ms (a key meant for the code)
      return true;
    }
    if (!wantsHelp(view.state)) return false;
    completeAt(view);
    return true;
  };
  const shiftTab = (view) => {
    if (typeof inspect !== "function" || !wantsHelp(view.state)) return false;
    const help = view.state.field(helpField);
    const shown = help && view.dom.querySelector(".cm-kernel-help");
    if (shown && help.pos === view.state.selection.main.head) {
      shown.focus();
      return true;
    }
    inspectAt(view);
    return true;
  };
  const escape = (view) => {
    latest++; // an answer still on its way is no longer wanted
    return closeHelp(view);
  };

  return [
    typeof complete === "function"
      ? autocompletion({
          override: [source],
          activateOnTyping: false,
          icons: false,
          maxRenderedOptions: MAX_SHOWN,
        })
      : [],
    typeof inspect === "function" ? helpField : [],
    Prec.high(
      keymap.of([
        { key: "Tab", run: tab, shift: shiftTab },
        { key: "Escape", run: escape },
      ]),
    ),
    typeof inspect === "function"
      ? EditorView.domEventHandlers({
          blur(event, view) {
            if (!view.dom.contains(event.relatedTarget)) closeHelp(view);
            return false;
          },
        })
      : [],
  ];
}

function create(parent, options = {}) {
  const {
    doc = "",
    readOnly = false,
    label = "Code",
    lineNumbers: numbered = false,
    lineWrapping: wrapped = false,
    onChange,
    onRun,
    onRunAdvance,
    complete,
    inspect,
  } = options;
  const host = parent.ownerDocument.createElement("div");
  host.className = "shopfloor-editor";
  parent.appendChild(host);
  const root = host.attachShadow({ mode: "open" });
  const editable = new Compartment();
  let handle;
  let alive = true;
  const helped = typeof complete === "function" || typeof inspect === "function";
  // A run key is handled (no newline inserted) only when the page gave a handler for it.
  const call = (fn) => () => {
    if (typeof fn !== "function") return false;
    fn(handle);
    return true;
  };
  const runKeys = keymap.of([
    { key: "Shift-Enter", run: call(onRunAdvance) },
    { key: "Mod-Enter", run: call(onRun) },
    { key: "Ctrl-Enter", run: call(onRun) },
  ]);
  const state = EditorState.create({
    doc,
    extensions: [
      Prec.highest(runKeys),
      numbered ? lineNumbers() : [],
      wrapped ? EditorView.lineWrapping : [],
      highlightSpecialChars(),
      history(),
      indentOnInput(),
      bracketMatching(),
      closeBrackets(),
      python(),
      syntaxHighlighting(highlight),
      theme,
      EditorState.tabSize.of(4),
      indentUnit.of("    "),
      // With `complete`/`inspect`, Tab and Shift+Tab may ask the kernel first (see above).
      helped ? kernelHelp(complete, inspect, () => alive) : [],
      // Tab indents; Escape then Tab moves focus on (CodeMirror's tab-focus mode).
      keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, indentWithTab]),
      EditorView.contentAttributes.of({ "aria-label": label }),
      editable.of(editability(readOnly)),
      EditorView.updateListener.of((update) => {
        if (update.docChanged && typeof onChange === "function") {
          onChange(update.state.doc.toString());
        }
      }),
    ],
  });
  const view = new EditorView({ state, parent: root, root });
  handle = {
    view,
    getValue: () => view.state.doc.toString(),
    setValue(text) {
      const value = String(text);
      if (value === view.state.doc.toString()) return;
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: value } });
    },
    focus: () => view.focus(),
    setReadOnly(flag) {
      view.dispatch({ effects: editable.reconfigure(editability(Boolean(flag))) });
    },
    destroy() {
      alive = false;
      view.destroy();
      host.remove();
    },
  };
  return handle;
}

window.ShopfloorEditor = Object.freeze({ create });
