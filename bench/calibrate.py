"""Fit the answer confidence: a logistic regression of "is the answer right?" on the
signals qa/answers.py computes, over questions with and without answers.

    .venv/bin/python bench/calibrate.py [--work DIR]

Training examples (none from bench/questions/seeds.jsonl, which stays the test set):
- bench/questions/seeds_calibration.jsonl on the seeds: answerable and unanswerable
  questions of our own, the unanswerable ones mostly near misses;
- xquad_en's questions on its own corpus: right when the answer holds a gold string;
- near misses: xquad_en's questions with the paragraph that answers them hidden (the
  rest of the same article is still there);
- off-corpus questions, never right: xquad_en's and SciFact's questions asked of the
  seeds, and the seeds calibration questions asked of xquad_en.
It prints the coefficients for ``answers.COEFFICIENTS`` and, for a range of thresholds,
what the seeds test set and the training data would get, to choose ``ABSTAIN_BELOW``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from embeddings import create_encoder  # noqa: E402
from qa import answers  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.evaluation import contains_any, read_questions  # noqa: E402
from qa.service import Filters, QAService  # noqa: E402

SHARED = ROOT.parent / "shared" / "eval"
QUESTIONS = ROOT / "bench" / "questions"
FEATURES = list(answers.COEFFICIENTS)[1:]  # all but the bias


@dataclass
class Example:
    features: dict[str, float] | None
    right: bool
    weight: float
    group: str
    withheld: str | None = None


def assessed(service: QAService, question: str, filters: Filters | None = None
             ) -> answers.Assessment:
    snap = service.snapshot()
    candidates = service._retrieve(snap, question, 5, filters, {})
    documents = snap.store.get_documents(c.passage.document_id for c in candidates)
    return answers.assess(question, candidates, service._question_weights(snap, question),
                          service.word_vectors(), documents)


def collect(service: QAService, path: Path, on_corpus: bool, group: str, weight: float = 1.0,
            limit: int | None = None, without_gold: bool = False) -> list[Example]:
    """Features and rightness of each question's answer; ``without_gold`` hides the
    documents that answer it, which turns it into a near miss (the rest of its article
    is still there)."""
    examples = []
    everything = [d.id for d, _ in service.documents(0, 10**9)[0]] if without_gold else []
    for q in read_questions(path)[:limit]:
        filters = Filters(document_ids=[d for d in everything if d not in q.gold_documents]
                          ) if without_gold else None
        a = assessed(service, q.question, filters)
        text = " ".join(s.text for s in a.sentences)
        right = on_corpus and q.answerable and contains_any(text, q.answers)
        examples.append(Example(a.features, right, weight, group, a.withheld))
    return examples


def fit(examples: list[Example], l2: float = 1.0, iterations: int = 50) -> dict[str, float]:
    """Weighted logistic regression by Newton's method (small, so exact), over the
    answers the rules in answers.withheld_because let through."""
    rows = [e for e in examples if e.features is not None and not e.withheld]
    x = np.array([[1.0] + [e.features[f] for f in FEATURES] for e in rows])
    y = np.array([1.0 if e.right else 0.0 for e in rows])
    w = np.array([e.weight for e in rows])
    beta = np.zeros(x.shape[1])
    penalty = l2 * np.eye(x.shape[1])
    penalty[0, 0] = 0.0  # the bias is not shrunk
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-x @ beta))
        gradient = x.T @ (w * (p - y)) + penalty @ beta
        hessian = (x * (w * p * (1 - p))[:, None]).T @ x + penalty
        beta -= np.linalg.solve(hessian, gradient)
    return {"bias": round(float(beta[0]), 3),
            **{f: round(float(b), 3) for f, b in zip(FEATURES, beta[1:])}}


def confidences(examples, coefficients):
    return [answers.confidence_of(e.features, coefficients) if e.features and not e.withheld
            else 0.0 for e in examples]


def report(name: str, examples: list[Example], answerable: list[bool], coefficients, thresholds):
    conf = confidences(examples, coefficients)
    print(f"\n{name}: threshold, answered-and-right share of answerable, false abstentions, "
          "abstention accuracy")
    for t in thresholds:
        ans = [(c >= t, e.right) for c, e, a in zip(conf, examples, answerable) if a]
        una = [c < t for c, a in zip(conf, answerable) if not a]
        right = sum(1 for answered, r in ans if answered and r) / max(1, len(ans))
        false_abst = sum(1 for answered, _ in ans if not answered) / max(1, len(ans))
        abst = sum(una) / max(1, len(una))
        print(f"  {t:.2f}  {right:.3f}  {false_abst:.3f}  {abst:.3f}")


def ensure_index(corpus: Path, index: Path) -> Path:
    qa = str(Path(sys.executable).with_name("qa"))
    subprocess.run([qa, "ingest", str(corpus), "--index-dir", str(index)], check=True)
    return index


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "bench")
    args = parser.parse_args()
    settings = Settings.from_env()
    # The encoder the service runs with by default: the confidence is fitted on its scores.
    encoder = create_encoder(settings.encoder, settings.model_path,
                             threads=settings.encoder_threads, cache_dir=settings.model_cache_dir)
    seeds = QAService(Settings.from_env({}, index_dir=ensure_index(ROOT / "seeds", args.work / "seeds")),
                      encoder=encoder)
    xquad = QAService(Settings.from_env({}, index_dir=ensure_index(
        SHARED / "xquad_en" / "corpus.jsonl", args.work / "xquad_en")), encoder=encoder)
    examples, test = build_examples(seeds, xquad)
    coefficients = fit(examples)
    print("COEFFICIENTS =", json.dumps(coefficients))
    thresholds = [0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6]
    calibration = [e for e in examples if e.group == "seeds-calibration"]
    report("seeds calibration set (training)", calibration,
           [q.answerable for q in read_questions(QUESTIONS / "seeds_calibration.jsonl")],
           coefficients, thresholds)
    report("seeds test set (held out)", test,
           [q.answerable for q in read_questions(QUESTIONS / "seeds.jsonl")], coefficients, thresholds)
    for group in ("xquad", "near-miss", "off-corpus"):
        rows = [e for e in examples if e.group == group]
        report(f"{group} (training; every question counted as answerable)", rows,
               [True] * len(rows), coefficients, thresholds)


def build_examples(seeds: QAService, xquad: QAService) -> tuple[list[Example], list[Example]]:
    examples = (
        collect(seeds, QUESTIONS / "seeds_calibration.jsonl", True, "seeds-calibration", 4.0)
        + collect(xquad, SHARED / "xquad_en" / "questions.jsonl", True, "xquad")
        + collect(xquad, SHARED / "xquad_en" / "questions.jsonl", True, "near-miss", 1.0, 600,
                  without_gold=True)
        + collect(seeds, SHARED / "xquad_en" / "questions.jsonl", False, "off-corpus", 0.5, 400)
        + collect(seeds, SHARED / "scifact" / "questions.jsonl", False, "off-corpus", 0.5, 200)
        + collect(xquad, QUESTIONS / "seeds_calibration.jsonl", False, "off-corpus")
    )
    test = collect(seeds, QUESTIONS / "seeds.jsonl", True, "seeds-test")
    return examples, test


if __name__ == "__main__":
    main()
