"""Ingest progress: a live bar on a terminal, plain lines otherwise, then a summary."""

from __future__ import annotations

import time
from typing import TextIO

PLAIN_EVERY_SECONDS = 5.0


class ProgressReporter:
    def __init__(self, stream: TextIO):
        self.stream = stream
        self.tty = stream.isatty()
        self.started = time.perf_counter()
        self.last_plain = 0.0
        self.drawn = False

    def __enter__(self) -> "ProgressReporter":
        return self

    def __exit__(self, *exc) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()

    def update(self, done: int, total: int) -> None:
        if total == 0:
            return
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        rate = done / elapsed
        if self.tty:
            width = 30
            filled = int(width * done / total)
            bar = "#" * filled + "-" * (width - filled)
            self.stream.write(f"\rembedding [{bar}] {done}/{total} passages  {rate:,.0f}/s")
            self.drawn = True
        else:
            now = time.perf_counter()
            if done not in (0, total) and now - self.last_plain < PLAIN_EVERY_SECONDS:
                return
            self.last_plain = now
            self.stream.write(f"embedding: {done}/{total} passages ({rate:,.0f}/s)\n")
        self.stream.flush()

    def summary(self, summary) -> None:
        w = self.stream.write
        w(f"ingest: {summary.added} added, {summary.updated} updated, {summary.unchanged} unchanged,"
          f" {summary.removed} removed, {len(summary.skipped)} skipped{_kinds(summary)};"
          f" {summary.embedded} passages embedded; index holds {summary.documents} documents,"
          f" {summary.passages} passages ({summary.seconds:.1f} s)\n")
        for note in summary.notes:
            w(f"  note: {note}\n")
        for s in summary.skipped:
            w(f"  skipped {s.source}: {s.reason}\n")
        self.stream.flush()


def _kinds(summary) -> str:
    kinds = summary.skipped_by_kind()
    return f" ({', '.join(f'{n} {kind}' for kind, n in kinds.items())})" if kinds else ""
