"""Answer quality: `qa eval` on the seeds set and the two public sets, beside the
reference figures of ../shared/eval/README.md.

    .venv/bin/python bench/quality.py [--sets seeds,seeds_cal,blind_a,...,blind_ak,xquad_en,scifact]
                                      [--work DIR]

Each set's corpus is ingested into its own index under --work (kept between runs, so
a second run only evaluates). SciFact's first ingest embeds ~5,000 abstracts: expect
tens of minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "eval"
QA = str(Path(sys.executable).with_name("qa"))

BLIND = [*"abcdefghijklmnopqrstuvwxyz", *(f"a{x}" for x in "abcdefghijk")]
SETS = {
    "seeds": (ROOT / "seeds", ROOT / "bench" / "questions" / "seeds.jsonl"),
    # The questions bench/calibrate.py fits the confidence on (seeds.jsonl is held out).
    "seeds_cal": (ROOT / "seeds", ROOT / "bench" / "questions" / "seeds_calibration.jsonl"),
    # Written blind (from the seeds and the file format only, by writers who saw neither
    # the code nor the other sets): an estimate of how new questions of the seeds fare.
    # blind_a was then used to find what to change; blind_b was measured after the change.
    # Later, blind_c measured a change once, then was used to find the next; blind_d, with
    # more varied questions, measured that one once. blind_e and blind_f (casual, chatty
    # and role-naming questions) were each measured once and then used to find changes;
    # blind_g measured those once, then was used too; blind_h measured the next ones once,
    # then was used too; blind_i measured the final code once and was used after. blind_j
    # and blind_k measured a session's change twice (after its first round and at its end),
    # then were used too; blind_l and blind_m measured it after its second round and at its
    # end, then were used too; blind_n and blind_o measured the session's start and end.
    # blind_p to blind_u measured the next session; blind_v to blind_y its successor's first
    # changes, then were used too; blind_z to blind_ac measured its next changes, then were
    # used too, as blind_ad to blind_ag were after them; blind_ah to blind_ak measured only
    # its end.
    **{f"blind_{x}": (ROOT / "seeds", ROOT / "bench" / "questions" / f"seeds_blind_{x}.jsonl")
       for x in BLIND},
    "xquad_en": (SHARED / "xquad_en" / "corpus.jsonl", SHARED / "xquad_en" / "questions.jsonl"),
    "scifact": (SHARED / "scifact" / "corpus.jsonl", SHARED / "scifact" / "questions.jsonl"),
}
# From ../shared/eval/README.md (best published/reference retriever) and the floors.
REFERENCE = {
    "xquad_en": {"recall@1": 0.945, "recall@5": 0.992, "ndcg@10": 0.973},
    "scifact": {"ndcg@10": 0.665},
}
TARGETS = {
    "seeds": {"recall@5": 1.0, "answer_accuracy": 0.9, "abstention_accuracy": 0.9},
    "xquad_en": {"recall@1": 0.95, "answer_accuracy": 0.6},
    "scifact": {"ndcg@10": 0.70},
}
COLUMNS = ["recall@1", "recall@5", "ndcg@10", "answer_accuracy", "abstention_accuracy",
           "false_abstentions", "p50_ms"]


def run(name: str, work: Path) -> dict:
    corpus, questions = SETS[name]
    # One index per corpus: seeds/ -> seeds, ../shared/eval/xquad_en/corpus.jsonl -> xquad_en.
    index = work / (corpus.name if corpus.is_dir() else corpus.parent.name)
    subprocess.run([QA, "ingest", str(corpus), "--index-dir", str(index)], check=True)
    out = subprocess.run([QA, "eval", str(questions), "--index-dir", str(index), "--json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def fmt(v) -> str:
    return "   -  " if v is None else f"{v:6.3f}" if isinstance(v, float) and v <= 1 else f"{v:6.1f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "bench")
    args = parser.parse_args()
    rows = []
    for name in args.sets.split(","):
        report = run(name, args.work)
        rows.append((name, "this service", report))
        if name in REFERENCE:
            rows.append((name, "reference", REFERENCE[name]))
        if name in TARGETS:
            rows.append((name, "target", TARGETS[name]))
    print(f"{'set':10} {'row':13} " + " ".join(f"{c[:10]:>10}" for c in COLUMNS))
    for name, label, figures in rows:
        print(f"{name:10} {label:13} " + " ".join(f"{fmt(figures.get(c)):>10}" for c in COLUMNS))


if __name__ == "__main__":
    main()
