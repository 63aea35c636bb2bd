"""The one tokeniser: sentences, words and content words, as every part of the package sees them."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])\s*|\n+")  # CJK marks need no space after them
_WORD = re.compile(r"[a-z0-9]+")

STOPWORDS = frozenset("""a an the and or of to in on for with by from as at is are was were be been being it its this
that these those you your we our they their i me my not no do does did can could should would will shall may might
must than then so such if but into over under about also only just more most very via per each which who what when
where how why using use used""".split())


def split_sentences(text: str) -> list[str]:
    """Sentences (and lines), stripped, in order; verbatim substrings of `text`."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def words(text: str) -> list[str]:
    """Lower-cased runs of letters and digits."""
    return _WORD.findall(text.lower())


def content_words(text: str) -> set[str]:
    """Words that carry meaning (no stopwords, longer than two letters), cut to six letters so that
    inflections meet ("embedding", "embeddings", "embedded")."""
    return {w[:6] for w in words(text) if w not in STOPWORDS and len(w) > 2}


def normalised(text: str) -> str:
    """The words of `text` joined by single spaces: two texts that differ only in case, spacing and
    punctuation normalise alike."""
    return " ".join(words(text))


def shorten(text: str, limit: int) -> str:
    """`text` on one line, cut at a word boundary to at most `limit` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


_CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def word_count(text: str) -> int:
    """How many words a text has, scripts written without spaces included (about two characters a word):
    "好，大概一亿个商品" is four words, not one."""
    cjk = len(_CJK_CHAR.findall(text))
    return len(_CJK_CHAR.sub(" ", text).split()) + (cjk + 1) // 2


def lower_first(text: str) -> str:
    """`text` to follow a lead-in ("As I mentioned, about 100 million ...", "a strong answer uses ..."), an acronym
    or a capitalised word kept ("QPS", "A/B tests")."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def statement_words(text: str) -> int:
    """How many words a turn says outside its questions ("How much time is left? I feel slow." → 3)."""
    return sum(len(s.split()) for s in split_sentences(text) if not s.rstrip().endswith(("?", "？")))
