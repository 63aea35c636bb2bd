"""Negation scope, in the manner of NegEx: which words of a sentence a negation cue denies.

A cue ("not", "never", "n't", "cannot", "rather than", "instead of") denies the words after it up to the end
of its clause: punctuation, or a word that turns the sentence ("but", "instead", "because", "so", "which",
"only", "alone", ...). When the words after the cue carry almost nothing ("a feature store is not needed",
"skew is not the problem") the cue denies its clause's words before it instead. A cue right before "know", "sure", "forget",
"only" denies nothing ("you don't know the latency budget" names it). A sentence negates a key
point when the denied words hold most of the point's own words that the sentence uses (at least two of
them), and the point does not itself deny anything ("not at the start"). `grading/semantic.py` then looks
for another sentence that says the point without denying it; with none, the point is missing.
"""

from __future__ import annotations

import re

from ..text import STOPWORDS, content_words

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[.,;:!?()\u2013\u2014]|\s-\s|->")
_CUE = re.compile(r"^(not|never|cannot|nor|neither)$|n't$")
_TWO_WORD_CUES = {("rather", "than"), ("instead", "of")}
# Words that end a cue's scope: they turn or qualify the clause ("not X but Y", "not X alone", "X, which ...").
_SCOPE_END = {"but", "instead", "rather", "however", "although", "though", "whereas", "while", "because", "since",
              "so", "which", "that's", "unless", "until", "except", "only", "just", "alone", "enough", "sufficient",
              "then", "otherwise", "yet"}
_PUNCT = re.compile(r"^([.,;:!?()\u2013\u2014]|\s-\s|->)$")
# A cue followed by one of these denies nothing: "you don't know the latency budget" names the budget, "don't
# forget X" and "not only X" assert X.
_VOID_AFTER = {"know", "knowing", "known", "sure", "clear", "forget", "ask", "asked", "tell", "only", "just",
               "necessarily", "always", "wait", "mind"}
# Forward scopes with this many content words or fewer ("is not needed") deny the clause before the cue.
_BARE_FORWARD = 2


def _stem(token: str) -> str:
    return token[:6]


def denied_words(sentence: str) -> set[str]:
    """The content words (cut to six letters, as `text.content_words`) that a negation cue denies."""
    tokens = [t.strip() for t in _TOKEN.findall(sentence.lower())]
    denied: set[str] = set()
    clause_start = 0
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if _PUNCT.match(tok) or tok in _SCOPE_END and not _is_cue(tokens, i):
            clause_start = i + 1
            i += 1
            continue
        width = _is_cue(tokens, i)
        if not width:
            i += 1
            continue
        end = i + width
        if end < len(tokens) and tokens[end] in _VOID_AFTER:
            i = end
            continue
        while end < len(tokens) and not _PUNCT.match(tokens[end]) and tokens[end] not in _SCOPE_END \
                and not _is_cue(tokens, end):
            end += 1
        forward = [t for t in tokens[i + width:end] if _content(t)]
        scope = forward if len(forward) > _BARE_FORWARD else [t for t in tokens[clause_start:i] if _content(t)] + forward
        denied.update(_stem(t) for t in scope)
        i = end
    return denied


def _is_cue(tokens: list[str], i: int) -> int:
    """The cue's width in tokens at position i (0 when no cue starts there)."""
    if i + 1 < len(tokens) and (tokens[i], tokens[i + 1]) in _TWO_WORD_CUES:
        return 2
    return 1 if _CUE.search(tokens[i]) else 0


def _content(token: str) -> bool:
    return len(token) > 2 and token not in STOPWORDS and token.isalnum()


def asserts_negation(point: str) -> bool:
    """The key point itself denies something ("... not at the start"): its words may be denied in an answer."""
    return bool(denied_words(point)) or bool(re.search(r"\b(no|without|avoid\w*)\b", point, re.I))


def negates(sentence: str, point: str) -> bool:
    """The sentence denies what the key point asserts: at least two of the point's own words that the
    sentence uses lie in a negation scope, and they are most of them."""
    if asserts_negation(point):
        return False
    wanted = content_words(point)
    used = wanted & content_words(sentence)
    hit = used & denied_words(sentence)
    return len(hit) >= 2 and len(hit) * 2 > len(used)
