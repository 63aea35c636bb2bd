"""Text repair for study notes whose encoding was damaged on the way in.

Two kinds of damage are handled:

* Ordinary, reversible mojibake (UTF-8 read as Latin-1 or Windows-1252, stray
  non-breaking spaces, HTML entities): :func:`ftfy.fix_text` undoes it.
* Lossy damage seen in the shipped notes: UTF-8 read as Windows-1253 (Greek)
  with the bytes 0x80-0x9F dropped. An emoji such as a flag or a scale then
  survives only as debris ("π", "π€", "βοΈ", "β‘") and an arrow or a dash
  only as a lone "β". The missing bytes cannot be recovered, so the repair
  follows documented rules instead:

  1. debris at the start of a line (an emoji used as a heading icon) is dropped;
  2. "β" between two letters ("MannβWhitney") becomes an en dash;
  3. a line with two or more spaced "β" whose inner steps are short (four words
     or fewer, no comma) is a chain of steps, so each becomes "→"; so does a
     spaced "β" inside parentheses ("(query β ranked list)");
  4. any other spaced "β" becomes an em dash;
  5. a spaced "«" (the remains of "≪") becomes "≪".

A user's own notes go through the same function at ingest, so their files are
treated the same way as ours.
"""

from __future__ import annotations

import re
import unicodedata

import ftfy

# Characters that Windows-1253 gives the surviving bytes of a UTF-8 sequence.
_DEBRIS_CHARS = "\u0370-\u03ff\u2010-\u2030\u20ac\u00a3\u00a8\u00ab\u00b1\u00bb'\"`"
_LINE_START_DEBRIS = re.compile(rf"^([ \t]*(?:[-*+>][ \t]+)?)[πβ][{_DEBRIS_CHARS}]{{0,3}}[ \t]+", re.M)
_BETA_IN_WORD = re.compile(r"(?<=[A-Za-z])β(?=[A-Za-z])")
_SPACED_BETA = re.compile(r" β(?= )")
_PAREN_BETA = re.compile(r"\(([^()\n]*?) β ([^()\n]*?)\)")
_SPACED_MUCH_LESS = re.compile(r"(?<= )«(?= )")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _is_chain(line: str) -> bool:
    inner = line.split(" β ")[1:-1]
    return bool(inner) and all(len(step.split()) <= 4 and "," not in step for step in inner)


def _repair_line_betas(line: str) -> str:
    if _is_chain(line):
        return line.replace(" β ", " → ")
    line = _PAREN_BETA.sub(r"(\1 → \2)", line)
    return _SPACED_BETA.sub(" —", line)


def repair_greek_debris(text: str) -> str:
    """Apply the lossy-damage rules from the module docstring."""
    text = _LINE_START_DEBRIS.sub(r"\1", text)
    text = _BETA_IN_WORD.sub("–", text)
    text = "\n".join(_repair_line_betas(line) for line in text.split("\n"))
    return _SPACED_MUCH_LESS.sub("≪", text)


def normalise_text(text: str) -> str:
    """Repair damaged encoding and tidy whitespace; safe on clean text."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = repair_greek_debris(text)
    text = ftfy.fix_text(text, uncurl_quotes=False, normalization="NFC")
    text = text.replace("\u00a0", " ").replace("\u200b", "")
    text = _CONTROL.sub("", text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", text)
    return unicodedata.normalize("NFC", text).strip() + "\n"


def decode_bytes(data: bytes) -> str | None:
    """Decode file bytes as text, or return None when they are not text.

    UTF-8 (with or without a BOM) is tried first, then Windows-1252. Data with
    NUL bytes, or that decodes to mostly control characters, is treated as binary.
    """
    if not data.strip():
        return None
    if b"\x00" in data[:8192]:
        return None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        printable = sum(ch.isprintable() or ch in "\n\t" for ch in text[:8192])
        if printable / max(1, len(text[:8192])) < 0.9:
            return None
        return text
    return None
