"""The seeds question sets bench/quality.py measures are well formed: a set whose gold
answer is not in its gold document would count a right answer as wrong."""

from pathlib import Path

import pytest

from qa.evaluation import read_questions

ROOT = Path(__file__).resolve().parents[1]
SEEDS = {p.stem: p.read_text(encoding="utf-8") for p in (ROOT / "seeds").glob("*.txt")}
SETS = sorted(p.name for p in (ROOT / "bench" / "questions").glob("seeds*.jsonl"))


@pytest.mark.parametrize("name", SETS)
def test_every_gold_answer_is_in_its_gold_documents(name):
    questions = read_questions(ROOT / "bench" / "questions" / name)
    assert sum(q.answerable for q in questions) >= 30
    assert sum(not q.answerable for q in questions) >= 10
    for q in questions:
        for doc in q.gold_documents:
            assert doc in SEEDS, (q.id, doc)
            text = SEEDS[doc].lower()
            assert any(a.lower() in text for a in q.answers), (q.id, doc)
