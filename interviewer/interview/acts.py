"""What a candidate turn does: its dialogue acts, several per turn when it mixes them (content and a
question, a greeting and an answer).

A small learned model decides: the turn's sentence embedding plus a few form features (a question mark,
length, how much of it is English, how it starts) go through one logistic model per act, fitted on
candidate turns written blind and labelled by others (`evals/data/blind/utterances.jsonl`, refit with
`python -m evals fit-acts`, figures in `evals/reports/acts/`). Rules decide only where they are exact: a
turn with no letter or digit is `empty`. `classify` keeps the old single answer (the transcript's `kind`).
"""

from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from importlib import resources

import numpy as np

from ..corpus.embeddings import DIMENSION, embed
from ..models import CandidateKind, Stage
from ..text import STOPWORDS, split_sentences, word_count, words
from .policy import move_cue

ACTS = ("answer", "clarifying-question", "repeat-request", "meaning-question", "thinking-pause", "progress-question",
        "hint-request", "skip-request", "what-would-you-do", "pushback", "dont-know", "sign-off", "small-talk",
        "off-topic", "other-language", "empty")
# The transcript's one `kind` per candidate turn, from its acts, most specific first (rename none: outside
# checks read these kinds).
KIND_ORDER: tuple[tuple[str, CandidateKind], ...] = (
    ("empty", "empty"), ("sign-off", "end"), ("skip-request", "skip"), ("progress-question", "progress-question"),
    ("hint-request", "hint-request"), ("meaning-question", "meaning-question"), ("repeat-request", "repeat-request"),
    ("what-would-you-do", "what-would-you-do"),
    ("other-language", "other-language"), ("clarifying-question", "clarifying-question"), ("answer", "answer"),
    ("dont-know", "dont-know"), ("pushback", "pushback"), ("thinking-pause", "thinking-pause"),
    ("small-talk", "small-talk"), ("off-topic", "off-topic"),
)
ACT_OF_KIND = {kind: act for act, kind in KIND_ORDER}  # a kind forced by a button ("skip") as its act

# A turn with this many words of content is an answer whatever else it does ("thanks, so I'd start with..."):
# a long answer is never taken for a sign-off, a skip or a request.
CONTENT_WORDS = 12
MODEL_FILE = "data/acts_model.json"
# Typed commands (the README's "type hint, skip or end at any time", the UI's buttons): exact, whole-turn rules.
_COMMANDS = (
    ("sign-off", re.compile(r"(end|stop|quit|exit|finish)( (the|this) (interview|session))?( (here|now|please))?|"
                            r"i'?m done|i am done|let'?s (stop|end)( here| now)?|that'?s all( for (now|today))?")),
    ("skip-request", re.compile(r"(skip|pass|next|next question|move on|let'?s move on|skip (this|it|this one|the question))"
                                r"( please)?")),
    ("hint-request", re.compile(r"(can i (get|have)|could i (get|have)|give me|i need|any|may i have)? ?(a |some )?"
                                r"(hint|clue)s?( please)?|i'?m stuck|help( me)?")),
    ("thinking-pause", re.compile(r"((ok|okay|sure|hmm+|um+),? )?(give me|just|one|wait|hold on|let me think for)?( a| one)? ?"
                                  r"(sec|second|moment|minute|min)( please)?|let me think( about (it|that))?|hmm+")),
)
# "Nothing more from me", "no more questions": the candidate is done with this part (a short turn only).
_NOTHING_MORE = re.compile(r"\bnothing (more|else|further)\b|\bno (more|other|further) questions\b|"
                           r"\b(that'?s|that is) (all|it) (from me|for this|i have)\b|\bnothing to add\b", re.I)
_QUESTION_START = re.compile(r"^\W*(what|how|is|are|do|does|did|can|could|will|would|should|which|who|when|where|why|"
                             r"may|am|any|have|has)\b", re.I)
_ENGLISH = STOPWORDS | {"i", "a", "is", "it", "so", "we", "ok", "okay", "yes", "no", "hi", "hello", "thanks", "sorry",
                        "please", "um", "uh", "hmm", "like", "just", "yeah", "know", "think", "would", "let", "me"}
# Cue words for each kind of move, as features for the model (never decisions on their own): an embedding
# blurs short formulaic turns ("come again?", "any pointers?") that a word gives away.
CUES = {
    "repeat": r"\b(repeat|again|say that|come again|didn'?t (catch|hear|get)|cut out|missed (that|the)|pardon|"
              r"one more time|what was the question|rephrase)\b",
    "meaning": r"\b(what do you mean|mean by|do you mean|meaning of|what does .{1,30} mean|define|you mean|are you asking|"
               r"looking for|which .{1,20} do you want|in what sense)\b",
    "pause": r"\b(sec|second|moment|minute|think|thinking|let me (think|see)|hold on|hmm+|give me)\b",
    "progress": r"\b(time|minutes|how am i|doing so far|on track|pace|faster|deeper|slow down|how long|left)\b",
    "hint": r"\b(hint|nudge|pointer|clue|help|stuck|direction|tip)\b",
    "skip": r"\b(skip|move on|next|come back|later|jump|go to|let'?s talk about|rather)\b",
    "wwyd": r"\b(what would you|your take|you think|right answer|what'?s the answer|tell me the answer|how would you|"
            r"what do you (think|suggest|recommend)|looking for)\b",
    "pushback": r"\b(already|covered|don'?t think|disagree|not relevant|irrelevant|out of scope|doesn'?t matter|not sure that|"
                r"i said|not necessary|overkill|why would)\b",
    "dont_know": r"\b(don'?t know|no idea|not sure|never (worked|used|heard)|no clue|dunno|idk|can'?t remember|not familiar)\b",
    "sign_off": r"\b(thank|thanks|wrap|that'?s (all|it)|done|stop here|end|finish|bye|good ?bye)\b",
    "small_talk": r"\b(hi|hello|hey|good (morning|afternoon|evening)|how are you|nice to meet|sorry|dog|noise|kids|coffee|"
                  r"weekend|weather)\b",
    "off_topic": r"\b(salary|pay|compensation|remote|office|visa|team|benefits|hiring|role|position|company|recruiter|"
                 r"on-?call|your career|you like working)\b",
    "question": r"\?|\b(i'?d (like|want) to know|need to know|wondering|can you tell me|could you tell me|what'?s the|"
                r"what is the|how many|do we have|is there)\b",
    "numbers": r"\d",
}
_CUES = [re.compile(pattern, re.I) for pattern in CUES.values()]
_GATES = {"repeat-request": re.compile(r"repeat|again|say (that|it)|come again|catch|hear|cut out|missed|pardon|"
                                       r"one more time|what was the (question|last)|rephrase|didn'?t get|lost you|"
                                       r"freez|lag|connection|break(ing)? up|audio", re.I),
          "meaning-question": re.compile(r"mean|meaning|defin|looking for|are you asking|do you want|in what sense|"
                                         r"what kind of|which (one|kind|part|aspect)|referring|clarify what|by \w+ you|"
                                         r"\bby ['\"]?\w+['\"]?,? do|what is meant|not sure what you", re.I),
          "what-would-you-do": re.compile(r"\byou\b|\byour\b|answer|right way|correct|expected|looking for", re.I),
          "pushback": re.compile(r"already|covered|disagree|don'?t (think|see|agree|need)|not (relevant|needed|necessary|"
                                 r"important|sure (that|this|it))|irrelevant|out of scope|doesn'?t matter|i (said|mentioned|"
                                 r"answered)|overkill|why would|no need|isn'?t (relevant|needed|necessary)|wrong|"
                                 r"unnecessary|pointless|fine as (is|it is)|push back|not convinced|over-?engineer|"
                                 r"premature|that'?s not|would(n'?t| not)", re.I)}
FORM_FEATURES = ("question_mark", "questions", "log_words", "non_ascii", "english", "question_start", "sentences",
                 "digits", "bullets", *(f"cue_{name}" for name in CUES))


def english_share(text: str) -> float:
    """The share of a text's words that are common English words (low: another language)."""
    tokens = words(text)
    return sum(t in _ENGLISH for t in tokens) / max(1, len(tokens))


# The commonest short words of the European languages candidates write in (German, French, Spanish, Portuguese,
# Italian, Dutch): a turn full of them is not English even when it has no accents.
_FOREIGN = frozenset("der die das und ist wir nicht ein eine auch mit den dem oder aber wenn zum zur sie ich "
                     "le la les et est nous une des du pour pas que qui dans sur avec "
                     "el los las y es una por para con como pero del lo se "
                     "um uma os não com mais mas nos "
                     "il di che non gli della sono per "
                     "het een niet wij ook maar voor van".split())


def in_other_language(text: str) -> bool:
    """Whether a turn is mostly in another language: few common English words, and letters outside ASCII or many
    common words of another language (terse technical English, bullets and acronyms, has few common words too)."""
    if english_share(text) >= 0.2:
        return False
    tokens = words(text)
    foreign = sum(t in _FOREIGN for t in tokens) / max(1, len(tokens))
    return foreign >= 0.08 or any(ch.isalpha() and not ch.isascii() for ch in text)


def form_features(text: str) -> np.ndarray:
    """The few features of a turn's form that an embedding blurs."""
    stripped = text.strip()
    letters = [c for c in stripped if c.isalpha()]
    lines = [line for line in stripped.splitlines() if line.strip()]
    return np.array([
        float("?" in stripped),
        min(stripped.count("?"), 5) / 5,
        math.log1p(len(stripped.split())) / math.log(300),
        sum(not c.isascii() for c in letters) / max(1, len(letters)),
        english_share(stripped),
        float(bool(_QUESTION_START.match(stripped))),
        min(len(split_sentences(stripped)), 10) / 10,
        sum(c.isdigit() for c in stripped) / max(1, len(stripped)),
        sum(line.lstrip().startswith(("-", "*", "•")) or bool(re.match(r"\s*\d+[.)]", line)) for line in lines)
        / max(1, len(lines)),
        *(float(bool(cue.search(stripped))) for cue in _CUES),
    ], dtype=np.float32)


def features(texts: list[str]) -> np.ndarray:
    """One row per turn: its embedding (zeros for a turn with no text), then `form_features`."""
    kept = [t.strip() for t in texts]
    vectors = np.zeros((len(kept), DIMENSION), dtype=np.float32)
    nonempty = [i for i, t in enumerate(kept) if t]
    if nonempty:
        vectors[nonempty] = embed([kept[i] for i in nonempty])
    return np.hstack([vectors, np.stack([form_features(t) for t in kept]) if kept else np.zeros((0, len(FORM_FEATURES)))])


@lru_cache(maxsize=1)
def load_model() -> dict:
    return json.loads(resources.files("interviewer").joinpath(MODEL_FILE).read_text(encoding="utf-8"))


def probabilities(texts: list[str], model: dict | None = None) -> np.ndarray:
    """Per turn and act (in `model["acts"]` order), the probability that the turn does it: the embedding model's,
    blended with the character n-gram model's when the model has one (`model["ngrams"]`)."""
    model = model or load_model()
    x = (features(texts) - _array(model, "mean")) / _array(model, "scale")
    z = x @ _array(model, "coef").T + _array(model, "intercept")
    dense = 1.0 / (1.0 + np.exp(-z))
    ngrams = model.get("ngrams")
    if not ngrams:
        return dense
    return (1 - ngrams["alpha"]) * dense + ngrams["alpha"] * ngram_probabilities(texts, ngrams)


def _array(model: dict, key: str) -> np.ndarray:
    """`model[key]` as an array, converted once and kept beside the model (the JSON holds lists)."""
    cached = model.get(f"_{key}_array")
    if cached is None:
        cached = model[f"_{key}_array"] = np.array(model[key])
    return cached


NGRAMS = {"analyzer": "char_wb", "ngram_range": (2, 4), "sublinear_tf": True, "lowercase": True}


def ngram_vectorizer(vocabulary: list[str] | None = None, idf: list[float] | None = None):
    """The character n-gram TF-IDF of a turn (scikit-learn's), fixed to a fitted vocabulary and idf when given."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    if vocabulary is None:
        return TfidfVectorizer(**NGRAMS, min_df=2, max_features=NGRAM_FEATURES)
    vec = TfidfVectorizer(**NGRAMS, vocabulary={g: i for i, g in enumerate(vocabulary)})
    vec.idf_ = np.array(idf)
    return vec


NGRAM_FEATURES = 4000


def ngram_probabilities(texts: list[str], ngrams: dict) -> np.ndarray:
    """Per turn and act, the character n-gram logistic model's probability."""
    vec = ngrams.get("_vectorizer")
    if vec is None:  # built once per loaded model, kept beside it
        vec = ngrams["_vectorizer"] = ngram_vectorizer(ngrams["vocabulary"], ngrams["idf"])
    x = vec.transform([t.strip() for t in texts])
    z = x @ _array(ngrams, "coef").T + _array(ngrams, "intercept")
    return 1.0 / (1.0 + np.exp(-np.asarray(z)))


def decide(text: str, probs: np.ndarray, model: dict) -> list[str]:
    """The acts of one turn from its probabilities: each act over its threshold; at least the likeliest."""
    if not re.search(r"\w", text):
        return ["empty"]
    acts, thresholds = model["acts"], model["thresholds"]
    chosen = [a for a, p in zip(acts, probs, strict=True) if p >= thresholds[a]]
    if not chosen:
        chosen = [acts[int(np.argmax(probs))]]
    if "empty" in chosen and len(chosen) > 1:
        chosen.remove("empty")
    for act, cue in _GATES.items():  # these acts are worded explicitly; without their words the model is guessing
        if act in chosen and not cue.search(text):
            chosen.remove(act)
            if "?" in text and "clarifying-question" not in chosen and act == "meaning-question":
                chosen.append("clarifying-question")
    if not chosen:
        chosen = ["answer"]
    if "clarifying-question" in chosen and set(chosen) & _NOT_CLARIFYING:
        chosen.remove("clarifying-question")  # a question about the interview itself, not about the problem
    if "answer" in chosen and "clarifying-question" not in chosen and _asks_after_content(text):
        chosen.append("clarifying-question")  # "I'd use a two-tower model. Do we have GPUs at serving?"
    return [a for a in ACTS if a in chosen]


# Questions that ask the interviewer about the interview, not about the problem: with one of these, a question
# mark is not a clarifying question (ACTS.md: asking what the question means is meaning-question, and so on).
_NOT_CLARIFYING = {"meaning-question", "hint-request", "skip-request", "what-would-you-do", "off-topic", "repeat-request",
                   "progress-question"}
_CHECK_IN = re.compile(r"(make sense|right direction|on the right track|is that (ok|okay|fine|right|enough)|right\?|ok\?|"
                       r"okay\?|sound good|you know\?|agree\?)\s*$", re.I)


def _asks_after_content(text: str) -> bool:
    """Content, and a sentence that asks the interviewer something (a question mark, not a check-in such as
    "does that make sense?")."""
    sentences = split_sentences(text)
    asking = [s for s in sentences if s.rstrip().endswith("?") and len(s.split()) >= 4 and not _CHECK_IN.search(s)]
    content = [s for s in sentences if not s.rstrip().endswith("?")]
    return bool(asking) and len(" ".join(content).split()) >= 3


_STAGE_WORDS = [(Stage.framing, r"fram"), (Stage.clarify, r"requirement|clarif"), (Stage.data, r"\bdata\b"),
                (Stage.modeling, r"model|feature"), (Stage.serving, r"serv|deploy|production"),
                (Stage.monitoring, r"monitor|iterat")]


def stage_named(text: str) -> Stage | None:
    """The framework stage a question about meaning names ("what do you mean by framing?"), if any."""
    for stage, pattern in _STAGE_WORDS:
        if re.search(pattern, text, re.I):
            return stage
    return None


def acts_of(text: str, model: dict | None = None) -> list[str]:
    """The dialogue acts of one candidate turn (see `ACTS`), in `ACTS` order."""
    model = model or load_model()
    if not re.search(r"\w", text):
        return ["empty"]
    low = re.sub(r"\s+", " ", text.strip().lower()).strip(" .!?")
    for act, command in _COMMANDS:
        if command.fullmatch(low):
            return [act]
    acts = decide(text, probabilities([text], model)[0], model)
    if _NOTHING_MORE.search(text) and word_count(text) < CONTENT_WORDS and "sign-off" not in acts:
        return ["skip-request"]
    return acts


def kind_for(acts: list[str], text: str = "") -> CandidateKind:
    """The transcript `kind` a turn with these acts is recorded as (the most specific act, except that a
    turn with real content is an answer, even when it also asks something)."""
    if "answer" in acts and word_count(text) >= CONTENT_WORDS and "other-language" not in acts:
        return "answer"  # the agent answers its question too (the acts say so)
    for act, kind in KIND_ORDER:
        if act in acts:
            return kind
    return "answer"


def classify(text: str) -> CandidateKind:
    """The one `kind` of a candidate turn (the agent adds `repeat` when it matches the last answer)."""
    return kind_for(acts_of(text), text)


_ASKING = re.compile(r"\?|^\W*((also|and) )?(what|how|is|are|do|does|did|can|could|will|would|should|which|who|when|"
                     r"where|why|any|whether)\b|\b(i'?d (like|want) to know|need to know|wondering|tell me|need the|"
                     r"want the|curious)\b", re.I)
# "The first thing I'm thinking is what kind of rules": an ask inside a statement.
_EMBEDDED = re.compile(r"\b(thinking|wondering|question is|first thing is|depends on|(need|want|like) to (understand|know|"
                       r"check|confirm))\b.{0,40}\b(what|how|whether|which|who|if)\b", re.I)
# Asks stated without a question mark: "I'd like to know the latency budget", "I'd also like the numbers behind
# 'overwhelmed'", "Before designing I'd like to understand a few things:" (its bullets are the asks).
_REQUEST = re.compile(r"\b(i'?d (also )?(like|want|love) (to (know|understand|ask|check|confirm|clarify|hear)|the|some|a sense)|"
                      r"i (want|need) to (know|understand|ask|check|confirm|clarify)|need to know|wondering|curious|"
                      r"can you tell me|could you tell me|tell me (about|more|what|how|whether)|"
                      r"(a few|some|couple of|several|two|three|four|five) (things|questions|clarifying questions)|"
                      r"(questions|things) (first|before)|pin down|clarify)\b", re.I)
# A list of asks inside one sentence: "the catalog size, the traffic, and what the metric is".
_LIST_SPLIT = re.compile(r",(?!\s*or\b)\s*(?:and|also|plus|aur|y)?\s*|;\s*|"
                         r"\s+(?:and|also|plus)\s+(?=(?:the|what|how|whether|if|is|are|do|does|any|which|who|when|where|"
                         r"why|roughly|about)\b)", re.I)


_CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]{2}")  # words of scripts written without spaces
_SUBORDINATE = re.compile(r"(once|when|if|because|since|so|as|after|before|while|unless|until|given|assuming|like|e\.g\.|"
                          r"say|or (so|something))\b", re.I)


def question_parts(text: str, marked: bool = False) -> list[str]:
    """The separate questions in a clarifying turn: its lines and sentences that ask something (a bulleted
    list, "two things: X? and Y?", "I'd like to know the latency budget."), a sentence that lists several
    asks split into them; the whole turn when none asks. `marked`: only sentences with a question mark (the
    questions inside an answer)."""
    parts = []
    listing = False  # inside the bulleted list a request introduced ("a few things I'd like to know:")
    text = text.replace("？", "? ")  # "大概有多少商品？每天多少 query？": two questions
    for raw in text.splitlines():
        bullet = bool(re.match(r"\s*([-*•]|\d+[.)])\s+", raw))
        line = re.sub(r"^\s*([-*•]|\d+[.)])\s+", "", raw).strip()
        if not line:
            continue
        listing = listing and bullet
        for sentence in split_sentences(line):
            pieces = [p.strip() + "?" for p in sentence.split("?") if len(p.split()) >= 2 or _CJK.search(p)] \
                if sentence.count("?") > 1 else [sentence]
            for piece in pieces:
                if sentence.rstrip().endswith(":") and _REQUEST.search(sentence) and len(sentence.split()) <= 25:
                    listing = True  # the lead-in: its list items are the asks, not the lead-in itself
                    continue
                asks = "?" in piece or (listing and bullet) or _REQUEST.search(piece) or _EMBEDDED.search(piece) or \
                    (not marked and _ASKING.search(piece))
                if not asks:
                    continue
                if not ("?" in piece or (listing and bullet) or _REQUEST.search(piece) or _ASKING.match(piece)):
                    parts.append(re.split(r",?\s+(?:because|since|as|so that|so)\s", piece)[0].strip())
                    continue  # an ask inside a statement: up to its reason
                head, colon, options = piece.partition(":")  # "the goal: watch time, retention, ...?" lists options
                if colon and len(head.split()) <= 3:  # "Two things: X, Y" introduces the asks
                    head, colon = options, ""
                items: list[str] = []
                pending = ""  # "When management says X, do they mean ...": a leading clause goes with what follows
                alternatives = "?" in piece and re.search(r",?\s+or\s+", piece) is not None  # "do they mean A, B or C?"
                for item in ([head.strip(" ?.")] if alternatives else (i.strip(" ?.") for i in _LIST_SPLIT.split(head))):
                    if items and _SUBORDINATE.match(item):  # "..., once that works": part of the ask before it
                        items[-1] = f"{items[-1]}, {item}"
                    elif not items and _SUBORDINATE.match(item):
                        pending = f"{pending}{item}, "
                    elif len(item.split()) >= 2:
                        items.append(f"{pending}{item}")
                        pending = ""
                if items and colon:
                    items[-1] = f"{items[-1]}: {options.strip()}"
                parts.extend(items if len(items) > 1 else [piece])
    return parts or ([] if marked else [text.strip()])


def asks_in(text: str) -> list[str]:
    """The requests for information in a turn, question mark or not (`question_parts`, marked): its questions,
    "I'd like to know ..." sentences, the items of a list a request introduces, "I'm thinking what kind of ..."."""
    return [p for p in question_parts(text, marked=True)
            if not (_CHECK_IN.search(p.rstrip()) or _CHECK_IN.search(p.rstrip(" ?.")))]


def asks_in_problem(text: str) -> list[str]:
    """The requests in a turn that ask about the problem itself: `asks_in` without "May I ask a few questions?" or
    "Where should I start?" (questions about the interview, `policy.move_cue`)."""
    return [p for p in asks_in(text) if move_cue(p) not in ("permission", "steer")]


# "First some questions", "Quick questions, all at once:": a part that only announces questions asks nothing
_ANNOUNCES_WORDS = frozenset("first firstly ok okay so then and but a an some few couple of quick several my two three four "
                             "clarifying initial just all at once before i let me ask can could begin start with questions "
                             "question here are more follow-up things thing design designing anything".split())


def announces_questions(part: str) -> bool:
    """Whether a part only announces questions ("First, some questions", "A few things before I design")."""
    words = re.findall(r"[\w-]+", part.lower())
    return bool(words) and any(w.startswith(("question", "thing")) for w in words) and \
        all(w in _ANNOUNCES_WORDS for w in words)


def announced_questions(text: str) -> list[str]:
    """The sentences after a turn announces its questions within its first three sentences ("Hi. Questions. Volume
    per day. Which policies: nudity, violence, other."): each is a question, said as a bare phrase; empty when
    the turn announces none."""
    sentences = split_sentences(text)
    at = next((i for i, x in enumerate(sentences[:3]) if announces_questions(x.rstrip(" :."))), None)
    if at is None:
        return []
    return [x for x in sentences[at + 1:] if len(x.split()) >= 2]
