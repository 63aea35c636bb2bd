"""The interviewer's decisions as pure functions of what has happened: what a turn costs the stage's
clock, when a stage is done, what to do after an answer, which stage the candidate is on, which question
comes next (following the candidate ahead, coming back to a skipped stage), how to acknowledge an answer,
and which words a conversational move gets. Each rule has its own test in `tests/test_policy.py`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Literal

from ..prompts import Mistake, Term, glossary, mistakes, move_cues
from ..text import content_words

MAX_FOLLOW_UPS = {"design": 2, "drill": 0, "grill": 1, "review": 1}
WORDS_PER_MINUTE = 130  # a spoken or typed answer is charged at least this long against the stage budget
MAX_GAP_S = 600  # idle time beyond this (a break, a crash) is not charged to the stage

Move = Literal["advance", "challenge", "follow-up", "reask"]
Tone = Literal["strong", "partial", "weak", "trap", "neutral"]


def charge(text: str, now: float, last_interviewer_at: float | None) -> float:
    """Seconds a candidate turn costs the stage: the real gap since the interviewer spoke (capped), and
    at least the time it takes to say the turn."""
    gap = now - last_interviewer_at if last_interviewer_at else 0.0
    spoken = len(str(text).split()) * 60 / WORDS_PER_MINUTE
    return max(min(max(gap, 0.0), MAX_GAP_S), spoken)


DONE_AT = 0.8  # a stage is done when this share of its key points' weight is covered
ENOUGH_AT = 0.5  # ... and after one deep-dive question, this share is enough to move on
OPENER_SKIP_AT = 0.25  # a stage the candidate already covered this much of starts with a deep dive, not its opener
FOLLOW_AT = 0.5  # a turn with at least this share of its sentences about a later stage has moved there


def stage_done(covered: Iterable[str], weights: dict[str, float], spent_s: float, budget_s: float | None) -> bool:
    """A stage is done when most of its key points (by weight) are covered, or its time budget is spent."""
    got = set(covered)
    if sum(w for k, w in weights.items() if k in got) >= DONE_AT * sum(weights.values()):
        return True
    return budget_s is not None and spent_s >= budget_s


def after_answer(fell_into_trap: bool, challenged: bool, follow_ups: int, limit: int, missed: list[str],
                 pushback: bool = False, engaged: bool = True, reasks: int = 0) -> Move:
    """What follows an answer: challenge a trap once, else probe the first missed point, within the limit.
    An answer that pushes back ("I already covered that") is taken as the candidate's last word here. An answer
    that does not take up the question in play (`engaged` false: it says none of its points, even in part) gets
    no follow-up, which would presume an answer never given: the question is put again once (`reasks`), then
    left."""
    if fell_into_trap and not challenged and follow_ups < limit:
        return "challenge"
    if not engaged and not pushback:
        return "reask" if reasks == 0 else "advance"
    if missed and follow_ups < limit and not pushback:
        return "follow-up"
    return "advance"


def ack_tone(score: float | None, fell_into_trap: bool, followed: bool = False) -> Tone:
    """How an answer is acknowledged when the interviewer moves on: praise only a strong answer with no trap;
    a trap or a weak answer is acknowledged neutrally; following the candidate elsewhere is neutral too."""
    if score is None or followed:
        return "neutral"
    if fell_into_trap:
        return "trap"
    return "strong" if score >= 3 else "partial" if score >= 1.5 else "weak"


def topic_stage(gains: dict[str, float], current: str, order: Sequence[str], skipped: Iterable[str] = (),
                assuming: bool = False, visited: Iterable[str] = ()) -> str | None:
    """The stage a turn is mainly about when that is not the current one (the candidate has moved ahead, or
    gone back to a stage that was skipped), or None: among the later stages and the `skipped` earlier ones, the
    one with the largest share of the turn (`gains`: per stage, the share of the turn's sentences about it),
    when that share is at least `FOLLOW_AT` and larger than the current stage's. Stages already `visited` are
    not followed into again (no bouncing back and forth). A requirements turn that states assumptions
    (`assuming`: "I'll assume 50M products, the goal is ...") stays in requirements."""
    if assuming and current == order[0]:
        return None
    others = [s for s in order if s in set(skipped) and order.index(s) < order.index(current)]
    others += [s for s in order[order.index(current) + 1:] if s not in set(visited)]
    if not others:
        return None
    best = max(others, key=lambda s: (gains.get(s, 0.0), -order.index(s)))
    if gains.get(best, 0.0) >= FOLLOW_AT and gains.get(best, 0.0) > gains.get(current, 0.0):
        return best
    return None


def entry_slot(stage: str, slot_stages: Sequence[str], openers: Sequence[bool], closed: set[int],
               share: float, answered: dict[int, float] | None = None, late: Iterable[int] = (),
               opener_last: bool = False, core_said: bool = False) -> int | None:
    """The first question to ask on entering `stage`: its opener, unless the candidate already covered a good
    part of it (then the deep-dive question whose points they have said least about, `answered`: per slot, the
    share of its points already said, so the interviewer never asks again for what was given; the `late` ones,
    constraint changes, after the stage's own questions). `opener_last`: a stage not done whose deep dives are
    all closed is still entered, with its opener (moving on in order never skips a stage half said), unless
    `core_said`: the stage's heaviest key point is covered already, so the opener would ask for what was told."""
    slots = [j for j, s in enumerate(slot_stages) if s == stage and j not in closed]
    if not slots:
        return None
    if share >= OPENER_SKIP_AT:
        deeper = [j for j in slots if not openers[j]]
        late = set(late)
        if deeper:
            return min(deeper, key=lambda j: (j in late, (answered or {}).get(j, 0.0)))
        return slots[0] if opener_last and openers[slots[0]] and not core_said else None
    return slots[0]


ANSWERED_AT = 0.5  # a deep-dive question whose points the candidate has already said this much of is not asked
REVISIT_BELOW = 0.25  # an earlier stage is come back to only when less than this share of it was said


def next_slot(index: int, slot_stages: Sequence[str], openers: Sequence[bool], closed: set[int], done: set[str],
              visited: set[str], shares: dict[str, float], order: Sequence[str],
              answered: dict[int, float] | None = None, talked: Iterable[str] = (),
              late: Iterable[int] = (), core_said: Iterable[str] = ()) -> tuple[int | None, bool]:
    """The next question after slot `index`, and whether it goes back to a stage the candidate skipped:
    another question of the same stage while it is not done (one deep dive is enough once half of it is
    covered); else the earliest earlier stage never visited, never `talked` about by the candidate, not done and
    barely covered (come back to it explicitly); else the next stage in order that is not done (entered at
    `entry_slot`, with `answered`). A deep dive whose points the candidate already said (`answered` at least
    `ANSWERED_AT`) is never asked: the interviewer does not ask for what it was just told; nor a stage's opener
    when the stage's heaviest point is among `core_said`."""
    answered = answered or {}
    core_said = set(core_said)
    closed = closed | {j for j, share in answered.items() if share >= ANSWERED_AT and not openers[j]}
    stage = slot_stages[index]
    asked_deeper = any(slot_stages[j] == stage and not openers[j] for j in closed | {index})
    if stage not in done and not (asked_deeper and shares.get(stage, 0.0) >= ENOUGH_AT):
        same = [j for j in range(index + 1, len(slot_stages)) if slot_stages[j] == stage and j not in closed]
        if same:
            return same[0], False
    position = order.index(stage)
    talked = set(talked)
    for earlier in order[:position]:
        if earlier not in done and earlier not in visited and earlier not in talked and \
                shares.get(earlier, 0.0) < REVISIT_BELOW:
            j = entry_slot(earlier, slot_stages, openers, closed, shares.get(earlier, 0.0), answered, late)
            if j is not None:
                return j, True
    for later in order[position + 1:]:
        if later in done:
            continue
        j = entry_slot(later, slot_stages, openers, closed, shares.get(later, 0.0), answered, late, opener_last=True,
                       core_said=later in core_said)
        if j is not None and j > index:
            return j, False
    return None, False


_CLOSING = re.compile(r"(that'?s (all|it|everything|my design|the design|what i have)|i think (we'?re|i'?m) done|"
                      r"(we|i) can (wrap|stop|end)|let'?s (wrap|stop|end)|i'?m done|wrap (it )?up|"
                      r"\bthank(s| you)\b|eso es todo|gracias|itna hi|bas,|merci|danke|vielen dank|obrigad[oa]|grazie|dzi[eę]kuj|"
                      r"te[sş]ekk[uü]r|감사합니다|고맙습니다|ありがとう|धन्यवाद|buona giornata|bonne journ[ée]e|"
                      r"sch[öo]nen tag|adi[oó]s|au revoir|tsch[üu]ss|arrivederci|do widzenia|ho[sş]ça kal|안녕히|お疲れ様|"
                      r"\b(good ?)?bye\b|\bsee you\b|\bdone( then| for (now|today))?)\W*$", re.I)
_CLOSING_SHORT = re.compile(r"\b(thank(s| you)|gracias|eso es todo|itna hi|merci|danke|vielen dank|das war'?s|"
                            r"obrigad[oa]|that'?s all|grazie|dzi[eę]kuj[eę]|te[sş]ekk[uü]rler)\b|감사|ありがとう|धन्यवाद",
                            re.I)
LATE_STAGES = 4  # a wrap-up at the end of an answer ends the interview once this many stages were visited


def _sentences(text: str) -> list[str]:
    """A turn's sentences, split after Latin and CJK sentence marks."""
    return [s for s in re.split(r"(?<=[.!?。！？])\s*", text.strip()) if s.strip()]


BARE_THANKS_WORDS = 40  # an answer longer than this ending in a bare "Thanks." thanks; it does not close
# "Thank you for correcting me.", "Thanks for the hint.": thanks for one thing, not a goodbye
_THANKS_FOR_HELP = re.compile(r"\bthank(s| you)( so much| a lot)? for (the |your |that )?(hint|correct|challeng|pointer|clarif|"
                              r"explain|question|tip|nudge|help|push|catch|reminder)", re.I)


def signs_off_at_end(text: str) -> bool:
    """Whether a turn ends by wrapping up ("... That's the design, thanks.", "Eso es todo, ¡muchas gracias!"):
    its last sentence closes, or is a short thanks."""
    if wraps_up_with_thanks(text):
        return True
    sentences = _sentences(text)
    tail = sentences[-1] if sentences else ""
    if tail.rstrip().endswith(("?", "？")):  # "That's all from me, thanks. Anything you'd recommend I read?"
        before = sentences[-2] if len(sentences) > 1 else ""
        return len(text.split()) <= 60 and bool(_CLOSING.search(before) or (len(before.split()) <= 8 and
                                                                              _CLOSING_SHORT.search(before)))
    if _THANKS_FOR_HELP.search(tail):  # "... Thank you for correcting me.": thanks for one thing, not the end
        return False
    before = sentences[-2] if len(sentences) > 1 else ""
    if len(tail.split()) <= 3 and _CLOSING_SHORT.search(tail) and not _CLOSING.search(before) and \
            len(text.split()) > BARE_THANKS_WORDS:  # a long answer with a bare "Thanks." after it: thanks, not the end
        return False
    if _CLOSING.search(tail) or (len(tail.split()) <= 8 and _CLOSING_SHORT.search(tail)):
        return True  # "本日はありがとうございました。とても楽しかったです。" below
    return not re.search(r"[A-Za-z]", tail) and len(text.split()) <= 30 and bool(_CLOSING_SHORT.search(before))


def ends_with_answer(wraps_up: bool, signed_off: bool, visited: int, short: bool = False) -> bool:
    """Whether an answer that wraps up ends the interview: when the candidate said goodbye (a sign-off act, or a
    `short` turn that is mostly the wrap-up: "Bas, mera design itna hi hai. Thank you!"), or the interview is
    far enough along (`LATE_STAGES` visited); a whole design given up front and closed with "that's it" is
    discussed, not ended."""
    return wraps_up and (signed_off or short or visited >= LATE_STAGES)


_GO_TO = re.compile(r"\b(?:let'?s|can we|could we|i'?d like to|i want to|shall we|may i|i'?ll)\s+(?:first\s+)?"
                    r"(?:talk about|start with|go to|move on to|move to|jump to|discuss|skip to|cover|begin with|do)\s+"
                    r"(?:the\s+)?(\w+(?:\s\w+)?)|\b(\w+) first\b", re.I)
_STAGE_OF_WORD = (("clarify", r"requirement|clarif|question"), ("framing", r"fram|ml (problem|task)"), ("data", r"data|label"),
                  ("modeling", r"model|feature|architect"), ("serving", r"serv|deploy|production|infra|latency"),
                  ("monitoring", r"monitor|evaluat|metric|iterat"))


_HEADER = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|so|now|next|alright|right|then|and|moving on|great|good|sure|um+|uh+)\W+)*"
    r"(?:(?:for|on|about|regarding|in|re)\s+|(?:let'?s|let me|i'?ll|i will|i'?d|i want to|i'd like to)\s+"
    r"(?:now\s+)?(?:talk about|state|cover|move (?:on )?to|go to|turn to|jump to|do|discuss|look at|get to|"
    r"start with|describe)\s+|(?:moving|moving on|on|over)\s+to\s+)?(?:the\s+|my\s+)?(?:model\s+)?"
    r"(requirements?|goals?|objectives?|business goals?|success metrics?|framing|problem framing|"
    r"framing the ml problem|ml problem|ml task|ml framing|ml model|ml side|"
    r"data(?: side)?|labels?|training data|features?|feature engineering|modell?ing|models?|architecture|"
    r"serving|deployment|inference|infra(?:structure)?|latency|monitoring|evaluation|metrics|iteration|"
    r"a/?b tests?|experimentation|offline evaluation|"
    r"requisitos|requerimientos|anforderungen|exigences|formulação|formulación|formulierung|dados|datos|daten|"
    r"données|modelo|modell|modèle|características|merkmale|despliegue|implantação|bereitstellung|déploiement|"
    r"monitoramento|monitoreo|monitorización|überwachung|surveillance|avaliação|evaluación|évaluation|bewertung|"
    r"需求|问题定义|数据|模型|特征|部署|监控|评估)(?:\b|(?<=[\u4e00-\u9fff]))(?=\s*[:：.,\-–—]|\s+(?:side|wise|part|first|now|then|offline|online|"
    r"and|for|is|are|i|i'?d|i'?m|i would|it|this|that|there|my|our|we|we'?d|here|next|,)\b|\s*$)", re.I)
_HEADER_STAGE = (("clarify", r"requirement|goal|objective|success|requisit|requerim|anforderung|exigence|需求"),
                 ("framing", r"fram|ml (problem|task)|formula|问题定义"),
                 ("monitoring", r"monitor|evaluat|metric|iterat|\ba/?b\b|experiment|überwach|surveill|avalia|evalua|"
                                r"évalua|bewert|监控|评估"),
                 ("data", r"data|label|dados|datos|daten|données|数据"),
                 ("modeling", r"feature|model|architect|ml side|caracter|merkmal|modèle|模型|特征"),
                 ("serving", r"serv|deploy|inference|infra|latency|despliegue|implanta|bereitstell|déploiement|部署"))


def stage_header(text: str) -> str | None:
    """The stage a turn announces at its start ("Data. Sources: ...", "For the ML framing, ...", "Let me state the
    goals then.", "Serving: ..."), if any: where the candidate says they are, which decides over what the
    sentences resemble."""
    match = _HEADER.match(text)
    if match is None:
        return None
    for stage, pattern in _HEADER_STAGE:
        if re.search(pattern, match.group(1), re.I):
            return stage
    return None


def asked_stage(text: str) -> str | None:
    """The stage a candidate asks to go to ("I'd like to start with the model", "can we move on to serving?",
    "data first"), if any."""
    for match in _GO_TO.finditer(text):
        words = match.group(1) or match.group(2) or ""
        for stage, pattern in _STAGE_OF_WORD:
            if re.match(pattern, words, re.I):
                return stage
    return None


SmallTalk = Literal["nervous", "late", "how-are-you", "greeting", "ready", "thanks", "apology", "other"]
_SMALL_TALK = (
    ("nervous", r"nervous|anxious|stress|first (time|mock|interview)|bit scared|intimidat"),
    ("late", r"\blate\b|link (wasn'?t|did not|didn'?t) work|connection|trouble joining"),
    ("late", r"hear me|see my screen|audio|mic(rophone)?\b|camera|my setup"),
    ("how-are-you", r"how are you|how'?s (your|it going)|how is your|how have you been|how you doing"),
    ("ready", r"let'?s (do it|go|start|begin|get started)|i'?m ready|ready when|shall we (start|begin)"),
    ("greeting", r"^\W*(hi|hello|hey|good (morning|afternoon|evening))\b"),
    ("thanks", r"\bthank(s| you)\b"),
    ("apology", r"\bsorry\b|excuse|noise|dog|kids|background"),
)


def small_talk_kind(text: str) -> SmallTalk:
    """What a small-talk turn mostly does, so the reply meets it in kind (reassure a nervous candidate, answer
    "how are you?", start when they are ready)."""
    for kind, pattern in _SMALL_TALK:
        if re.search(pattern, text, re.I):
            return kind
    return "other"


LanguageMove = Literal["ask", "proceed"]


def language_move(asked_before: bool) -> LanguageMove:
    """Another language: ask once to continue in English; after that, take every turn for what it does (never
    insist again)."""
    return "proceed" if asked_before else "ask"


def rephrase(question: str) -> str:
    """A question said another way, for a candidate who asks to hear it again: what it asks first, the scenario
    detail before it after ("In short, ...? For context: ..."); a question with no detail stays as it is."""
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", question.strip()) if s.strip()]
    asking = [s for s in sentences if s.endswith("?")]
    context = [s for s in sentences if s not in asking]
    if not asking or not context:
        return question.strip()
    core = " ".join(asking)
    core = core[0].lower() + core[1:] if core[1:2].islower() and core.split()[0] != "I" else core
    return f"In short, {core} For context: {' '.join(context)}"


def asking_part(question: str) -> str:
    """What a question asks, without the scenario detail before it ("Chargebacks take weeks to arrive. After a release,
    what tells you within 48 hours that something is wrong?" → its last sentence): put again to a candidate who
    heard the detail already, the detail is not recited."""
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", question.strip()) if s.strip()]
    asking = [s for s in sentences if s.endswith("?")]
    return " ".join(asking) if asking else question.strip()


# Clarifying questions: each part is matched to the scenario fact it asks about, by meaning (the embedding)
# and by the fact's own topic words, which catch short or paraphrased parts ("the traffic", "catalog size").
# A few words of other languages candidates write in map to the English topic words.
LEXICAL_BONUS = 0.12  # per shared topic word (at most two)
_SYNONYMS = {"usuari": "users", "latenc": "latency", "ciudad": "cities", "evento": "events", "compra": "purchases",
             "histor": "history", "ingres": "revenue", "objeti": "objective", "presup": "budget", "petici": "traffic",
             "trafic": "traffic", "idioma": "languages", "mercad": "markets", "catalo": "catalogue",
             "dau": "users", "mau": "users", "qps": "traffic", "rps": "traffic", "reques": "traffic",
             "goal": "objective", "metric": "objective", "succes": "objective", "budget": "latency",
             "kitne": "users", "daily": "users", "active": "users", "volume": "traffic", "peak": "traffic",
             # German, French, Portuguese, Italian, Dutch, Spanish forms of the words requirements questions use
             "nutzer": "users", "benutz": "users", "utilis": "users", "usuári": "users", "utenti": "users",
             "gebrui": "users", "villes": "cities", "städte": "cities", "cidade": "cities", "città": "cities",
             "produc": "products", "produk": "products", "produt": "products", "prodot": "products",
             "catálo": "catalogue", "katalo": "catalogue", "sortim": "catalogue",
             "mails": "message", "nachri": "message", "messag": "message", "mensag": "message", "correo": "message",
             "verarb": "volume", "systèm": "system", "sistem": "system",
             "system": "system", "actuel": "current", "aktuel": "current", "atual": "current", "actual": "current",
             "regeln": "rules", "règles": "rules", "regras": "rules", "reglas": "rules", "latênc": "latency",
             "latenz": "latency", "schnel": "latency", "rapide": "latency", "rápido": "latency", "betrug": "fraud",
             "fraude": "fraud", "frode": "fraud", "kosten": "cost", "coût": "cost", "custo": "cost", "costo": "cost",
             "étique": "labels", "etiket": "labels", "rótulo": "labels", "labels": "labels", "vídeos": "videos",
             "vidéos": "videos", "anúnci": "ads", "annonc": "ads", "anzeig": "ads", "werbun": "ads", "anunci": "ads",
             "événem": "events", "verans": "events", "abonne": "subscribers", "assina": "subscribers",
             "suscri": "subscribers", "kündig": "churn", "résili": "churn", "cancel": "churn", "docume": "documents",
             "dokume": "documents", "langue": "languages", "sprach": "languages", "língua": "languages",
             "schon": "current", "déjà": "current", "già": "current", "bereit": "current", "prohib": "violating",
             "verbot": "violating", "interdi": "violating", "proibi": "violating", "conten": "content", "inhalt": "content",
             "imagen": "images", "imágen": "images", "bilder": "images", "transa": "transactions", "transak": "transactions",
             "query": "traffic", "querie": "traffic", "millis": "latency", "millise": "latency",
             "cuánto": "number of", "cuánta": "number of", "cuanto": "number of", "cuanta": "number of",
             "quanto": "number of", "quanti": "number of", "quanta": "number of", "combie": "number of",
             "wievie": "number of", "día": "per day", "dia": "per day", "jour": "per day",
             "giorno": "per day", "emails": "message", "email": "message"}
_LETTERS = re.compile(r"[^\W\d_]+")
# Scripts written without spaces (and Russian stems), found as parts of the text: "大概有多少商品？" → products
_IN_TEXT = {"多少": "number of", "几个": "number of", "どのくらい": "number of", "何件": "number of",
            "얼마나": "number of", "每天": "per day", "每秒": "per second", "一日": "per day", "商品": "products",
            "产品": "products", "用户": "users", "ユーザー": "users", "사용자": "users", "查询": "traffic",
            "搜索量": "traffic", "请求": "traffic", "流量": "traffic", "延迟": "latency", "时延": "latency", "遅延": "latency",
            "レイテンシ": "latency", "지연": "latency", "预算": "budget", "标签": "labels", "ラベル": "labels", "欺诈": "fraud",
            "不正": "fraud", "规则": "rules", "ルール": "rules", "违规": "violating", "違反": "violating", "视频": "videos",
            "動画": "videos", "广告": "ads", "広告": "ads", "活动": "events", "イベント": "events", "订阅": "subscribers",
            "文档": "documents", "ドキュメント": "documents", "语言": "languages", "言語": "languages", "图片": "images",
            "画像": "images", "垃圾邮件": "spam", "邮件": "message", "メール": "message", "交易": "transactions",
            "取引": "transactions", "пользов": "users", "задержк": "latency", "транзакц": "transactions", "мошенн": "fraud",
            "разметк": "labels",
            "标注": "labels", "打分": "labels", "метк": "labels", "запрос": "traffic", "товар": "products", "правил": "rules"}


def _any_language_words(text: str) -> set[str]:
    """A text's content words cut to six letters, with words of other scripts and accents kept whole ("catálogo",
    "système"), which `content_words` splits."""
    return content_words(text) | {w[:6] for w in _LETTERS.findall(text.lower()) if len(w) > 2}


def topic_words(text: str) -> set[str]:
    """A text's content words (cut to six letters), with other-language words and near-synonyms mapped."""
    got = content_words(text)
    lowered = text.lower()
    return got | {_SYNONYMS[k][:6] for w in _any_language_words(text) for k in (w, w[:3]) if k in _SYNONYMS} | \
        {english[:6] for part, english in _IN_TEXT.items() if part in lowered}


def gloss(text: str) -> set[str]:
    """The English topic words a text's other-language words map to ("combien d'utilisateurs" → {"users"})."""
    got = _any_language_words(text)
    lowered = text.lower()
    return {_SYNONYMS[k] for w in got for k in (w, w[:3]) if k in _SYNONYMS and _SYNONYMS[k] not in got} | \
        {english for part, english in _IN_TEXT.items() if part in lowered}


def fact_scores(similarities: Sequence[float], overlaps: Sequence[int]) -> list[float]:
    """Per fact, how well a question part matches it: the embedding similarity plus a bonus per shared topic
    word (at most two)."""
    return [s + LEXICAL_BONUS * min(o, 2) for s, o in zip(similarities, overlaps, strict=True)]


def pick_facts(scores: Sequence[Sequence[float]], threshold: float) -> list[int | None]:
    """Per question part, the index of the fact it asks about (its best score, if at least `threshold`),
    else None (no fact: the candidate is asked to state an assumption for that part)."""
    picked: list[int | None] = []
    for row in scores:
        best = max(range(len(row)), key=lambda i: row[i]) if row else None
        picked.append(best if best is not None and row[best] >= threshold else None)
    return picked


DirectQuestion = Literal["check-in", "opinion", "personal", "proposal"]
# A question about the interviewer, their team or their experience ("What do you guys do here?", "Have you seen that
# work?"): answered as a person would in an interview, later
_PERSONAL_Q = re.compile(r"\b(you guys|you folks|your (team|company|experience|view|take|opinion)|here at|at your|"
                         r"have you (ever )?(seen|used|tried|built|worked)|do you (guys|folks|all) |how does your|"
                         r"what do you (use|do) (here|there|for)|in your experience)\b", re.I)
# The candidate proposing, as a question, and reasoning on ("Could we shuffle results for a small slice?", "What if we
# cached it?"); and a method question ("How do you compare two answers automatically?"): theirs to work out, no fact
_PROPOSAL_Q = re.compile(r"^\W*((and|so|but|or|hmm+|then|okay|ok)\W+)*((could|can|should|shall|would) (we|i)\b"
                         r"(?! (get|have|access|see|know|assume|ask)\b)|what if\b|"
                         r"how (do|would|should|can|could) (you|we|i|one)\b(?! (have|know|get|find out) (the|how many))|"
                         r"why (would|is|does|do)\b)", re.I)
_CHECK_IN_Q = re.compile(
    r"\b(make sense|sound (ok|okay|good|right|reasonable)|sounds? (ok|okay|good|right|reasonable)|right (direction|track)|"
    r"on track|sounds? like (a |the )?(reasonable|good|sensible|right|solid)|"
    r"(does|do) (that|this|it)( \w+)? (match|fit|align|work|sound)|"
    r"is (that|this) (about |roughly )?(right|accurate)|"
    r"is (that|this) (ok|okay|fine|right|enough|reasonable|a reasonable|correct|good|sensible|acceptable|"
    r"how|what you|the kind|the right)|am i (on|going|missing|right)|enough\??$|(ok|okay|correct)\s*\?$|"
    r"would that (work|be ok|be enough|be fine)|does that (work|cover|answer)|good enough|"
    r"should i (go|think|say|add|talk|cover|mention|keep|elaborate|move|continue|stop)|want me to|do you want|shall i|"
    r"(was|is) (the|my|that) (level of detail|depth|detail|pace) (right|ok|okay|enough|fine)|"
    r"am i doing (ok|okay|alright|all right|well|fine|good)|(roughly |about |more or less )?what you('?d| would)? expect)\b|"
    r"合理吗|合不合理|对吗|可以吗|行吗|これでいい|大丈夫ですか|"
    r"правильно\?|нормально\?",
    re.I)
_OPINION_Q = re.compile(
    r"\b(should (i|we|it|the|this|that)|which (one|is|would)|what('?s| is| would be) (better|best|usual|typical|standard|"
    r"common|the right|a good|reasonable)|better|best|usually|typically|standard|common(ly)?|worth|"
    r"would you|do you (think|recommend|prefer|suggest)|how (long|often|many|much) should|what do people|"
    r"what have you seen|in your experience|what do you (usually |typically )?see|what works (best|in practice)|"
    r"is there a (rule|standard|best)|normal(ly)?)\b|qu[ée] (opinan?|opinas|piensas?|piensan)|qu.en pensez|"
    r"was (meinen|denken) sie|was denkst du|o que (voc[eê]|vocês) acha|cosa ne pensi|wat vind (je|jij|u)|"
    r"как вы думаете|что вы думаете|你(们)?觉得|您觉得|你怎么看|どう思い|어떻게 생각", re.I)

# "I think it's a classification problem?", "So maybe we measure conversion?", "I think that's it?": a statement said
# with a rising voice, checking itself, not a request for a fact
_TENTATIVE_Q = re.compile(r"^\W*((so|and|hmm+|um+|uh+|ok(ay)?|well|then|right)\W+)*(i think|i guess|i'?d (say|guess)|"
                          r"i suppose|i believe|maybe|probably|perhaps|that'?s (it|all|enough)|"
                          r"it'?s (probably |maybe |just )?(a|an|like)\b|"
                          r"we (could|would|can) (just )?(use|train|predict|measure|sort|rank)|like,? )", re.I)
_ASKS_FACT = re.compile(r"\b(how (many|much|big|fast|often|long)|what('?s| is| are) (the|our|your)|"
                        r"do (we|you) (have|know|log|track)|is there|are there|you|your)\b", re.I)


def tentative(question: str) -> bool:
    """Whether a question is the candidate's own statement checking itself ("I think it's a classification problem?",
    "So maybe we measure conversion rate from search? And click-through rate?"), which asks nothing of the
    product's facts (a fragment after such a question goes with it)."""
    q = question.strip()
    if not q.endswith(("?", "？")) or _ASKS_FACT.search(q):
        return False
    if _TENTATIVE_Q.match(q):
        return True
    tail = re.search(r"(?<=[?？])\s*(and|or)\s+[^?？]*[?？]$", q, re.I)  # "...? And click-through rate?"
    return tail is not None and not _AUX_START.match(q[tail.start():]) and tentative(q[:tail.start()].strip())


def own_checks(text: str) -> set[str]:
    """The questions of a turn that are the candidate checking their own statement (`tentative`), a fragment after one
    included ("So maybe we measure conversion rate? And click-through rate?"), stripped of " ?."."""
    checks, previous = set(), False
    for sentence in _sentences(text):
        q = sentence.strip()
        if not q.endswith(("?", "？")):
            previous = False
            continue
        fragment = re.match(r"\W*(and|or)\s", q, re.I) is not None and not _AUX_START.match(q) and not _ASKS_FACT.search(q)
        previous = tentative(q) or (previous and fragment)
        if previous:
            checks.add(q.rstrip(" ?.？"))
    return checks


_AUX_START = re.compile(r"\W*(and|or)\s+(what|how|is|are|do|does|did|can|could|will|would|should|which|who|when|where|why)\b",
                        re.I)


# "I should split by time, right?": a tag on the candidate's own plan checks it; "we don't have labels, right?" asks
# a fact
_OWN_TAG = re.compile(r"\b(i|i'?d|i'?ll|i'?m|my|me)\b[^?]*,?\s*(right|no|yes)\s*\?$", re.I)


def asks_approval(question: str) -> bool:
    """Whether a check-in asks outright for a view on the answer ("Does that make sense?", "Am I on track?"), as
    opposed to a statement said with a rising voice (`tentative`), which gets no verdict."""
    return question.strip().endswith(("?", "？")) and (_CHECK_IN_Q.search(question) is not None or
                                                        _OWN_TAG.search(question) is not None)


def direct_question(question: str) -> DirectQuestion | None:
    """What a question inside an answer asks of the interviewer, when it is not a request for a fact: a
    `check-in` on the answer ("Am I on the right track?", "Is that enough?"), or the interviewer's `opinion`
    ("How long should the A/B test run?", "Which one is better?"). A good interviewer answers either briefly
    and hands the decision back to the candidate; neither is ignored."""
    q = question.strip()
    if not q.endswith(("?", "？")):
        return None
    if _CHECK_IN_Q.search(q) or tentative(q) or _OWN_TAG.search(q):
        return "check-in"
    if _PERSONAL_Q.search(q):
        return "personal"
    if _OPINION_Q.search(q):
        return "opinion"
    if _PROPOSAL_Q.match(q) and not _ASKS_FACT.search(q.replace("you", "").replace("your", "")):
        return "proposal"
    return None


MoveCue = Literal["time", "repeat", "hint", "wrap_up", "thanks", "permission", "steer"]
MOVE_NOT_FACT = ("permission", "steer", "hint", "time", "repeat")  # a question asking for one of these asks no fact


@lru_cache(maxsize=1)
def _move_cues() -> tuple[tuple[str, re.Pattern], ...]:
    """`prompts/cues.yaml` compiled: per move, one pattern of its alternatives."""
    return tuple((cue, re.compile("|".join(words), re.I)) for cue, words in move_cues().moves.items())


def wraps_up_with_thanks(text: str) -> bool:
    """Whether a turn announces its own end and thanks ("Okay, I'll wrap up then. So: ... Thanks so much!", "Prima, ik
    rond af. Samengevat: ... Bedankt!"): a goodbye however long its summary (the announcement within its first three
    sentences, the thanks there or within its last two)."""
    cues = dict(_move_cues())
    sentences = _sentences(text)
    head, tail = " ".join(sentences[:3]), " ".join(sentences[-2:])  # "How am I on time? OK. So, to recap: ..."
    return (bool(cues["wrap_up"].search(head)) and bool(cues["thanks"].search(tail))) or \
        (bool(cues["done"].search(head)) and bool(cues["thanks"].search(head)))  # "That covers it... Thanks — ..."


GOODBYE_WORDS = 80  # a turn this long or longer is a design that mentions thanks, not a goodbye


def says_goodbye(text: str) -> bool:
    """Whether a turn ends the candidate's side with a goodbye, in any language: within its last two sentences it
    thanks for the interview as a whole ("Vielen Dank für das Gespräch!"), or it closes ("I think that's my design",
    "C'est tout") and thanks or asks for feedback; a last question may follow ("... Any feedback?"). Never a long
    turn."""
    if len(text.split()) >= GOODBYE_WORDS:
        return False
    cues = dict(_move_cues())
    sentences = _sentences(text)
    tail = " ".join(sentences[-3:] if sentences and sentences[-1].rstrip().endswith(("?", "？")) else sentences[-2:])
    closes = bool(cues["closing"].search(tail))
    last3 = " ".join(sentences[-3:])  # "That's all I have. Thank you, merci. I'll read about uplift tonight."
    return bool(cues["goodbye"].search(tail)) or (closes and bool(cues["thanks"].search(tail))) or \
        (bool(cues["closing"].search(last3)) and bool(cues["thanks"].search(last3)) and
         stage_header(sentences[-1]) is None and not re.match(r"\W*(now|next|then|moving on)\b", sentences[-1], re.I)) or \
        (bool(cues["closing"].search(last := " ".join(sentences[-3:]))) and asks_feedback(last))  # "That's it. Feedback?"


def closes(text: str) -> bool:
    """Whether a turn's last two sentences say the candidate is done ("That's all I have, sorry for my English."):
    never a turn to let go on."""
    return bool(dict(_move_cues())["closing"].search(" ".join(_sentences(text)[-2:])))


def asks_feedback(text: str) -> bool:
    """Whether a turn asks for feedback or what to study ("Any feedback for me?", "What should I work on?")."""
    return bool(dict(_move_cues())["feedback"].search(text))


def asks_about_you(text: str) -> bool:
    """Whether one of a turn's last three sentences asks about the interviewer's side ("Could I ask what the team looks
    like?", "How large is your review team compared to the ML team?"): a question of the candidate's own, said near
    the end, that a good interviewer answers before saying goodbye."""
    cues = dict(_move_cues())
    about, ask = cues["about_you"], cues["ask_you"]
    return any((about.search(x) or ((m := ask.search(x)) and len(x[m.end():].split()) >= 5)) and  # "One question for
               (x.rstrip().endswith(("?", "？")) or re.search(r"\b(ask|curious|wonder|know)\b", x, re.I))  # you: how ...?"
               for x in _sentences(text)[-3:])


def asks_to_ask(text: str) -> bool:
    """Whether a turn ends by asking leave to ask the interviewer something ("Do you have time for one question from
    my side?"): the answer is "go ahead", and the question comes next."""
    sentences = _sentences(text)
    last = sentences[-1] if sentences else ""
    return bool(dict(_move_cues())["ask_you"].search(last)) and not asks_about_you(text)  # the question not yet asked


def thanks_in_tail(text: str) -> bool:
    """Whether a turn thanks the interviewer within its first two sentences or its last two."""
    sentences = _sentences(text)
    thanks = dict(_move_cues())["thanks"]
    return bool(thanks.search(" ".join(sentences[:2])) or thanks.search(" ".join(sentences[-2:])))


def thanks_only(text: str) -> bool:
    """Whether the only closing words of a turn are thanks ("Hi! Thanks for your time today."): at the start of an
    interview, a greeting, not a goodbye."""
    cues = dict(_move_cues())
    bye = re.compile(r"\b((good ?)?bye|see you|let'?s (stop|end|wrap)|i'?m done|that'?s all|au revoir|adi[oó]s|tsch[üu]ss)\b",
                     re.I)
    return bool(cues["thanks"].search(text)) and not bye.search(text)


def move_cue(text: str) -> MoveCue | None:
    """The conversational move a turn's words ask for, in any of the languages candidates write in: the time left,
    a repeat, a hint, or where to go next ("Where should I go deeper?")."""
    for cue, pattern in _move_cues():
        if cue not in ("wrap_up", "done", "thanks", "goodbye", "closing", "feedback", "about_you", "ask_you") and \
                pattern.search(text):
            return cue
    return None


# "How am I doing?", "Am I on track?": a question about how it goes, not about the clock
_HOW_AM_I = re.compile(r"\bhow am i doing\b|\bhow('?s| is) (it|this) going\b|\bam i (doing )?(ok|okay|alright|fine|on track)\b|"
                       r"\bhow did i do\b|\bwie mache ich|\bc[oó]mo (lo )?(voy|estoy)|\bcomment je (m'en sors|me d[ée]brouille)|"
                       r"как я справляюсь|как у меня (получается|дела)|обратн\w+ связь|我表现|表现得怎么样",
                       re.I)
_CLOCK = re.compile(r"\b(time|minutes?|clock|tiempo|temps|zeit|tempo)\b|时间|時間", re.I)


def asks_how_doing(text: str) -> bool:
    """Whether a turn asks how the candidate is doing ("How am I doing so far?"), not how much time is left."""
    return bool(_HOW_AM_I.search(text)) and not _CLOCK.search(text)


def asks_to_steer(text: str) -> bool:
    """Whether a turn asks the interviewer where to go ("Should I go deeper on the model, or keep moving?"), beside
    whatever else it asks."""
    return any(cue == "steer" and pattern.search(text) for cue, pattern in _move_cues())


_TERM_ASKED = re.compile(r"(?:mean(?:t)? by|meaning of|(?:understand|know) the (?:word|term)(?:\.{2,3}|…)?|"
                         r"what(?:'s| is| are| does)|define|是指|指的是|qu'est-ce que|что такое|"
                         r"qué es|was ist|o que é|cosa (?:si intende per|è))\s+(?:the |a |an |this |that |)?"
                         r"['\"‘’“”«]?([\w@\- ]{2,40}?)['\"‘’“”»]?"
                         r"(?=\s+(?:mean|means|here|exactly|in this|again|stand|refer)\b|\s*[?？.,!])", re.I)


# The term before the words that ask its meaning: "您说的 'guardrail metric' 是什么意思?"
_TERM_ASKED_AFTER = re.compile(r"['\"‘’“”«「]?([\w@\- ]{2,40}?)['\"‘’“”»」]?\s*"
                               r"(?:是什么意思|是什么|指的是什么|とは|って何|の意味|란 무엇|가 뭐)", re.I)


def asked_term(text: str) -> str | None:
    """The term a question about meaning asks about ("What do you mean by 'interleaving'?" → "interleaving"), or
    None when it names none."""
    m = _TERM_ASKED.search(text) or _TERM_ASKED_AFTER.search(text)
    return m.group(1).strip().lower() if m else None


def defined_terms(text: str) -> list[tuple[str, Term]]:
    """Every glossary term a text names, in the order written, as written (the longest form of each; "the ML
    objective versus the business objective" names two)."""
    lowered = text.lower()
    found = {}
    for term in glossary().terms:
        hits = [m for form in term.forms for m in [re.search(rf"(?<![\w-]){re.escape(form)}(?![\w-])", lowered)] if m]
        if hits:
            longest = max(hits, key=lambda m: (len(m.group(0)), -m.start()))
            found[min(m.start() for m in hits)] = (text[longest.start():longest.end()], term)  # as the candidate wrote it
    return [found[k] for k in sorted(found)]


def defined_term(text: str, prefer: str = "") -> tuple[str, Term] | None:
    """The glossary term a candidate's text names (the form as written, and its entry): the longest form found,
    those in `prefer` (what the interviewer said) first."""
    lowered = text.lower()
    found = [(form, term) for term in glossary().terms for form in term.forms
             if re.search(rf"(?<![\w-]){re.escape(form)}(?![\w-])", lowered)]
    if not found:
        return None
    said = prefer.lower()
    return max(found, key=lambda f: (f[0] in said, len(f[0])))


# Figures: a candidate who restates the scenario's numbers wrongly ("a corpus in the low billions" after 800 million
# videos) is corrected, as an interviewer would, with the fact's own sentence.
_MAGNITUDE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mm": 1e6, "million": 1e6, "millions": 1e6, "b": 1e9, "bn": 1e9,
              "billion": 1e9, "billions": 1e9}
_VAGUE = ((r"\b(low|a few|few|several|couple of|a couple of)\s+(thousands?|millions?|billions?)\b", 1.5),
          (r"\b(a|one)\s+(thousand|million|billion)\b", 1.0),
          (r"\btens of\s+(thousands|millions|billions)\b", 30.0), (r"\bhundreds of\s+(thousands|millions|billions)\b", 300.0))
_NUMBER = re.compile(r"(?<![\w.\-–])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(k|mm|m|bn|b|thousand|million|billion)?(?![\w])",
                     re.I)
_PER_SECOND = re.compile(r"per second|a second|/s\b|/sec\b|\bqps\b|\brps\b|per sec\b", re.I)
_PER_DAY = re.compile(r"per day|a day|/day|daily|every day|each day|\bdau\b", re.I)
_NOT_COUNTS = re.compile(r"%|percent|\bms\b|millisecond|second(s)?\b(?! (average|peak))|minute|hour|week|month|year|"
                         r"\$|dollar|cent|gpu|core|\bx\b|times|top[- ]?\d|@", re.I)
_PERCENT = re.compile(r"(?<![\w.\-–])(\d+(?:\.\d+)?)\s*(%|percent\b|per cent\b|prozent\b|por ciento\b|pour ?cent\b)",
                      re.I)  # not the upper end of a range ("0.1-0.3 %")
_DURATION = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*(ms|msec|milliseconds?|millisekunden|milisegundos|毫秒|"
                       r"s|sec|secs|seconds?|sekunden|segundos|秒)(?![\w])", re.I)
_LATENCY_WORDS = re.compile(r"latenc|budget|p9\d|respon|render|return|load|within|under|end to end|end-to-end|call|"
                            r"request|page|decision|score|latenz|antwort|respuesta|延迟|以内", re.I)
# Figures that are not a value to restate: a bound ("under 1 %", "at least 300k"), a funnel step ("10M -> ~10k",
# "cut down to 500"), a range's first end ("5-10 thousand", "0.1-0.3 %")
_BOUND = re.compile(r"(under|below|less than|fewer than|at most|up to|over|above|more than|at least|<|>|->|→|"
                    r"down to|cut (it )?to|narrow(s|ed)? (it )?to|trim(s|med)? to|filter(s|ed)? to|leav(es|ing)|"
                    r"gets? (it )?(down )?to)\s*~?\s*$", re.I)
_RANGE_END = re.compile(r"\s*(-|–|to)\s*\d", re.I)
RATES = ("%", "ms")  # the figures besides counts: shares, and latencies (a budget the candidate loosens)
FIGURE_OFF_BY = 1.5  # a restated count this many times off the fact's is corrected (a rounding is not)
FIGURE_TOPIC_AT = 0.55  # ... when the words around it are this like the words around the fact's
LATENCY_TOPIC_AT = 0.35  # ... a latency, looser: a scenario states one budget or two, and only a loosened one counts


def figures(text: str) -> list[tuple[float, str, str]]:
    """The counts a text states, each with its period ("second", "day" or "") and its clause: "200M daily users"
    → (2e8, "day", "200M daily users"); and its shares ("%": "about 5 percent cancel") and latencies in a clause
    about time to answer ("ms": "render within 300 ms", seconds converted). Prices and ranks are not read."""
    out: list[tuple[float, str, str]] = []
    for clause in re.split(r"[.;:!?]\s|,\s|\s(?:and|but|with|plus)\s|\n", text):
        clause = clause.strip()
        found: list[tuple[float, int, int]] = []
        for pattern, factor in _VAGUE:
            for m in re.finditer(pattern, clause, re.I):
                unit = m.group(m.lastindex).lower().rstrip("s")
                found.append((factor * _MAGNITUDE[unit], m.start(), m.end()))
        for m in _NUMBER.finditer(clause):
            if any(a <= m.start() < b for _, a, b in found):
                continue
            value = float(m.group(1).replace(",", "")) * _MAGNITUDE.get((m.group(2) or "").lower(), 1.0)
            if value >= 100:  # small numbers are counts of things, versions, ratios
                found.append((value, m.start(), m.end()))
        for value, start, end in found:
            if _NOT_COUNTS.match(clause[end:].strip()[:12] or " ") or _NOT_COUNTS.search(clause[max(0, start - 2):start]):
                continue
            if _BOUND.search(clause[max(0, start - 14):start]) or _RANGE_END.match(clause[end:]):
                continue  # "under 1 %", "10M -> ~10k", "5-10 thousand": a bound, a funnel step or a range
            period = "second" if _PER_SECOND.search(clause) else "day" if _PER_DAY.search(clause) else ""
            out.append((value, period, clause))
        out += [(float(m.group(1)), "%", clause) for m in _PERCENT.finditer(clause)
                if not _BOUND.search(clause[max(0, m.start() - 14):m.start()])]
        if _LATENCY_WORDS.search(clause):
            out += [(float(m.group(1)) * (1.0 if m.group(2).lower().startswith(("m", "毫")) else 1000.0), "ms", clause)
                    for m in _DURATION.finditer(clause)]
    return out


def cites_untold(question: str, told: str) -> bool:
    """Whether a question refers to a figure the interviewer has not told ("Using the $120 and $8 figures, ..."
    before the cost of errors was given)."""
    return any(n.rstrip(".,") not in told for n in re.findall(r"\d[\d,.]*", question))


AGREES_NEAR = 0.15  # a figure that another fact of about the same topic states (within this much less alike) agrees
# a count of one unit's share ("per city", "for one request", "in a mid-size city"): not the fact's total
_SCOPE = re.compile(r"\b(?:per|each|every|for (?:one|a|each|every)|in (?:a|one|each)|"
                    r"a (?:single|given|typical|mid-?size|big|small|large|busy)|one)\s+(?:[\w-]+\s+)?"
                    r"(city|cities|request|query|querie|user|page|session|category|market|country|region|merchant|"
                    r"advertiser|campaign|slot|post)s?\b", re.I)


# A part of a design the candidate brings in ("the holdout", "your exploration slots", "the heavy model"): a follow-up
# that names one with "the" or "your" presumes the candidate proposed it
_DESIGN_PART = re.compile(r"\b(?:the|your)\s+(?:[\w-]+\s+)?(holdout|hold-out|exploration|slots?|thresholds?|band|tower|"
                          r"negatives|head|cache|heav(?:y|ier)|diversity|weights|handover|embeddings|ranker'?s?|target|judge|"
                          r"fallback|canary|shadow|queue|layers?|cascade|ensemble|student|teacher|re-?ranker|"
                          r"cross-encoder|two-tower|bandit)\b", re.I)


def presumes_unsaid(question: str, spoken: str) -> bool:
    """Whether a follow-up's question presumes a part of the design nobody brought in ("How large can the holdout
    be ...?" when no holdout came up, "your exploration slots"): a design part named after "the" or "your" in its
    question sentences that neither the candidate, the interviewer nor the follow-up's own set-up has used."""
    sentences = re.split(r"(?<=[.!?])\s+", question)
    context = " ".join(x for x in sentences if not x.rstrip().endswith("?"))
    seen = f"{spoken} {context}".lower().replace("-", "")
    return any(m.group(1).lower().replace("-", "").rstrip("'s")[:5] not in seen
               for x in sentences if x.rstrip().endswith("?") for m in _DESIGN_PART.finditer(x))


def contradicted(said: list[tuple[float, str, str]], facts: list[tuple[float, str, str]],
                 similarity: Sequence[Sequence[float]]) -> list[int]:
    """Which facts' figures the candidate's figures contradict: for each figure the candidate states, the fact figure
    whose surrounding words are most like its own (`similarity[i][j]`, at least `FIGURE_TOPIC_AT`), of the same
    period, off by `FIGURE_OFF_BY` or more (a latency only above the fact's: a budget loosened, never a part of it).
    Indices into `facts`, each once."""
    wrong: list[int] = []
    for i, (value, period, clause) in enumerate(said):
        row = [s if facts[j][1] == period else -1.0 for j, s in enumerate(similarity[i])]
        if not row:
            continue
        j = max(range(len(row)), key=lambda k: row[k])
        if row[j] < (LATENCY_TOPIC_AT if period == "ms" else FIGURE_TOPIC_AT) or j in wrong or not value or \
                not facts[j][0]:
            continue
        if period != "ms" and any(f[0] and f[1] == period and max(value / f[0], f[0] / value) < FIGURE_OFF_BY and
                                  row[k] >= FIGURE_TOPIC_AT - AGREES_NEAR for k, f in enumerate(facts)):
            continue  # "a few thousand ads" beside "10 million active ads ... a few thousand eligible per request"
        scope = {m.lower().rstrip("s") for m in _SCOPE.findall(clause)}
        if scope and not scope & {m.lower().rstrip("s") for m in _SCOPE.findall(facts[j][2])}:
            continue  # "a mid-size city has 2,000 events" is not the million listed in all
        ratio = value / facts[j][0] if period == "ms" else max(value / facts[j][0], facts[j][0] / value)
        if ratio >= FIGURE_OFF_BY:  # a latency only when looser than the budget: a part of it is smaller by right
            wrong.append(j)
    return wrong


def classic_mistake(text: str, facts: Iterable[str], challenged: Iterable[str] = ()) -> Mistake | None:
    """The classic mistake a turn states (`prompts/mistakes.yaml`: accuracy on a rare class, a random split of data
    ordered in time) and does not take back in the same turn, for a scenario with the facts it needs, unless it was
    `challenged` already: an interviewer challenges it wherever it comes, once."""
    facts, done = set(facts), set(challenged)
    for mistake in mistakes().mistakes:
        if mistake.id in done or (mistake.needs and not facts & set(mistake.needs)):
            continue
        if re.search(mistake.states, text, re.I) and not re.search(mistake.unless, text, re.I):
            return mistake
    return None
