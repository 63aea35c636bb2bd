"""The interviewer: a dialogue over the framework stages (`agent.Interview`), made of small parts:
acts (what a candidate turn is), plan, state (replayed from the transcript), policy (pure decisions),
leaks (the leak check) and phrasing (offline templates or the LLM)."""

from .acts import ACTS, acts_of, classify, kind_for
from .acts import decide as decide_acts
from .acts import features as act_features
from .acts import ngram_probabilities as act_ngram_probabilities
from .acts import ngram_vectorizer as act_ngram_vectorizer
from .agent import Event, Interview
from .leaks import EXEMPT_FROM_LEAK_CHECK, find_leak
from .phrasing import LLMPhraser, OfflinePhraser, Phraser, phraser_for
from .plan import MODES, make_plan
from .policy import MAX_FOLLOW_UPS
from .state import replay

__all__ = ["Interview", "Event", "classify", "ACTS", "acts_of", "kind_for", "decide_acts", "act_features",
           "act_ngram_probabilities", "act_ngram_vectorizer",
            "find_leak", "make_plan", "replay", "MODES", "MAX_FOLLOW_UPS",
           "EXEMPT_FROM_LEAK_CHECK", "Phraser", "OfflinePhraser", "LLMPhraser", "phraser_for"]
