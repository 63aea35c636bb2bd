"""The leak check: an interviewer message must not give away an unrevealed key point or correct approach.
It runs in code on every message that is not exempt, offline wording and LLM wording alike."""

from __future__ import annotations

import numpy as np

from ..corpus.embeddings import embed
from ..text import split_sentences, words

LEAK_SIMILARITY = 0.75  # a sentence this close to an unrevealed key point gives it away (authored follow-ups: p95 0.75)
LEAK_NGRAM = 5  # ... and so does any run of this many content words copied from it
EXEMPT_FROM_LEAK_CHECK = frozenset({"clarification", "hint", "reveal", "end", "notice"})


_SMALL = set("a an the and or of to in on for with by from as at is are be it this that you your we how what "
             "would do does should can could will".split())


def _ngrams(text: str, n: int) -> set[tuple[str, ...]]:
    kept = [w for w in words(text) if w not in _SMALL]
    return {tuple(kept[i:i + n]) for i in range(len(kept) - n + 1)}


def find_leak(message: str, secrets: list[str], allowed: list[str] = ()) -> str | None:
    """The secret a message gives away, if any: a copied run of words or a sentence too close to it.

    `allowed` are texts the interviewer may say anyway (the authored question being asked); their
    sentences are not measured.
    """
    if not secrets:
        return None
    allowed_sentences = {s.strip() for a in allowed for s in split_sentences(a)}
    sentences = [s for s in split_sentences(message) if s.strip() not in allowed_sentences]
    if not sentences:
        return None
    said = set().union(*(_ngrams(s, LEAK_NGRAM) for s in sentences))
    for secret in secrets:
        if said & _ngrams(secret, LEAK_NGRAM):
            return secret
    sims = embed(sentences) @ embed(list(secrets)).T
    i, j = np.unravel_index(int(np.argmax(sims)), sims.shape)
    return secrets[j] if sims[i, j] >= LEAK_SIMILARITY else None
