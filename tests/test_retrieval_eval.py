from evals.retrieval import QUERIES, evaluate, is_hit, load
from interviewer import Passage


def test_labelled_queries_meet_the_recall_goal(indexed_home):
    queries = load(QUERIES)
    assert len(queries) >= 40
    result = evaluate(queries)
    assert result["recall@5"] >= 0.9, result["misses"]
    assert result["mrr"] >= 0.7


def test_hit_matches_any_heading_of_the_path():
    p = Passage(rank=1, score=0.5, document="d", origin="o.txt", section="Q6: Debug > TL;DR", text="t")
    assert is_hit(p, [{"origin": "o.txt", "section": "q6: debug"}])
    assert not is_hit(p, [{"origin": "other.txt", "section": "Q6: Debug"}])
    assert not is_hit(p, [{"origin": "o.txt", "section": "Q6"}])
