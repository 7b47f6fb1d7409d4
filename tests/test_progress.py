import io

from qa.ingest import IngestSummary
from qa.models import Skipped
from qa.progress import ProgressReporter


def test_plain_progress_lines_and_summary():
    out = io.StringIO()
    with ProgressReporter(out) as r:
        r.update(0, 10)
        r.update(5, 10)  # throttled: not on a terminal, lines at most every few seconds
        r.update(10, 10)
    s = IngestSummary(added=2, unchanged=1, skipped=[Skipped("bad.txt", "empty file")], passages=7,
                      documents=3, embedded=7)
    r.summary(s)
    text = out.getvalue()
    assert "embedding: 0/10" in text and "embedding: 10/10" in text and "5/10" not in text
    assert "2 added" in text and "1 skipped" in text and "skipped bad.txt: empty file" in text
    assert "\r" not in text
