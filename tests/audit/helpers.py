"""Shared inputs of the audit tests, and small lexers that find each query language's
string literals, so a test can prove a value changed only the inside of one."""

from __future__ import annotations

from pathlib import Path

from cdk.model import IdentitiesFile
from cdk.validation import load

from ..conftest import ROOT, TODAY

FILE = Path(__file__).resolve().parent / "identities.yaml"
GOLDENS = ROOT / "tests" / "goldens" / "audit"
# Quotes, backslashes, and every comment marker of the languages audit writes.
HOSTILE = ("x' OR '1'='1' -- \" /* */ // \\ \\' \\\" '' \"\" ; $(id) `id` # | "
           "repo:\"evil\" action:all */")


def identities() -> IdentitiesFile:
    return load(FILE, TODAY).identities


# language -> (quote characters, how a quote is escaped inside: doubled or backslash,
# comment marker to the end of the line or None)
LANGUAGES: dict[str, tuple[str, str, str | None]] = {
    "sql": ("'\"", "double", "--"),
    "kql": ('"', "backslash", "//"),
    "logging": ('"', "backslash", "--"),
    "github": ('"', "none", None),
}


def split_literals(text: str, language: str) -> tuple[str, list[str]]:
    """``text`` with every string literal replaced by ``<q>`` (the skeleton), and the
    literals' decoded values in order. Comments are kept in the skeleton verbatim."""
    quotes, escape, comment = LANGUAGES[language]
    skeleton: list[str] = []
    values: list[str] = []
    i = 0
    while i < len(text):
        if comment is not None and text.startswith(comment, i):
            end = text.find("\n", i)
            end = len(text) if end < 0 else end
            skeleton.append(text[i:end])
            i = end
            continue
        char = text[i]
        if char not in quotes:
            skeleton.append(char)
            i += 1
            continue
        value: list[str] = []
        i += 1
        while True:
            if i >= len(text):
                raise AssertionError(f"unterminated {language} literal in {text!r}")
            if escape == "backslash" and text[i] == "\\":
                value.append(text[i + 1])
                i += 2
            elif text[i] == char and escape == "double" and text[i + 1:i + 2] == char:
                value.append(char)
                i += 2
            elif text[i] == char:
                i += 1
                break
            else:
                value.append(text[i])
                i += 1
        skeleton.append(f"{char}<q>{char}")
        values.append("".join(value))
    return "".join(skeleton), values
