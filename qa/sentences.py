"""Rule-based sentence splitting that reports character spans.

Passages and answers cite exact character offsets, so the splitter never rewrites the
text: it returns ``(start, end)`` spans, each stripped of surrounding white space, that
together cover every non-space character. It is a handful of regular expressions and a
few checks per candidate boundary (not per character), because it runs over the whole
corpus at ingest time; a model-based splitter would cost more than the embedding.
"""

from __future__ import annotations

import re

# Words that take a period without ending the sentence. Case matters: "No. 5" is an
# abbreviation, "I said no. Then" is not. "etc.", "e.g." and "i.e." are not listed:
# before a lowercase word nothing breaks anyway, and "e.g."/"i.e." are dotted
# acronyms (below).
ABBREVIATIONS = frozenset(
    """
    Mr Mrs Ms Dr St Prof Gen Col Lt Sgt Capt Maj Adm Cmdr Rev Sen Rep Gov Pres Hon
    Jr Sr Inc Ltd Co Corp Bros No Nos vs Vs cf al approx Fig fig Vol vol Mt Ft Ave
    Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec
    """.split()
)

_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # what str.splitlines() splits on
# Closing quotes and brackets may follow the final punctuation and belong to the
# sentence (written for a regex character class, hence the escaped bracket).
_CLOSERS = "\"”’'»)\\]"

_CANDIDATE = re.compile(
    # Terminal punctuation, any closing quotes or brackets, then white space. Matched
    # from the start of a run only and possessively, so a long run of dots is read once.
    rf"(?<![.!?…])(?P<stop>[.!?…]++[{_CLOSERS}]*+)(?=\s)"
    # A line break always ends a sentence (paragraph or single newline).
    rf"|(?P<line>[{_LINE_BREAKS}])"
    # Sentences glued together by page scraping: "expertise.Import of weapons".
    # Checked further in _is_glued; the lookbehind only makes candidates rare.
    r"|(?P<glued>(?<=[^\W\d_]{3})\.)(?=[^\W\d_])"
)
_NON_SPACE = re.compile(r"\S")
# The token before a period: from the last white space (a window is enough).
_LAST_TOKEN = re.compile(r"\S*\Z")
_OPENERS = "\"“‘'([«"
_DOTTED = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")  # U.S, U.N, e.g, i.e (final dot cut)
_DATELINE_AGENCY = re.compile(r"/[^\W\d_]+/")  # "/TASS/."


def _token_before(text: str, end: int) -> str:
    return _LAST_TOKEN.search(text, max(0, end - 40), end).group().lstrip(_OPENERS)


def _ends_sentence(text: str, match: re.Match) -> bool:
    stop = match.group("stop")
    found = _NON_SPACE.search(text, match.end())
    if found is None:
        return True
    following = found.group()
    if following.islower():
        # "e.g. the", "etc. and", '"Why?" he asked' -- a sentence never starts lowercase.
        return False
    if following == "/":
        # A dateline: "MOSCOW, August 21. /TASS/. The ..." is one sentence.
        return False
    if stop[-1] != ".":
        return True  # ?, !, … or a closing quote: '."' / '.”' end after the quote.
    if len(stop) > 1:
        return True  # an ellipsis
    word = _token_before(text, match.start())
    if word in ABBREVIATIONS:
        return False
    if len(word) == 1 and word.isupper():
        return False  # an initial: "J. R. R. Tolkien", "Alou B. Diarra"
    if _DOTTED.fullmatch(word) or _DATELINE_AGENCY.fullmatch(word):
        return False
    return True


def _is_glued(text: str, match: re.Match) -> bool:
    # Only "word.Word" where the word is lowercase and 3+ letters, so that "U.S.",
    # "sputniknews.com", "3.5" and "e.g." stay whole.
    following = text[match.end()]
    word = _token_before(text, match.start())
    return following.isupper() and len(word) >= 3 and word.isalpha() and word.islower()


def _break_points(text: str):
    for match in _CANDIDATE.finditer(text):
        if match.group("line") is not None:
            yield match.start()
        elif match.group("stop") is not None:
            if _ends_sentence(text, match):
                yield match.end()
        elif _is_glued(text, match):
            yield match.end()


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text``, in order, stripped, non-overlapping."""
    spans: list[tuple[int, int]] = []
    start = 0
    for cut in [*_break_points(text), len(text)]:
        piece = text[start:cut]
        stripped = piece.strip()
        if stripped:
            left = start + len(piece) - len(piece.lstrip())
            spans.append((left, left + len(stripped)))
        start = cut
    return spans


def split_sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in sentence_spans(text)]
