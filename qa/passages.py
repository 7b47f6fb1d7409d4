"""Documents become passages: runs of whole sentences, each a span of the document.

Passage size: ``MAX_PASSAGE_TOKENS = 128`` estimated word pieces. all-MiniLM-L6-v2 was
trained on sequences of up to 128 word pieces and silently truncates at 256, so a
passage of about 110 real word pieces (the estimate runs ~15% high on prose) is read
whole, sits where the model embeds best, and holds 3-5 sentences -- small enough that a
citation points at the sentences that answer, not at a page.

Tokens are estimated with a regex rather than the tokenizer, which would drag the model
files into ingest; ``tests/test_passages.py`` checks the estimate against the real
tokenizer on the seeds.
"""

from __future__ import annotations

import hashlib
import re

from qa.models import Document, Passage
from qa.sentences import sentence_spans

MAX_PASSAGE_TOKENS = 128

# WordPiece splits long words into pieces of a few letters and long numbers into one- or
# two-digit pieces, and makes every punctuation mark a token of its own. Counting chunks
# of at most 6 letters / 2 digits lands slightly above the real count on prose and
# close to it on URLs and hashes.
_WORD_PIECE = re.compile(r"[^\W\d_]{1,6}|\d{1,2}|[^\w\s]")
_WORD = re.compile(r"\S+")
_LINE_BREAK = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def estimate_tokens(text: str) -> int:
    return len(_WORD_PIECE.findall(text))


def passage_id(document_id: str, start: int, text: str) -> str:
    # The document id and offset make equal text in two places two passages; the text
    # makes any edit a new id. Hex only, so the id is safe in a URL path.
    key = f"{document_id}\x00{start}\x00{text}".encode("utf-8")
    return "p_" + hashlib.sha256(key).hexdigest()[:20]


def _pieces(text: str, start: int, end: int, max_tokens: int):
    """(start, end, tokens) of a sentence, cut at word boundaries if it is too long."""
    tokens = estimate_tokens(text[start:end])
    if tokens <= max_tokens:
        yield start, end, tokens
        return
    piece_start = piece_end = None
    piece_tokens = 0
    for word in _WORD.finditer(text, start, end):
        word_tokens = estimate_tokens(word.group())
        if piece_start is not None and piece_tokens + word_tokens > max_tokens:
            yield piece_start, piece_end, piece_tokens
            piece_start = None
        if piece_start is None:
            piece_start, piece_tokens = word.start(), 0
        piece_end = word.end()
        piece_tokens += word_tokens
    yield piece_start, piece_end, piece_tokens


def split_passages(
    document: Document,
    max_tokens: int = MAX_PASSAGE_TOKENS,
    overlap_sentences: int = 0,
) -> list[Passage]:
    """Pack whole sentences greedily into passages of at most ``max_tokens``.

    A passage that is at least half full ends at a paragraph break, because paragraphs
    are the author's own units; a shorter one runs on, so that headings and one-line
    paragraphs do not become passages too small to retrieve. With ``overlap_sentences``
    a passage that ends for lack of room repeats the last sentences of the one before.
    """
    text = document.text
    spans: list[tuple[int, int]] = []  # of the passages
    current: list[tuple[int, int, int]] = []  # (start, end, tokens) of its sentences
    current_tokens = 0

    def close() -> None:
        spans.append((current[0][0], current[-1][1]))

    for sentence_start, sentence_end in sentence_spans(text):
        for start, end, tokens in _pieces(text, sentence_start, sentence_end, max_tokens):
            if current:
                new_paragraph = _LINE_BREAK.search(text, current[-1][1], start) is not None
                if new_paragraph and 2 * current_tokens >= max_tokens:
                    close()
                    current, current_tokens = [], 0
                elif current_tokens + tokens > max_tokens:
                    close()
                    # Keep at most all but one sentence, so that each passage starts later.
                    keep = min(overlap_sentences, len(current) - 1)
                    current = current[len(current) - keep :]
                    current_tokens = sum(tokens for _, _, tokens in current)
                    # Drop overlap that would leave no room for the new sentence.
                    while current and current_tokens + tokens > max_tokens:
                        current_tokens -= current.pop(0)[2]
            current.append((start, end, tokens))
            current_tokens += tokens
    if current:
        close()

    return [
        Passage(passage_id(document.id, start, text[start:end]), document.id, start, end, text[start:end])
        for start, end in spans
    ]
