"""Query latency: POST /api/ask over HTTP against one bare `encode` of the same questions.

    .venv/bin/python bench/query.py [--encoder onnx-int8] [--repeat 5]

Builds (once) an index of seeds/ under var/bench/seeds-ENCODER, starts the production
server (`qa serve`: gunicorn) on a free loopback port, and times:

- start-up: from `qa serve` to the first 200 of /api/health on that existing index
  (the index is never re-embedded at start: the server only loads it);
- one client on a keep-alive connection asking the questions of
  bench/questions/seeds.jsonl, repeated: p50 and p99 of the whole HTTP round trip;
- in this process, in rounds alternating with the HTTP ones: p50 of one bare
  `encode_one` of the same questions with the same backend, model and model threads
  as one server worker (QA_ENCODER_THREADS, else the cores divided among QA_WORKERS); then the torch reference (the questions once).

Targets (issue 7): HTTP p50 <= 1.5x bare encode p50; HTTP p99 <= 2x HTTP p50.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from serving import SEEDS, WORK, Client, ensure_index, percentile, questions, running_server

from embeddings import BACKENDS, create_encoder
from qa.config import Settings


def make_encoder(backend: str):
    # The threads a server worker gives one model call (QA_WORKERS, QA_ENCODER_THREADS), so
    # the baseline is the same model call the server makes, not one with more or fewer cores.
    settings = Settings.from_env()
    encoder = create_encoder(backend, settings.model_path, threads=settings.model_threads,
                             cache_dir=settings.model_cache_dir)
    encoder.encode_one("load the model")
    return encoder


def timed(call, asked: list[str]) -> list[float]:
    times = []
    for q in asked:
        started = time.perf_counter()
        call(q)
        times.append((time.perf_counter() - started) * 1000)
    return times


def measure(port: int, encoder, asked: list[str], rounds: int):
    """Rounds alternate HTTP and bare encode, so a busy spell of the machine falls on both."""
    client = Client(port)
    bodies: list[bytes] = []

    def ask(q: str) -> None:
        status, body = client.ask(q)
        if status != 200:
            raise SystemExit(f"/api/ask answered {status}: {body[:200]!r}")
        bodies.append(body)  # read after the clock stops

    timed(ask, asked[:5])  # warm the connection and the first code paths
    bodies.clear()
    round_trips, bare = [], []
    for _ in range(rounds):
        round_trips += timed(ask, asked)
        bare += timed(encoder.encode_one, asked)
    client.close()
    return round_trips, [json.loads(b)["timings_ms"] for b in bodies], bare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder", choices=BACKENDS, default=Settings().encoder)
    parser.add_argument("--repeat", type=int, default=5, help="rounds over the questions")
    args = parser.parse_args()

    asked = questions()
    index_dir = WORK / f"seeds-{args.encoder}"
    ensure_index(SEEDS, index_dir, args.encoder)

    encoder = make_encoder(args.encoder)
    with running_server(index_dir, args.encoder) as (port, _, startup):
        round_trips, stages, bare = measure(port, encoder, asked, args.repeat)
    # The torch reference once over the questions: it is the slow one.
    reference = bare if args.encoder == "torch" else timed(make_encoder("torch").encode_one, asked)

    http_p50, http_p99, bare_p50 = (percentile(round_trips, 50), percentile(round_trips, 99),
                                    percentile(bare, 50))
    settings = Settings.from_env()
    print(f"encoder {args.encoder}; {len(round_trips)} questions; one client, keep-alive; server "
          f"{settings.workers} worker(s) x {settings.threads} threads, {settings.model_threads} "
          f"model thread(s) a call, the same in the bare encode")
    print(f"start-up (qa serve -> healthy /api/health): {startup:.2f} s")
    print(f"HTTP /api/ask      p50 {http_p50:7.2f} ms   p99 {http_p99:7.2f} ms   "
          f"mean {statistics.mean(round_trips):.2f} ms")
    for stage in ("embed", "search", "answer", "total"):
        print(f"server {stage:<11} p50 {percentile([t[stage] for t in stages], 50):7.2f} ms")
    # What the service did not spend: HTTP, gunicorn, Flask, JSON, logs, metrics, the client.
    outside = [rt - t["total"] for rt, t in zip(round_trips, stages)]
    print(f"outside service    p50 {percentile(outside, 50):7.2f} ms   (round trip - server total)")
    print(f"bare encode        p50 {bare_p50:7.2f} ms   ({args.encoder})")
    print(f"bare encode torch  p50 {percentile(reference, 50):7.2f} ms   (reference)")
    print(f"ratio HTTP p50 / bare encode p50: {http_p50 / bare_p50:.2f}   (target <= 1.5)")
    print(f"ratio HTTP p99 / HTTP p50:        {http_p99 / http_p50:.2f}   (target <= 2)")
    print(f"ratio bare {args.encoder} / bare torch:  {bare_p50 / percentile(reference, 50):.2f}")


if __name__ == "__main__":
    main()
