"""Query latency: POST /api/ask over HTTP against one bare `encode` of the same questions.

    .venv/bin/python bench/query.py [--encoder onnx-int8] [--repeat 5]

Builds (once) an index of seeds/ under var/bench/seeds-ENCODER, starts the production
server (`qa serve`: gunicorn) on a free loopback port, and times:

- start-up: from `qa serve` to the first 200 of /api/health on that existing index
  (the index is never re-embedded at start: the server only loads it);
- one client on a keep-alive connection asking the questions of
  bench/questions/seeds.jsonl, repeated: p50 and p99 of the whole HTTP round trip;
- in this process, in rounds alternating with the HTTP ones: p50 of one bare
  `encode_one` of the same questions with the same backend, model and model threads as
  one server worker (QA_ENCODER_THREADS, else the cores divided among QA_WORKERS), the
  baseline of the ratio; when a worker gets fewer threads than the machine has cores,
  also with all cores, the fastest encode here, to see what the setting costs a lone
  client; then the torch reference (the questions once; --no-torch skips it).

The round trip is split into the server's own stages (`timings_ms`) and what lies
outside the service (HTTP, gunicorn, Flask, JSON, logs, metrics, this client). A floor
app (bench/floor_app.py: Flask on the same gunicorn settings, one route that only embeds
the question) is timed in the same rounds: its ratio to the bare encode is the least any
Flask app served this way could score, and /api/ask above it is the service's own cost.

Targets (issue 7): HTTP p50 <= 1.5x bare encode p50; HTTP p99 <= 2x HTTP p50.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from floor_app import EMBED_PATH
from serving import (ROOT, SEEDS, WORK, Client, ensure_index, percentile, qa_env, questions,
                     running, running_server)

from embeddings import BACKENDS, create_encoder
from qa.config import Settings


def make_encoder(backend: str, threads: int):
    settings = Settings.from_env()
    encoder = create_encoder(backend, settings.model_path, threads=threads,
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


def measure(port: int, floor_port: int, encoders: list, asked: list[str], rounds: int):
    """Rounds alternate /api/ask, the floor app and bare encodes, so a busy spell of the
    machine falls on all."""
    client, floor = Client(port), Client(floor_port)
    bodies: list[bytes] = []
    floor_bodies: list[bytes] = []

    def ask(q: str) -> None:
        status, body = client.ask(q)
        if status != 200:
            raise SystemExit(f"/api/ask answered {status}: {body[:200]!r}")
        bodies.append(body)  # read after the clock stops

    def embed_only(q: str) -> None:
        status, body = floor.request("POST", EMBED_PATH, {"question": q})
        if status != 200:
            raise SystemExit(f"the floor app answered {status}: {body[:200]!r}")
        floor_bodies.append(body)

    timed(ask, asked[:5])  # warm the connections and the first code paths
    timed(embed_only, asked[:5])
    bodies.clear()
    floor_bodies.clear()
    round_trips: list[float] = []
    floor_trips: list[float] = []
    bare: list[list[float]] = [[] for _ in encoders]
    for _ in range(rounds):
        round_trips += timed(ask, asked)
        floor_trips += timed(embed_only, asked)
        for times, encoder in zip(bare, encoders):
            times += timed(encoder.encode_one, asked)
    client.close()
    floor.close()
    floor_embeds = [json.loads(b)["embed_ms"] for b in floor_bodies]
    return (round_trips, [json.loads(b)["timings_ms"] for b in bodies], floor_trips, floor_embeds,
            bare)


@contextmanager
def floor_server(encoder: str):
    """bench/floor_app.py on a free port, as `qa serve` would run with this encoder."""
    app = str(Path(__file__).with_name("floor_app.py"))
    with running(lambda port: [sys.executable, app, str(port)],
                 qa_env(encoder, PYTHONPATH=str(ROOT))) as (port, _, _):
        yield port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder", choices=BACKENDS, default=Settings().encoder)
    parser.add_argument("--repeat", type=int, default=5, help="rounds over the questions")
    parser.add_argument("--no-torch", action="store_true", help="skip the torch reference")
    args = parser.parse_args()

    asked = questions()
    index_dir = WORK / f"seeds-{args.encoder}"
    ensure_index(SEEDS, index_dir, args.encoder)

    # The threads a server worker gives one model call (QA_WORKERS, QA_ENCODER_THREADS): the
    # baseline is the model call the server makes, not one with more or fewer cores.
    settings = Settings.from_env()
    cores = os.cpu_count() or 1
    thread_counts = [settings.model_threads] + ([cores] if settings.model_threads < cores else [])
    encoders = [make_encoder(args.encoder, n) for n in thread_counts]
    with running_server(index_dir, args.encoder) as (port, _, startup), \
            floor_server(args.encoder) as floor_port:
        round_trips, stages, floor_trips, floor_embeds, bare = measure(
            port, floor_port, encoders, asked, args.repeat)
    reference = None
    if args.encoder == "torch":
        reference = bare[0]
    elif not args.no_torch:  # once over the questions: it is the slow one
        reference = timed(make_encoder("torch", settings.model_threads).encode_one, asked)

    http_p50, http_p99 = percentile(round_trips, 50), percentile(round_trips, 99)
    bare_p50 = [percentile(times, 50) for times in bare]
    print(f"encoder {args.encoder}; {len(round_trips)} questions; one client, keep-alive; server "
          f"{settings.workers} worker(s) x {settings.threads} threads, {settings.model_threads} "
          f"model thread(s) a call")
    print(f"start-up (qa serve -> healthy /api/health): {startup:.2f} s")
    print(f"HTTP /api/ask      p50 {http_p50:7.2f} ms   p99 {http_p99:7.2f} ms   "
          f"mean {statistics.mean(round_trips):.2f} ms")
    for stage in ("embed", "search", "answer", "total"):
        print(f"server {stage:<11} p50 {percentile([t[stage] for t in stages], 50):7.2f} ms")
    outside = [rt - t["total"] for rt, t in zip(round_trips, stages)]
    print(f"outside service    p50 {percentile(outside, 50):7.2f} ms   (round trip - server total)")
    floor_p50 = percentile(floor_trips, 50)
    print(f"floor app          p50 {floor_p50:7.2f} ms   (Flask on the same gunicorn: embed only)")
    print(f"floor app embed    p50 {percentile(floor_embeds, 50):7.2f} ms   (its model call)")
    for n, p50 in zip(thread_counts, bare_p50):
        print(f"bare encode        p50 {p50:7.2f} ms   ({args.encoder}, {n} thread(s))")
    if reference is not None:
        print(f"bare encode torch  p50 {percentile(reference, 50):7.2f} ms   (reference)")
    print(f"ratio HTTP p50 / bare encode p50: {http_p50 / bare_p50[0]:.2f}   (target <= 1.5; "
          f"the encode with a worker's {thread_counts[0]} thread(s))")
    if len(bare_p50) > 1:
        print(f"ratio HTTP p50 / bare encode p50 on all {cores} cores: {http_p50 / bare_p50[1]:.2f}")
    print(f"ratio floor app p50 / bare encode p50: {floor_p50 / bare_p50[0]:.2f}   (the least any "
          f"Flask app on this server could score)")
    print(f"/api/ask above the floor app: {http_p50 - floor_p50:.2f} ms   (search, answer, the "
          f"service's hooks, its larger response)")
    print(f"ratio HTTP p99 / HTTP p50:        {http_p99 / http_p50:.2f}   (target <= 2)")
    if reference is not None and args.encoder != "torch":
        print(f"ratio bare {args.encoder} / bare torch:  "
              f"{bare_p50[0] / percentile(reference, 50):.2f}")


if __name__ == "__main__":
    main()
