
import pytest

from interviewer.corpus.normalise import decode_bytes, normalise_text, repair_greek_debris

from .conftest import SEEDS

# Lines exactly as they stand in the damaged seed 003 (UTF-8 read as Windows-1253, bytes 0x80-0x9F lost).
DAMAGED = {
    "π Flashcards": "Flashcards",
    "β‘ Short Theories": "Short Theories",
    "π€ Interview Q&A": "Interview Q&A",
    "π― TL;DR: Start by clarifying goals": "TL;DR: Start by clarifying goals",
    "βοΈ Trade-offs & Production Notes": "Trade-offs & Production Notes",
    "π¨ Common Pitfalls": "Common Pitfalls",
    "β Cheatsheet": "Cheatsheet",
    "No heavy math β focus on mapping requirements to components:":
        "No heavy math — focus on mapping requirements to components:",
    "- Define input/output (query β ranked list).": "- Define input/output (query → ranked list).",
    "The funnel (recall β coarse scoring β fine ranking) prunes": "The funnel (recall → coarse scoring → fine ranking) prunes",
    "- Deployment: canary β phased rollout β full rollout; shadow mode":
        "- Deployment: canary → phased rollout → full rollout; shadow mode",
    "define one or two clear online metrics β e.g., CTR and session retention β to judge":
        "define one or two clear online metrics — e.g., CTR and session retention — to judge",
    "- Equivalent to the MannβWhitney U statistic.": "- Equivalent to the Mann–Whitney U statistic.",
    "if recall stage returns k candidates « N, compute": "if recall stage returns k candidates ≪ N, compute",
}


@pytest.mark.parametrize("damaged,clean", DAMAGED.items())
def test_repairs_actual_damaged_lines(damaged, clean):
    assert normalise_text(damaged).strip() == clean


def test_clean_text_is_unchanged():
    text = "Two-stage retrieval → ranking — p99 matters; “quoted” text, 2-4× faster, αβγ in a formula.\n"
    assert normalise_text(text) == text


def test_reversible_mojibake_and_nbsp_are_fixed():
    assert normalise_text("donâ€™t stop\u00a0now") == "don’t stop now\n"


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds not present")
def test_whole_damaged_seed_has_no_debris_left():
    raw = (SEEDS / "003_2a2628a915f975d6.txt").read_text(encoding="utf-8")
    assert "π" in raw and "β" in raw
    fixed = normalise_text(raw)
    for debris in ("π", "β", "οΈ", "Έ", "\u00a0"):
        assert debris not in fixed
    assert fixed.count("Common Pitfalls") == raw.count("Common Pitfalls")


def test_repair_is_idempotent():
    once = repair_greek_debris("π― TL;DR: a β b β c")
    assert repair_greek_debris(once) == once == "TL;DR: a → b → c"


def test_decode_bytes_rejects_binary_and_empty():
    assert decode_bytes(b"") is None
    assert decode_bytes(b"   \n") is None
    assert decode_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR") is None
    assert decode_bytes(bytes(range(1, 32)) * 50) is None
    assert decode_bytes("caf\u00e9".encode("cp1252")) == "café"
    assert decode_bytes("\ufeffhello".encode("utf-8")) == "hello"
