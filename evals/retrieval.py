"""Retrieval eval: recall@1, recall@5 and MRR of `interviewer.search` on labelled queries.

Each query names the corpus section that answers it (and, in `also`, other sections that
answer it equally well). A passage is a hit when its origin matches and its heading path
contains the named heading.

    python -m evals retrieval [--queries FILE] [--json]
"""

from __future__ import annotations

import json
from pathlib import Path

from tqdm import tqdm

from interviewer import search

QUERIES = Path(__file__).parent / "data" / "retrieval-queries.jsonl"


def is_hit(passage, targets: list[dict]) -> bool:
    headings = {h.strip().lower() for h in passage.section.split(" > ")}
    return any(t["origin"] == passage.origin and t["section"].strip().lower() in headings for t in targets)


def evaluate(queries: list[dict], k: int = 5, progress: bool = False) -> dict:
    first_hits = []
    misses = []
    for q in tqdm(queries, desc="Queries", disable=not progress):
        targets = [{"origin": q["origin"], "section": q["section"]}, *q.get("also", [])]
        passages = search(q["query"], k=k)
        rank = next((p.rank for p in passages if is_hit(p, targets)), None)
        first_hits.append(rank)
        if rank is None:
            misses.append({"id": q["id"], "query": q["query"], "top": passages[0].section if passages else None})
    n = len(queries)
    return {
        "n": n,
        "recall@1": round(sum(r == 1 for r in first_hits if r) / n, 4),
        f"recall@{k}": round(sum(r is not None for r in first_hits) / n, 4),
        "mrr": round(sum(1 / r for r in first_hits if r) / n, 4),
        "misses": misses,
    }


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main(queries: Path = QUERIES, as_json: bool = False) -> int:
    """`python -m evals retrieval`: recall@k and MRR of the search over the labelled queries."""
    result = evaluate(load(queries), progress=not as_json)
    if as_json:
        print(json.dumps(result, indent=2))
    else:
        print(f"n={result['n']}  recall@1={result['recall@1']:.3f}  recall@5={result['recall@5']:.3f}  "
              f"MRR={result['mrr']:.3f}")
        for miss in result["misses"]:
            print(f"  miss {miss['id']}: {miss['query']!r} -> top: {miss['top']}")
    return 0
