"""Evaluation: the pure metrics on hand-computed rankings, and run_eval against a fake
service (aggregation, abstention metrics, also_in, bad question files)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from qa.errors import BadRequestError
from qa.evaluation import (PASSAGES_FOR_RANKING, 
    contains_any,
    document_ranking,
    format_report,
    mrr_at,
    ndcg_at,
    read_questions,
    recall_at,
    run_eval,
)
from qa.models import Answer, Hit
from qa.service import AskResult

G2 = 1 / math.log2(3)  # gain at rank 2
G3 = 1 / math.log2(4)  # gain at rank 3 (= 0.5)


# -- pure metrics ---------------------------------------------------------------------

def test_recall_at_counts_share_of_gold_within_k():
    ranking = [["a"], ["b"], ["c"]]
    assert recall_at(ranking, ["b"], 1) == 0.0
    assert recall_at(ranking, ["b"], 2) == 1.0
    assert recall_at(ranking, ["a", "c"], 1) == 0.5
    assert recall_at(ranking, ["a", "c"], 5) == 1.0
    assert recall_at(ranking, ["z"], 10) == 0.0


def test_mrr_at_uses_best_gold_rank_and_cutoff():
    ranking = [["a"], ["b"], ["c"]]
    assert mrr_at(ranking, ["b"], 10) == 0.5
    assert mrr_at(ranking, ["c", "b"], 10) == 0.5
    assert mrr_at(ranking, ["c"], 10) == pytest.approx(1 / 3)
    assert mrr_at(ranking, ["c"], 2) == 0.0
    assert mrr_at(ranking, ["z"], 10) == 0.0


def test_ndcg_at_binary_relevance():
    ranking = [["a"], ["b"], ["c"]]
    assert ndcg_at(ranking, ["a"], 10) == 1.0
    assert ndcg_at(ranking, ["b"], 10) == pytest.approx(G2)          # 0.6309
    assert ndcg_at(ranking, ["a", "c"], 10) == pytest.approx((1 + G3) / (1 + G2))  # 0.9197
    assert ndcg_at(ranking, ["c"], 2) == 0.0
    # ideal DCG is limited to k ranks: two gold documents, k=1, one found at rank 1
    assert ndcg_at(ranking, ["a", "b"], 1) == 1.0
    # a gold document that was not retrieved still counts in the ideal
    assert ndcg_at(ranking, ["a", "z"], 10) == pytest.approx(1 / (1 + G2))


def test_ndcg_ties_from_also_in_are_capped_at_one():
    assert ndcg_at([["a", "b"]], ["a", "b"], 10) == 1.0


def test_metrics_reject_empty_gold():
    for metric in (recall_at, mrr_at, ndcg_at):
        with pytest.raises(ValueError):
            metric([["a"]], [], 10)


def hit(document_id: str, text: str = "", also_in: list[str] | None = None) -> Hit:
    return Hit(rank=0, passage_id=f"{document_id}#p", document_id=document_id, title=None,
               source=None, url=None, published=None, text=text, start=0, end=len(text),
               score=0.0, also_in=list(also_in or []))


def test_document_ranking_dedupes_and_groups_also_in():
    hits = [hit("a", also_in=["b"]), hit("a"), hit("c"), hit("b", also_in=["d"]), hit("e")]
    assert document_ranking(hits) == [["a", "b"], ["c"], ["d"], ["e"]]
    ranking = document_ranking(hits)
    assert recall_at(ranking, ["b"], 1) == 1.0
    assert mrr_at(ranking, ["d"], 10) == pytest.approx(1 / 3)


def test_contains_any_is_case_insensitive():
    assert contains_any("The capital is PARIS.", ["paris"])
    assert not contains_any("Lyon", ["Paris"])
    assert not contains_any(None, ["Paris"])
    assert not contains_any("anything", [""])


# -- run_eval against a fake service ----------------------------------------------------

class FakeService:
    def __init__(self, results: dict[str, AskResult]):
        self.results = results
        self.calls: list[tuple[str, int]] = []

    def ask(self, question: str, top_k: int = 5) -> AskResult:
        self.calls.append((question, top_k))
        return self.results[question]


def result(question, passages, answer=None, total=10.0) -> AskResult:
    return AskResult(question=question, abstained=answer is None,
                     answer=None if answer is None else Answer(answer, 0.9, []),
                     passages=passages, timings_ms={"search": 1.0, "total": total})


def write_questions(path: Path, rows) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_run_eval_aggregates(tmp_path):
    rows = [
        {"id": "1", "question": "q1", "gold_documents": ["d1"], "answers": ["Paris"]},
        {"id": "2", "question": "q2", "gold_documents": ["d3"], "answers": ["Berlin"]},
        {"id": "3", "question": "q3", "gold_documents": ["d5", "d6"], "answers": []},
        {"id": "4", "question": "q4", "gold_documents": [], "answers": []},
        {"id": "5", "question": "q5", "gold_documents": [], "answers": []},
    ]
    service = FakeService({
        # gold at rank 2, answer right
        "q1": result("q1", [hit("d2", "nothing here"), hit("d1", "paris is the capital")],
                     answer="It is Paris.", total=10),
        # gold only via also_in at rank 1; answer string in passages but abstained
        "q2": result("q2", [hit("d4", "BERLIN text", also_in=["d3"])], total=20),
        # two gold, duplicate passages of d5 collapse: ranks d5=1, d7=2, d6=3
        "q3": result("q3", [hit("d5"), hit("d5"), hit("d7"), hit("d6")],
                     answer="whatever", total=30),
        "q4": result("q4", [hit("d1")], total=40),                   # abstained: right
        "q5": result("q5", [hit("d1")], answer="guess", total=50),   # answered: wrong
    })
    report = run_eval(service, write_questions(tmp_path / "q.jsonl", rows))

    # Enough passages to rank ten documents, not ten passages.
    assert service.calls == [(f"q{i}", PASSAGES_FOR_RANKING) for i in range(1, 6)]
    assert set(report) == {
        "questions", "answerable", "unanswerable", "recall@1", "recall@5", "recall@10",
        "mrr@10", "ndcg@10", "answer_recall@5", "answer_accuracy", "abstention_accuracy",
        "false_abstentions", "p50_ms", "seconds"}
    assert report["questions"] == 5
    assert report["answerable"] == 3
    assert report["unanswerable"] == 2
    assert report["recall@1"] == round((0 + 1 + 0.5) / 3, 4)
    assert report["recall@5"] == 1.0
    assert report["recall@10"] == 1.0
    assert report["mrr@10"] == round((0.5 + 1 + 1) / 3, 4)
    assert report["ndcg@10"] == round((G2 + 1 + (1 + G3) / (1 + G2)) / 3, 4)
    assert report["answer_recall@5"] == 1.0          # over q1, q2 (q3 has no answers)
    assert report["answer_accuracy"] == 0.5          # q2 abstained counts as wrong
    assert report["abstention_accuracy"] == 0.5
    assert report["false_abstentions"] == round(1 / 3, 4)
    assert report["p50_ms"] == 30.0
    assert isinstance(report["seconds"], float)

    table = format_report(report)
    assert "nDCG@10" in table and "0.3333" in table


def test_run_eval_nulls_when_nothing_to_average(tmp_path):
    rows = [{"id": "1", "question": "q1", "gold_documents": ["d1"], "answers": []}]
    service = FakeService({"q1": result("q1", [], total=5)})
    report = run_eval(service, write_questions(tmp_path / "q.jsonl", rows))
    assert report["recall@1"] == 0.0
    assert report["answer_recall@5"] is None
    assert report["answer_accuracy"] is None
    assert report["abstention_accuracy"] is None
    assert report["false_abstentions"] == 1.0
    assert "n/a" in format_report(report)

    empty = run_eval(FakeService({}), write_questions(tmp_path / "e.jsonl", []))
    assert empty["questions"] == 0
    assert empty["recall@1"] is None and empty["p50_ms"] is None


@pytest.mark.parametrize("line, message", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "JSON object"),
    ('{"question": "q", "gold_documents": []}', "'id'"),
    ('{"id": "x", "question": " ", "gold_documents": []}', "'question'"),
    ('{"id": "x", "question": "q"}', "'gold_documents'"),
    ('{"id": "x", "question": "q", "gold_documents": "d1"}', "'gold_documents'"),
    ('{"id": "x", "question": "q", "gold_documents": [], "answers": [1]}', "'answers'"),
    ('{"id": "1", "question": "q", "gold_documents": []}', "duplicate id"),
])
def test_bad_lines_name_file_and_line(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    good = '{"id": "1", "question": "q", "gold_documents": ["d"], "answers": ["a"]}'
    path.write_text(good + "\n\n" + line + "\n", encoding="utf-8")
    with pytest.raises(BadRequestError) as info:
        read_questions(path)
    assert str(path) in info.value.message
    assert "line 3" in info.value.message
    assert message in info.value.message
    with pytest.raises(BadRequestError):
        run_eval(FakeService({}), path)


def test_missing_file_is_bad_request(tmp_path):
    with pytest.raises(BadRequestError, match="no such question file"):
        read_questions(tmp_path / "absent.jsonl")
