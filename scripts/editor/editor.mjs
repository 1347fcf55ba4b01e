// The code editor of the lab workspace: CodeMirror 6 with Python, bundled by
// scripts/vendor-assets.sh into app/static/vendor/codemirror/editor.js (one IIFE, no imports),
// which exposes window.ShopfloorEditor:
//
//   const editor = ShopfloorEditor.create(parent, {
//     doc, readOnly, label, lineNumbers, lineWrapping, onChange, onRun, onRunAdvance,
//   });
//   editor.getValue(); editor.setValue(text); editor.focus(); editor.setReadOnly(true);
//   editor.destroy(); editor.view  // the EditorView, for anything else
//
// Content-Security-Policy: the site allows no inline styles, and CodeMirror's style-mod writes
// its rules into a <style> element when mounted in a document (only shadow roots get a
// constructed, adopted style sheet, which CSP does not restrict). So each editor lives in an
// open shadow root on a <div class="shopfloor-editor"> appended to `parent`: styled with
// `style-src 'self'`, no nonce. Inherited properties and CSS custom properties still cross
// into it (the font size, --pico-font-family-monospace); the page styles the host element.
import { EditorState, Compartment, Prec } from "@codemirror/state";
import { EditorView, keymap, lineNumbers, highlightSpecialChars } from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import {
  bracketMatching,
  HighlightStyle,
  indentOnInput,
  indentUnit,
  syntaxHighlighting,
} from "@codemirror/language";
import { python } from "@codemirror/lang-python";
import { closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
import { tags as t } from "@lezer/highlight";

// A GitHub-light-like palette; every colour is at least 4.5:1 on white and on the
// matching-bracket background (WCAG AA for normal text).
const ink = "#1f2328"; // 15.8:1
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
    ".cm-scroller": {
      fontFamily:
        "var(--pico-font-family-monospace, ui-monospace, SFMono-Regular, Menlo, Consolas, " +
        "'Liberation Mono', monospace)",
      lineHeight: "1.5",
    },
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
  } = options;
  const host = parent.ownerDocument.createElement("div");
  host.className = "shopfloor-editor";
  parent.appendChild(host);
  const root = host.attachShadow({ mode: "open" });
  const editable = new Compartment();
  let handle;
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
      view.destroy();
      host.remove();
    },
  };
  return handle;
}

window.ShopfloorEditor = Object.freeze({ create });
