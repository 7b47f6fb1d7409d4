"""Ingest progress: a live bar on a terminal, plain lines otherwise, then a summary."""

from __future__ import annotations

import time
from typing import Callable, TextIO

PLAIN_EVERY_SECONDS = 5.0
BAR_WIDTH = 30


class ProgressReporter:
    """Feeds on ``update(done, total)`` (passages embedded so far, passages to embed).

    The rate counts from the first update, when embedding starts, so the time spent
    reading and splitting files does not dilute the passages per second.
    """

    def __init__(self, stream: TextIO, clock: Callable[[], float] = time.perf_counter):
        self.stream = stream
        self.tty = stream.isatty()
        self.clock = clock
        self.started = clock()
        self.embedding_started: float | None = None
        self.last_plain = float("-inf")
        self.rate = 0.0
        self.drawn = False

    def __enter__(self) -> "ProgressReporter":
        return self

    def __exit__(self, *exc) -> None:
        if self.drawn:
            self.stream.write("\n")  # leave the finished bar on its own line
            self.stream.flush()

    def update(self, done: int, total: int) -> None:
        if total == 0:
            return
        now = self.clock()
        if self.embedding_started is None:
            self.embedding_started = now
        elapsed = now - self.embedding_started
        self.rate = done / elapsed if elapsed > 0 else 0.0
        if self.tty:
            filled = int(BAR_WIDTH * done / total)
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            self.stream.write(f"\rembedding [{bar}] {done}/{total} passages"
                              f"  {self.rate:,.0f} passages/s")
            self.drawn = True
        else:
            # A log file gets a line every few seconds, and always the first and the last.
            if done not in (0, total) and now - self.last_plain < PLAIN_EVERY_SECONDS:
                return
            self.last_plain = now
            self.stream.write(f"embedding: {done}/{total} passages"
                              f" ({self.rate:,.0f} passages/s)\n")
        self.stream.flush()

    def summary(self, summary) -> None:
        """The totals of an ``IngestSummary``; the time is the whole command's."""
        w = self.stream.write
        seconds = self.clock() - self.started
        w(f"ingest: {summary.added} added, {summary.updated} updated, {summary.unchanged} unchanged,"
          f" {summary.removed} removed, {len(summary.skipped)} skipped{_kinds(summary)};"
          f" {summary.embedded} passages embedded"
          + (f" ({self.rate:,.0f} passages/s)" if summary.embedded else "")
          + f"; index holds {summary.documents} documents, {summary.passages} passages"
          f" ({seconds:.1f} s)\n")
        for note in summary.notes:
            w(f"  note: {note}\n")
        for s in summary.skipped:
            w(f"  skipped {s.source}: {s.reason}\n")
        self.stream.flush()


def _kinds(summary) -> str:
    kinds = summary.skipped_by_kind()
    return f" ({', '.join(f'{n} {kind}' for kind, n in kinds.items())})" if kinds else ""
