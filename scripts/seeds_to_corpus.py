"""Convert the three regularly laid-out seed documents into structured Markdown.

Run once by a maintainer (`python scripts/seeds_to_corpus.py ../shared/seeds corpus`);
the output is committed under `corpus/`. The other two seeds were structured by hand
(see corpus/README.md). Text is repaired with the same `normalise_text` that ingest uses.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from interviewer.corpus.normalise import normalise_text


def front_matter(title: str, origin: str) -> str:
    return f"---\ntitle: \"{title}\"\norigin: {origin}\n---\n\n# {title}\n"


def trap_quiz(text: str, origin: str) -> str:
    lines = [line.strip() for line in text.splitlines()]
    out = [front_matter("ML System Design Trap Quiz", origin)]
    out.append("Five interview questions, each built around a tempting wrong answer (the trap).\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if re.fullmatch(r"(hard|medium|easy) ML System Design", line) and i + 1 < len(lines) and lines[i + 1].endswith("Trap"):
            difficulty, title, prompt, keywords = line.split()[0], lines[i + 1], lines[i + 2], lines[i + 3]
            out.append(f"\n## {title}\n\nDifficulty: {difficulty}. Topics: {keywords}.\n")
            out.append(f"\n### Question\n\n{prompt}\n")
            i += 4
            continue
        if line in {"The Trap", "Correct Approach", "Follow-up Questions"}:
            out.append(f"\n### {line}\n")
        elif line.startswith("•"):
            out.append(f"- {line.lstrip('• ').strip()}")
        elif line and not re.match(r"(Question \d of \d|Back to Categories|Quiz Complete|ML System Design|0 / 5|"
                                   r"Questions answered|Retry Quiz)", line) and len(out) > 2:
            out.append(f"\n{line}\n")
        i += 1
    return "\n".join(out)


def grill(text: str, origin: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    out = [front_matter("ML System Design Interview Grill", origin)]
    for line in lines[1:]:
        if m := re.fullmatch(r"([A-I])\. (.+)", line):
            out.append(f"\n## {m.group(1)}. {m.group(2)}\n")
        elif line in {"Quick fire", "Self-grading"}:
            out.append(f"\n## {line}\n")
        elif re.match(r"\d+\. ", line):
            # Quick-fire items share one line: split on the item numbers.
            for number, body in re.findall(r"(\d+)\. (.+?)(?=\s+\d+\. |$)", line):
                question, _, answer = body.partition("? ")
                out.append(f"\n### {number}. {question}?\n\n{answer.strip()}\n")
        else:
            out.append(f"\n{line}\n")
    return "\n".join(out)


QA_PARTS = {"TL;DR:": "TL;DR", "Conceptual Explanation": None, "Technical / Math Details": None,
            "Trade-offs & Production Notes": None, "Common Pitfalls": None, "Interview-ready Answer": None}


def interview_qa(text: str, origin: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    out = [front_matter("ML System Design: Theory and Interview Q&A", origin)]
    for line in lines[1:]:
        if line in {"Flashcards", "Short Theories", "Interview Q&A", "Key Formulas", "Cheatsheet"}:
            out.append(f"\n## {line}\n")
        elif re.match(r"Q\d+: ", line):
            out.append(f"\n### {line}\n")
        elif line.startswith("TL;DR:"):
            out.append(f"\n#### TL;DR\n\n{line[len('TL;DR:'):].strip()}\n")
        elif line in QA_PARTS:
            out.append(f"\n#### {line}\n")
        elif re.fullmatch(r"[A-Z][A-Za-z0-9 @/()\-]+", line) and len(line) < 60 and out[-1].startswith(("\n## Key", "- ")):
            out.append(f"\n### {line}\n")
        elif line.startswith("- "):
            out.append(line)
        else:
            out.append(f"\n{line}\n")
    return "\n".join(out)


CONVERTERS = {
    "000": ("ml-system-design-trap-quiz.md", trap_quiz),
    "001": ("ml-system-design-interview-grill.md", grill),
    "003": ("ml-system-design-interview-qa.md", interview_qa),
}


def main(seeds: Path, corpus: Path) -> None:
    for seed in sorted(seeds.glob("*.txt")):
        prefix = seed.name[:3]
        if prefix not in CONVERTERS:
            continue
        name, convert = CONVERTERS[prefix]
        markdown = convert(normalise_text(seed.read_text(encoding="utf-8")), seed.name)
        (corpus / name).write_text(normalise_text(markdown), encoding="utf-8")
        print(f"{seed.name} -> {corpus / name}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
