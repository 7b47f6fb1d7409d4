"""``qa eval``: run a question file through the service and score retrieval and answers.

The metrics follow DESIGN.md, "Evaluation files". Retrieval is scored at document
level: the passages the service returns are turned into a *document ranking* in which
a document ranks where its best passage ranks, and the documents a hit's ``also_in``
lists (other documents carrying the same text) rank together with that hit's document.
The pure metric functions (``recall_at``, ``mrr_at``, ``ndcg_at``) work on such a
ranking and hold no I/O; ``run_eval`` reads the file, asks the service and aggregates.
"""

from __future__ import annotations

import json
import math
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from qa.errors import BadRequestError

TOP_K = 10
# Passages asked for to rank TOP_K documents: a document often has several passages in
# the top ten, and nDCG@10 over documents needs ten documents, not ten passages.
PASSAGES_FOR_RANKING = 50
DECIMALS = 4

# A document ranking: one group of document ids a rank, best first. A group holds more
# than one id when the same passage text sits in several documents (``also_in``).
Ranking = Sequence[Sequence[str]]


# -- pure metrics -----------------------------------------------------------------

def document_ranking(hits: Iterable) -> list[list[str]]:
    """Documents in ranked order, each once, from passage hits (best first).

    A hit contributes its ``document_id`` and its ``also_in`` ids; documents already
    placed by a better hit are dropped, and a hit adding no new document adds no rank.
    """
    seen: set[str] = set()
    ranking: list[list[str]] = []
    for hit in hits:
        group = []
        for doc in [hit.document_id, *(getattr(hit, "also_in", None) or [])]:
            if doc not in seen:
                seen.add(doc)
                group.append(doc)
        if group:
            ranking.append(group)
    return ranking


def _ranks(ranking: Ranking) -> dict[str, int]:
    """1-based rank of each document (the first group that holds it)."""
    ranks: dict[str, int] = {}
    for position, group in enumerate(ranking, start=1):
        for doc in ([group] if isinstance(group, str) else group):
            ranks.setdefault(doc, position)
    return ranks


def recall_at(ranking: Ranking, gold: Iterable[str], k: int) -> float:
    """Share of the gold documents ranked within the first ``k`` ranks."""
    gold = set(gold)
    if not gold:
        raise ValueError("recall needs at least one gold document")
    ranks = _ranks(ranking)
    return sum(1 for doc in gold if ranks.get(doc, k + 1) <= k) / len(gold)


def mrr_at(ranking: Ranking, gold: Iterable[str], k: int) -> float:
    """Reciprocal rank of the best-ranked gold document within ``k``, else 0."""
    gold = set(gold)
    if not gold:
        raise ValueError("MRR needs at least one gold document")
    ranks = _ranks(ranking)
    best = min((ranks[doc] for doc in gold if doc in ranks), default=None)
    return 1.0 / best if best is not None and best <= k else 0.0


def ndcg_at(ranking: Ranking, gold: Iterable[str], k: int) -> float:
    """nDCG@k with binary relevance (gain 1/log2(rank + 1) per gold document).

    Documents sharing a rank (``also_in``) each get that rank's gain; the result is
    capped at 1 since such ties can beat the ideal one-document-per-rank ordering.
    """
    gold = set(gold)
    if not gold:
        raise ValueError("nDCG needs at least one gold document")
    ranks = _ranks(ranking)
    dcg = sum(1.0 / math.log2(ranks[doc] + 1) for doc in gold
              if doc in ranks and ranks[doc] <= k)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(gold), k) + 1))
    return min(1.0, dcg / ideal)


def contains_any(text: str | None, needles: Iterable[str]) -> bool:
    """Whether ``text`` contains one of ``needles``, case-insensitively."""
    if not text:
        return False
    haystack = text.casefold()
    return any(n.casefold() in haystack for n in needles if n)


def mean(values: Sequence[float]) -> float | None:
    """Mean rounded to ``DECIMALS``; None when there is nothing to average."""
    if not values:
        return None
    return round(sum(values) / len(values), DECIMALS)


# -- question file ------------------------------------------------------------------

@dataclass
class EvalQuestion:
    id: str
    question: str
    gold_documents: list[str]
    answers: list[str]

    @property
    def answerable(self) -> bool:
        return bool(self.gold_documents)


def _string_list(value, field: str, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadRequestError(f"{where}: '{field}' must be a list of strings.")
    return value


def read_questions(path: str | Path) -> list[EvalQuestion]:
    """Parse a JSONL question file; a bad line raises BadRequestError naming file and line."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise BadRequestError(f"{path}: no such question file.") from None
    except IsADirectoryError:
        raise BadRequestError(f"{path}: is a directory, not a question file.") from None
    except UnicodeDecodeError:
        raise BadRequestError(f"{path}: not UTF-8 text.") from None
    except OSError as exc:
        raise BadRequestError(f"{path}: cannot be read ({exc.strerror}).") from None

    questions: list[EvalQuestion] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}, line {number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BadRequestError(f"{where}: not valid JSON ({exc.msg}).") from None
        if not isinstance(row, dict):
            raise BadRequestError(f"{where}: expected a JSON object.")
        qid = row.get("id")
        if isinstance(qid, int) and not isinstance(qid, bool):
            qid = str(qid)
        if not isinstance(qid, str) or not qid.strip():
            raise BadRequestError(f"{where}: 'id' must be a non-empty string.")
        if qid in seen:
            raise BadRequestError(f"{where}: duplicate id {qid!r}.")
        seen.add(qid)
        text = row.get("question")
        if not isinstance(text, str) or not text.strip():
            raise BadRequestError(f"{where}: 'question' must be a non-empty string.")
        if "gold_documents" not in row:
            raise BadRequestError(f"{where}: 'gold_documents' is missing.")
        gold = _string_list(row["gold_documents"], "gold_documents", where)
        answers = _string_list(row.get("answers", []), "answers", where)
        questions.append(EvalQuestion(id=qid, question=text, gold_documents=gold,
                                      answers=[a for a in answers if a.strip()]))
    return questions


# -- running ----------------------------------------------------------------------

def run_eval(service, path: str | Path, top_k: int = PASSAGES_FOR_RANKING) -> dict:
    """Ask every question in ``path`` and return the report of DESIGN.md's metrics."""
    questions = read_questions(path)
    started = time.perf_counter()

    recall = {1: [], 5: [], 10: []}
    mrr: list[float] = []
    ndcg: list[float] = []
    answer_recall: list[float] = []
    answer_accuracy: list[float] = []
    abstained_unanswerable: list[float] = []
    abstained_answerable: list[float] = []
    totals: list[float] = []

    for q in questions:
        result = service.ask(q.question, top_k=top_k)
        total = (result.timings_ms or {}).get("total")
        if total is not None:
            totals.append(float(total))
        if not q.answerable:
            abstained_unanswerable.append(1.0 if result.abstained else 0.0)
            continue
        abstained_answerable.append(1.0 if result.abstained else 0.0)
        ranking = document_ranking(result.passages)
        for k in recall:
            recall[k].append(recall_at(ranking, q.gold_documents, k))
        mrr.append(mrr_at(ranking, q.gold_documents, 10))
        ndcg.append(ndcg_at(ranking, q.gold_documents, 10))
        if q.answers:
            top5 = "\n".join(hit.text for hit in result.passages[:5])
            answer_recall.append(1.0 if contains_any(top5, q.answers) else 0.0)
            text = None if result.abstained or result.answer is None else result.answer.text
            answer_accuracy.append(1.0 if contains_any(text, q.answers) else 0.0)

    return {
        "questions": len(questions),
        "answerable": len(abstained_answerable),
        "unanswerable": len(abstained_unanswerable),
        "recall@1": mean(recall[1]),
        "recall@5": mean(recall[5]),
        "recall@10": mean(recall[10]),
        "mrr@10": mean(mrr),
        "ndcg@10": mean(ndcg),
        "answer_recall@5": mean(answer_recall),
        "answer_accuracy": mean(answer_accuracy),
        "abstention_accuracy": mean(abstained_unanswerable),
        "false_abstentions": mean(abstained_answerable),
        "p50_ms": round(statistics.median(totals), 2) if totals else None,
        "seconds": round(time.perf_counter() - started, 2),
    }


_ROWS = [
    ("questions", "questions"),
    ("answerable", "answerable"),
    ("unanswerable", "unanswerable"),
    ("recall@1", "recall@1"),
    ("recall@5", "recall@5"),
    ("recall@10", "recall@10"),
    ("mrr@10", "MRR@10"),
    ("ndcg@10", "nDCG@10"),
    ("answer_recall@5", "answer recall@5"),
    ("answer_accuracy", "answer accuracy"),
    ("abstention_accuracy", "abstention accuracy"),
    ("false_abstentions", "false abstentions"),
    ("p50_ms", "median ms/question"),
    ("seconds", "seconds"),
]


def format_report(report: dict) -> str:
    """The report as a two-column table; metrics with nothing to measure show as n/a."""
    width = max(len(label) for _, label in _ROWS)
    lines = []
    for key, label in _ROWS:
        value = report.get(key)
        if value is None:
            shown = "n/a"
        elif isinstance(value, float) and key not in ("p50_ms", "seconds"):
            shown = f"{value:.4f}"
        else:
            shown = str(value)
        lines.append(f"{label:<{width}}  {shown:>10}")
    return "\n".join(lines)
