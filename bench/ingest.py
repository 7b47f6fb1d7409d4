"""Ingest speed: the whole `qa ingest` command against a bare encode of the same passages.

    .venv/bin/python bench/ingest.py [--encoder onnx-int8] [--sets xquad_en,scifact]
                                     [--scifact-limit 1000]

For each set, in one run: `qa ingest CORPUS` into a fresh index under var/bench/ingest/
(wall time of the whole command: process start, reading, splitting, the model, SQLite,
FAISS), then the same command again on the unchanged corpus (it must not load the model),
then, in this process, a bare `encode` of the same passage texts with the same backend
(model loaded beforehand, not timed). SciFact is cut to its first --scifact-limit
abstracts (written to var/bench/ingest/scifact-N.jsonl) to keep the run short.

Targets (issue 7): ingest passages/s >= 0.9x bare encode passages/s; re-ingest of the
unchanged corpus >= 50x faster than the first ingest.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import time
from pathlib import Path

from serving import QA, SHARED, WORK, qa_env

from embeddings import BACKENDS, create_encoder
from qa.config import Settings
from qa.corpus import load_corpus
from qa.passages import split_passages


def corpus_file(name: str, limit: int | None) -> Path:
    source = SHARED / name / "corpus.jsonl"
    if not limit:
        return source
    target = WORK / "ingest" / f"{name}-{limit}.jsonl"
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(source) as f:
        target.write_text("".join(line for _, line in zip(range(limit), f)))
    return target


def timed_ingest(corpus: Path, index_dir: Path, encoder: str) -> tuple[float, str]:
    started = time.perf_counter()
    out = subprocess.run([QA, "ingest", str(corpus), "--index-dir", str(index_dir)],
                         env=qa_env(encoder), capture_output=True, text=True, check=True)
    return time.perf_counter() - started, out.stderr.strip().splitlines()[-1]


def bare_encode_seconds(corpus: Path, encoder_name: str) -> tuple[int, float]:
    settings = Settings.from_env()
    encoder = create_encoder(encoder_name, settings.model_path, threads=settings.encoder_threads,
                             cache_dir=settings.model_cache_dir)
    encoder.encode_one("load the model")
    texts = [p.text for doc in load_corpus([corpus]).documents for p in split_passages(doc)]
    started = time.perf_counter()
    encoder.encode(sorted(texts, key=len))
    return len(texts), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder", choices=BACKENDS, default=Settings().encoder)
    parser.add_argument("--sets", default="xquad_en,scifact")
    parser.add_argument("--scifact-limit", type=int, default=1000, help="abstracts (0: all)")
    args = parser.parse_args()

    print(f"encoder {args.encoder}")
    for name in args.sets.split(","):
        corpus = corpus_file(name, args.scifact_limit if name == "scifact" else None)
        index_dir = WORK / "ingest" / f"{name}-{args.encoder}"
        shutil.rmtree(index_dir, ignore_errors=True)
        first, summary = timed_ingest(corpus, index_dir, args.encoder)
        again, summary_again = timed_ingest(corpus, index_dir, args.encoder)
        passages, bare = bare_encode_seconds(corpus, args.encoder)
        print(f"{name} ({corpus.name}): {passages} passages")
        print(f"  qa ingest (whole command)   {first:8.2f} s  {passages / first:7.1f} passages/s")
        print(f"  bare encode (same texts)    {bare:8.2f} s  {passages / bare:7.1f} passages/s")
        print(f"  re-ingest, unchanged        {again:8.2f} s")
        print(f"  ratio ingest / bare encode passages/s: {bare / first:.2f}   (target >= 0.9)")
        print(f"  ratio first / re-ingest time:          {first / again:.1f}   (target >= 50)")
        print(f"  last lines: {summary} | {summary_again}")


if __name__ == "__main__":
    main()
