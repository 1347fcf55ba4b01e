"""Syntax highlighting for languages Pygments does not ship: IEC 61131-3 Structured Text."""

from __future__ import annotations

import re

from pygments.lexer import Lexer, RegexLexer, bygroups, words
from pygments.lexers import get_lexer_by_name
from pygments.token import Comment, Keyword, Name, Number, Operator, Punctuation, String, Text
from pygments.util import ClassNotFound


class StructuredTextLexer(RegexLexer):
    """IEC 61131-3 Structured Text, as PLC programs are written."""

    name = "Structured Text"
    aliases = ["iecst", "st", "structured-text"]
    flags = re.IGNORECASE | re.MULTILINE

    tokens = {
        "root": [
            (r"\s+", Text),
            (r"\(\*", Comment.Multiline, "comment"),
            (r"//.*?$", Comment.Single),
            (r"'[^']*'", String),
            (r"(?:T|TIME|D|DATE|TOD|DT)#[\w:.\-]+", Number),
            (r"16#[0-9A-F_]+|2#[01_]+|8#[0-7_]+", Number.Hex),
            (r"\d[\d_]*\.\d[\d_]*(?:E[+-]?\d+)?|\d[\d_]*", Number),
            (
                words(
                    (
                        "IF",
                        "THEN",
                        "ELSIF",
                        "ELSE",
                        "END_IF",
                        "CASE",
                        "OF",
                        "END_CASE",
                        "FOR",
                        "TO",
                        "BY",
                        "DO",
                        "END_FOR",
                        "WHILE",
                        "END_WHILE",
                        "REPEAT",
                        "UNTIL",
                        "END_REPEAT",
                        "RETURN",
                        "EXIT",
                        "PROGRAM",
                        "END_PROGRAM",
                        "FUNCTION",
                        "END_FUNCTION",
                        "FUNCTION_BLOCK",
                        "END_FUNCTION_BLOCK",
                        "VAR",
                        "VAR_INPUT",
                        "VAR_OUTPUT",
                        "VAR_IN_OUT",
                        "VAR_GLOBAL",
                        "VAR_TEMP",
                        "END_VAR",
                        "CONSTANT",
                        "RETAIN",
                        "AT",
                        "TYPE",
                        "END_TYPE",
                        "STRUCT",
                        "END_STRUCT",
                    ),
                    suffix=r"\b",
                ),
                Keyword,
            ),
            (words(("AND", "OR", "XOR", "NOT", "MOD"), suffix=r"\b"), Operator.Word),
            (words(("TRUE", "FALSE"), suffix=r"\b"), Keyword.Constant),
            (
                words(
                    (
                        "BOOL",
                        "BYTE",
                        "WORD",
                        "DWORD",
                        "LWORD",
                        "SINT",
                        "INT",
                        "DINT",
                        "LINT",
                        "USINT",
                        "UINT",
                        "UDINT",
                        "ULINT",
                        "REAL",
                        "LREAL",
                        "TIME",
                        "DATE",
                        "STRING",
                        "ARRAY",
                        "TON",
                        "TOF",
                        "TP",
                        "CTU",
                        "CTD",
                        "CTUD",
                        "R_TRIG",
                        "F_TRIG",
                        "SR",
                        "RS",
                    ),
                    suffix=r"\b",
                ),
                Keyword.Type,
            ),
            (r"(%[IQM][XBWDL]?)([\d.]+)", bygroups(Name.Variable.Global, Number)),
            (r":=|=>|<>|<=|>=|\*\*|[+\-*/=<>]", Operator),
            (r"[;:,.()\[\]]", Punctuation),
            (r"[A-Z_]\w*", Name),
        ],
        "comment": [
            (r"[^*(]+", Comment.Multiline),
            (r"\*\)", Comment.Multiline, "#pop"),
            (r"[*(]", Comment.Multiline),
        ],
    }


_OWN = {alias: StructuredTextLexer for alias in StructuredTextLexer.aliases}


def lexer_for(name: str) -> Lexer | None:
    """A lexer for a code block's language, or None if there is no highlighter for it."""
    if name.lower() in _OWN:
        return _OWN[name.lower()]()
    try:
        return get_lexer_by_name(name)
    except ClassNotFound:
        return None
