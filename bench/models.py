"""Model speed and retrieval quality per encoder backend and thread count.

    .venv/bin/python bench/models.py [--passages 256] [--repeat 3] [--quality]

Speed, for torch (sentence-transformers, the reference), onnx (ONNX Runtime fp32) and
onnx-int8 (dynamic int8 quantisation), each at 1 and 2 intra-op threads, each in its own
process (torch's thread count is process-wide):

- single question: p50 of `encode_one` over the questions of bench/questions/seeds.jsonl;
- ingest batches: passages/s of `encode` over the first --passages passages of the
  xquad_en corpus (split as `qa ingest` splits them), length-sorted as ingest sorts them,
  with the encoder `qa ingest` builds (``busy_wait``).

Ratios are against torch at 2 threads, measured in the same run.

--quality adds nDCG@10 per backend on ../shared/eval/xquad_en and ../shared/eval/scifact:
`qa ingest` into var/bench/SET-BACKEND (reused when there), then `qa eval --json`.
SciFact's ingest embeds ~19,000 passages: tens of minutes per backend on 2 cores. torch
and onnx (fp32) carry the same encoder name, so `onnx` is evaluated on the index torch
built (its question vectors from ONNX) unless var/bench/SET-onnx exists.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from serving import QA, SHARED, WORK, ensure_index, percentile, qa_env, questions

BACKENDS = ("torch", "onnx", "onnx-int8")
THREADS = (1, 2)
SETS = ("xquad_en", "scifact")


def xquad_passages(limit: int) -> list[str]:
    from qa.corpus import load_corpus
    from qa.passages import split_passages

    loaded = load_corpus([SHARED / "xquad_en" / "corpus.jsonl"])
    texts = [p.text for doc in loaded.documents for p in split_passages(doc)][:limit]
    return sorted(texts, key=len)


def measure_one(backend: str, threads: int, passages: int, repeat: int) -> dict:
    """Runs in a child process: one backend at one thread count."""
    from embeddings import create_encoder

    encoder = create_encoder(backend, threads=threads)
    asked = questions()
    for q in asked[:5]:
        encoder.encode_one(q)
    times = []
    for _ in range(repeat):
        for q in asked:
            started = time.perf_counter()
            encoder.encode_one(q)
            times.append((time.perf_counter() - started) * 1000)
    texts = xquad_passages(passages)
    # Batches as `qa ingest` embeds them: its model's idle threads wait busily.
    encoder = create_encoder(backend, threads=threads, busy_wait=True)
    encoder.encode(texts[:8])
    started = time.perf_counter()
    encoder.encode(texts)
    seconds = time.perf_counter() - started
    return {"backend": backend, "threads": threads, "question_p50_ms": percentile(times, 50),
            "passages_per_s": len(texts) / seconds, "passages": len(texts)}


def speed_table(passages: int, repeat: int) -> list[dict]:
    rows = []
    for backend in BACKENDS:
        for threads in THREADS:
            out = subprocess.run([sys.executable, __file__, "--one", backend, str(threads),
                                  "--passages", str(passages), "--repeat", str(repeat)],
                                 env=qa_env(backend), capture_output=True, text=True, check=True)
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(f"  measured {backend} x{threads}", file=sys.stderr)
    return rows


def ndcg(set_name: str, backend: str) -> float:
    corpus, asked = SHARED / set_name / "corpus.jsonl", SHARED / set_name / "questions.jsonl"
    index_dir = WORK / f"{set_name}-{backend}"
    if backend == "onnx" and not (index_dir / "CURRENT").exists():
        index_dir = WORK / f"{set_name}-torch"  # same encoder name: the same vectors
    ensure_index(corpus, index_dir, backend)
    out = subprocess.run([QA, "eval", str(asked), "--index-dir", str(index_dir), "--json"],
                         env=qa_env(backend), capture_output=True, text=True, check=True)
    return json.loads(out.stdout)["ndcg@10"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=256, help="xquad_en passages to encode")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of the seed questions")
    parser.add_argument("--quality", action="store_true", help="also nDCG@10 per backend")
    parser.add_argument("--one", nargs=2, metavar=("BACKEND", "THREADS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure_one(args.one[0], int(args.one[1]), args.passages, args.repeat)))
        return

    rows = speed_table(args.passages, args.repeat)
    base = next(r for r in rows if r["backend"] == "torch" and r["threads"] == 2)
    quality = {b: {s: ndcg(s, b) for s in SETS} for b in BACKENDS} if args.quality else {}
    print(f"{'backend':10} {'threads':>7} {'question p50 ms':>15} {'x torch/2':>9} "
          f"{'passages/s':>10} {'x torch/2':>9}" + "".join(f" {'nDCG ' + s:>14}" for s in quality.get("torch", {})))
    for r in rows:
        line = (f"{r['backend']:10} {r['threads']:>7} {r['question_p50_ms']:15.2f} "
                f"{r['question_p50_ms'] / base['question_p50_ms']:9.2f} {r['passages_per_s']:10.1f} "
                f"{r['passages_per_s'] / base['passages_per_s']:9.2f}")
        if quality:
            line += "".join(f" {quality[r['backend']][s]:14.4f}" for s in SETS)
        print(line)
    if quality:
        for b in BACKENDS[1:]:
            gaps = {s: quality[b][s] - quality["torch"][s] for s in SETS}
            print(f"nDCG@10 {b} - torch: " + ", ".join(f"{s} {g:+.4f}" for s, g in gaps.items()))
    print(f"({base['passages']} xquad_en passages, length-sorted; ratios against torch at 2 threads)")


if __name__ == "__main__":
    main()
