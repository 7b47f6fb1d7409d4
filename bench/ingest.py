"""Ingest speed: the whole `qa ingest` command against a bare encode of the same passages.

    .venv/bin/python bench/ingest.py [--encoder onnx-int8] [--sets xquad_en,scifact]
                                     [--scifact-limit 1000] [--rounds 3]

For each set, each round, in one run: `qa ingest CORPUS` into a fresh index under
var/bench/ingest/ (wall time of the whole command: process start, imports, reading,
splitting, loading the model, SQLite, FAISS), then the same command again on the
unchanged corpus (it must not load the model; the median of three), and a bare
`encode` of the same passage texts in this process, by the encoder the command builds
(same backend, same threads, one passage a model call, idle threads waiting busily;
model loaded beforehand, not timed). The order of ingest and bare encode alternates between rounds
so that a drift in the load of this shared machine falls on both; the ratios are
computed within a round and their medians printed. CPU seconds are printed too: they
move far less than wall time when other processes compete for the cores. SciFact is cut
to its first --scifact-limit abstracts (written to var/bench/ingest/scifact-N.jsonl).

The commands run as an installed `qa` does, with Python's bytecode cache: with
PYTHONDONTWRITEBYTECODE set (as in some sandboxes) every run would compile the
project's sources again, a tenth of a second that no installation pays. One untimed
ingest of seeds/ first writes that cache.

Targets (issue 7): ingest passages/s >= 0.9x bare encode passages/s; re-ingest of the
unchanged corpus >= 50x faster than the first ingest.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import time
from pathlib import Path

from serving import QA, SEEDS, SHARED, WORK, qa_env

from embeddings import BACKENDS
from qa.config import Settings
from qa.corpus import load_corpus
from qa.passages import split_passages
from qa.service import QAService

REINGESTS = 3


def corpus_file(name: str, limit: int | None) -> Path:
    source = SHARED / name / "corpus.jsonl"
    if not limit:
        return source
    target = WORK / "ingest" / f"{name}-{limit}.jsonl"
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(source) as f:
        target.write_text("".join(line for _, line in zip(range(limit), f)))
    return target


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def ingest_env(encoder: str) -> dict[str, str]:
    env = qa_env(encoder)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def timed_ingest(corpus: Path, index_dir: Path, encoder: str) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds, summary line) of one whole `qa ingest` command."""
    cpu, started = children_cpu(), time.perf_counter()
    out = subprocess.run([QA, "ingest", str(corpus), "--index-dir", str(index_dir)],
                         env=ingest_env(encoder), capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    return wall, children_cpu() - cpu, out.stderr.strip().splitlines()[-1]


def embedded(summary: str) -> int:
    return int(re.search(r"(\d+) passages embedded", summary).group(1))


def timed_encode(encoder, texts: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of one bare encode."""
    cpu, started = time.process_time(), time.perf_counter()
    encoder.encode(texts)
    return time.perf_counter() - started, time.process_time() - cpu


def run_set(name: str, corpus: Path, encoder_name: str, rounds: int) -> None:
    # The encoder `qa ingest` builds (QAService picks its threads), loaded before timing.
    encoder = QAService(Settings.from_env(encoder=encoder_name), batch_work=True).encoder
    encoder.encode_one("load the model")
    texts = [p.text for doc in load_corpus([corpus]).documents for p in split_passages(doc)]
    index_dir = WORK / "ingest" / f"{name}-{encoder_name}"
    print(f"{name} ({corpus.name}): {len(texts)} passages, {rounds} rounds")
    rows = []
    for r in range(rounds):
        if r % 2:
            bare, bare_cpu = timed_encode(encoder, texts)
        shutil.rmtree(index_dir, ignore_errors=True)
        first, first_cpu, summary = timed_ingest(corpus, index_dir, encoder_name)
        if embedded(summary) != len(texts):
            raise SystemExit(f"qa ingest embedded {embedded(summary)} passages, not {len(texts)}")
        agains = [timed_ingest(corpus, index_dir, encoder_name) for _ in range(REINGESTS)]
        again = statistics.median(wall for wall, _, _ in agains)
        if embedded(agains[-1][2]) != 0:
            raise SystemExit(f"the re-ingest embedded passages: {agains[-1][2]}")
        if not r % 2:
            bare, bare_cpu = timed_encode(encoder, texts)
        rows.append((first, first_cpu, bare, bare_cpu, again))
        print(f"  round {r + 1}: ingest {first:6.2f} s ({first_cpu:6.2f} s CPU)   "
              f"bare encode {bare:6.2f} s ({bare_cpu:6.2f} s CPU)   re-ingest {again:5.3f} s   "
              f"ratio {bare / first:.2f}   first/re-ingest {first / again:5.1f}")

    def median(i: int) -> float:
        return statistics.median(row[i] for row in rows)

    n = len(texts)
    print(f"  medians over {rounds} rounds:")
    print(f"  qa ingest (whole command)   {median(0):8.2f} s  {n / median(0):7.1f} passages/s"
          f"  ({median(1):.2f} s CPU)")
    print(f"  bare encode (same texts)    {median(2):8.2f} s  {n / median(2):7.1f} passages/s"
          f"  ({median(3):.2f} s CPU)")
    print(f"  re-ingest, unchanged        {median(4):8.3f} s")
    print(f"  ratio ingest / bare encode passages/s: "
          f"{statistics.median(b / f for f, _, b, _, _ in rows):.2f}   (target >= 0.9)"
          f"   CPU: {statistics.median(bc / fc for _, fc, _, bc, _ in rows):.2f}")
    print(f"  ratio first / re-ingest time:          "
          f"{statistics.median(f / a for f, _, _, _, a in rows):.1f}   (target >= 50)")
    print(f"  last lines: {summary} | {agains[-1][2]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder", choices=BACKENDS, default=Settings().encoder)
    parser.add_argument("--sets", default="xquad_en,scifact")
    parser.add_argument("--scifact-limit", type=int, default=1000, help="abstracts (0: all)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    print(f"encoder {args.encoder}, {os.cpu_count()} cores")
    warm_up = WORK / "ingest" / "warm-up"
    shutil.rmtree(warm_up, ignore_errors=True)
    timed_ingest(SEEDS, warm_up, args.encoder)  # writes the bytecode cache
    for name in args.sets.split(","):
        corpus = corpus_file(name, args.scifact_limit if name == "scifact" else None)
        run_set(name, corpus, args.encoder, args.rounds)


if __name__ == "__main__":
    main()
