import io

from qa.ingest import IngestSummary
from qa.models import Skipped
from qa.progress import ProgressReporter


class Clock:
    """A clock the test moves by hand: rates are exact, and no test waits."""

    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


SUMMARY = IngestSummary(added=2, updated=1, unchanged=4, removed=3, passages=70, documents=7,
                        embedded=20, skipped=[Skipped("bad.txt", "empty file", "empty"),
                                              Skipped("x.pdf", "unsupported file type")])


def test_plain_progress_lines_and_summary():
    out, clock = io.StringIO(), Clock()
    with ProgressReporter(out, clock) as r:
        clock.now += 7.0  # reading and splitting files: not part of the embedding rate
        r.update(0, 20)
        clock.now += 1.0
        r.update(5, 20)  # throttled: not on a terminal, lines at most every few seconds
        clock.now += 5.0
        r.update(10, 20)  # 10 passages in 6 s
        clock.now += 4.0
        r.update(20, 20)  # 20 in 10 s
    r.summary(SUMMARY)
    lines = out.getvalue().splitlines()
    assert lines[:3] == ["embedding: 0/20 passages (0 passages/s)",
                         "embedding: 10/20 passages (2 passages/s)",
                         "embedding: 20/20 passages (2 passages/s)"]
    assert "\r" not in out.getvalue()
    assert lines[3] == ("ingest: 2 added, 1 updated, 4 unchanged, 3 removed,"
                        " 2 skipped (1 empty, 1 invalid);"
                        " 20 passages embedded (2 passages/s); index holds 7 documents,"
                        " 70 passages (17.0 s)")
    assert lines[4:] == ["  skipped bad.txt: empty file", "  skipped x.pdf: unsupported file type"]


def test_terminal_gets_one_redrawn_bar_with_passages_per_second():
    out, clock = Terminal(), Clock()
    with ProgressReporter(out, clock) as r:
        for done in range(0, 1001, 250):
            r.update(done, 1000)
            clock.now += 0.5  # 250 passages every half second
    text = out.getvalue()
    frames = text.split("\r")[1:]
    assert len(frames) == 5  # every update redraws, on the same line
    assert frames[2] == "embedding [###############---------------] 500/1000 passages  500 passages/s"
    assert frames[-1].startswith("embedding [" + "#" * 30 + "] 1000/1000 passages")
    assert text.endswith("\n") and text.count("\n") == 1  # the bar ends on its own line


def test_nothing_to_embed_draws_nothing_and_still_summarises():
    out = Terminal()
    with ProgressReporter(out) as r:
        r.update(0, 0)
    r.summary(IngestSummary(unchanged=5, documents=5, passages=34))
    assert out.getvalue().startswith("ingest: 0 added, 0 updated, 5 unchanged, 0 removed,"
                                     " 0 skipped; 0 passages embedded; index holds 5 documents")
