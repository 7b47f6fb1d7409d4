"""Turn corpus paths (directories of text files, JSONL files) into ``Document``s.

This is the only module that reads source files. Bad input never stops a load: each
file or record that cannot be used is reported in ``CorpusLoad.skipped`` with a reason
a person can act on, and the rest of the corpus is still loaded. Only a path that
cannot be ingested at all (missing, or of an unsupported kind) raises ``CorpusError``.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from qa.errors import CorpusError
from qa.models import Document, Skipped

MAX_FILE_BYTES = 20 * 1024 * 1024
TEXT_SUFFIXES = (".txt", ".md", ".html")
JSONL_SUFFIX = ".jsonl"
TITLE_MAX_CHARS = 140
# Metadata (URL line, datelines) sits at the top of an article; looking further down
# would mistake quoted text for metadata.
HEADER_LINES = 5
PLAUSIBLE_YEARS = range(1990, 2036)

MONTHS = {
    name: number
    for number, name in enumerate(
        "january february march april may june july august september october november december".split(),
        start=1,
    )
}


class InvalidDocumentError(ValueError):
    """A record or text that cannot become a document; the message says why."""


@dataclass
class CorpusLoad:
    documents: list[Document] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # non-fatal, e.g. bad UTF-8 replaced
    roots: list[str] = field(default_factory=list)  # absolute paths of ingested directories


# --------------------------------------------------------------------------- loading


def load_corpus(paths: Sequence[str | Path], max_file_bytes: int = MAX_FILE_BYTES) -> CorpusLoad:
    """Load every document under ``paths``; the first occurrence of an id wins. A text
    file, or a JSONL record, larger than ``max_file_bytes`` is skipped."""
    checked = [_check_path(Path(p)) for p in paths]  # fail before loading anything
    load = CorpusLoad()
    first_seen: dict[str, str] = {}
    for path in checked:
        if path.is_dir() and str(path.resolve()) not in load.roots:
            load.roots.append(str(path.resolve()))
        for item in _read_path(path, load, max_file_bytes):
            if isinstance(item, Skipped):
                load.skipped.append(item)
                continue
            source, doc = item
            if doc.id in first_seen:
                load.skipped.append(Skipped(source, f"duplicate id, first seen in {first_seen[doc.id]}",
                                            "duplicate id"))
                continue
            first_seen[doc.id] = source
            load.documents.append(doc)
    return load


def _check_path(path: Path) -> Path:
    if not path.exists():
        raise CorpusError(f"{path}: no such file or directory")
    if path.is_dir() or path.suffix.lower() in (*TEXT_SUFFIXES, JSONL_SUFFIX):
        return path
    raise CorpusError(
        f"{path}: unsupported kind of file (expected a directory, a .jsonl file or {', '.join(TEXT_SUFFIXES)})"
    )


def _read_path(path: Path, load: CorpusLoad, limit: int) -> Iterator[tuple[str, Document] | Skipped]:
    if path.is_dir():
        for file in _text_files(path):
            doc_id = file.relative_to(path).with_suffix("").as_posix()
            yield _read_text_file(file, doc_id, load, limit)
    elif path.suffix.lower() == JSONL_SUFFIX:
        yield from _read_jsonl(path, load, limit)
    else:
        yield _read_text_file(path, path.stem, load, limit)


def _text_files(root: Path) -> list[Path]:
    """Text files under ``root``, hidden files and directories left out, in a stable order."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]  # prune hidden dirs
        for name in filenames:
            if not name.startswith(".") and Path(name).suffix.lower() in TEXT_SUFFIXES:
                found.append(Path(dirpath, name))
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def _too_large(size: int, limit: int) -> str:
    return f"{size} bytes, larger than the limit of {limit} bytes (QA_MAX_FILE_BYTES)"


def _read_text_file(path: Path, doc_id: str, load: CorpusLoad, limit: int
                    ) -> tuple[str, Document] | Skipped:
    source = str(path)
    try:
        size = path.stat().st_size
        if size > limit:
            return Skipped(source, f"file is {_too_large(size, limit)}", "too large")
        data = path.read_bytes()
    except OSError as exc:  # unreadable (permissions, vanished mid-walk): skip, keep going
        return Skipped(source, f"cannot read file: {exc.strerror or exc}", "unreadable")
    # Text never holds NUL; anywhere in the file it means binary (or UTF-16), not text.
    if b"\x00" in data:
        return Skipped(source, "binary file (contains NUL bytes), not text", "binary")
    raw = _decode(data, source, load)
    if not raw.strip():
        return Skipped(source, "empty file", "empty")
    title = None
    suffix = path.suffix.lower()
    if suffix == ".html":
        raw, title = html_to_text(raw)
    elif suffix == ".md":
        title = markdown_title(raw)
    try:
        return source, document_from_text(doc_id, raw, title=title)
    except InvalidDocumentError as exc:
        return Skipped(source, str(exc))


def _read_jsonl(path: Path, load: CorpusLoad, limit: int) -> Iterator[tuple[str, Document] | Skipped]:
    # Read line by line: a JSONL corpus may be large, and one bad line must not cost the rest.
    with path.open("rb") as lines:
        for number, data in enumerate(lines, start=1):
            source = f"{path}:{number}"
            if not data.strip():
                continue
            if len(data) > limit:
                yield Skipped(source, f"line {number}: record of {_too_large(len(data), limit)}",
                              "too large")
                continue
            text = _decode(data, source, load)
            if number == 1:
                text = text.lstrip("\ufeff")
            try:
                record = json.loads(text)
            except json.JSONDecodeError:
                yield Skipped(source, f"line {number}: not valid JSON", "not JSON")
                continue
            try:
                yield source, document_from_record(record)
            except InvalidDocumentError as exc:
                yield Skipped(source, f"line {number}: {exc}")


def _decode(data: bytes, source: str, load: CorpusLoad) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        load.notes.append(f"{source}: invalid UTF-8 decoded with replacement")
        return data.decode("utf-8-sig", errors="replace")


# --------------------------------------------------------------------------- records


def document_from_record(record: dict) -> Document:
    """A JSONL record ``{id|_id, text, title?, url?, published?, source?}`` as a document."""
    if not isinstance(record, dict):
        raise InvalidDocumentError("not a JSON object")
    doc_id = record.get("id", record.get("_id"))
    if isinstance(doc_id, int) and not isinstance(doc_id, bool):
        doc_id = str(doc_id)
    if not isinstance(doc_id, str) or not doc_id.strip():
        raise InvalidDocumentError("record has no id (expected a string 'id' or '_id')")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InvalidDocumentError("record has no text (expected a non-empty string 'text')")
    metadata = {}
    for name in ("title", "source", "url", "published"):
        value = record.get(name)
        if value is not None and not isinstance(value, str):
            raise InvalidDocumentError(f"'{name}' must be a string")
        metadata[name] = value or None
    if metadata["published"] is not None:
        metadata["published"] = _iso_date(metadata["published"])
    return document_from_text(doc_id.strip(), text, **metadata)


def _iso_date(value: str) -> str:
    match = re.match(r"\s*(\d{4}-\d{2}-\d{2})", value)
    if not match:
        raise InvalidDocumentError(f"'published' must be an ISO date (YYYY-MM-DD), got {value!r}")
    return match.group(1)


# --------------------------------------------------------------------------- documents


def document_from_text(
    doc_id: str,
    raw: str,
    *,
    title: str | None = None,
    source: str | None = None,
    url: str | None = None,
    published: str | None = None,
) -> Document:
    """Clean ``raw`` and read its metadata; explicit arguments win over what the text says."""
    text = normalise_newlines(raw)
    text, date_token = _pop_date_token(text)
    text, url_line = _pop_url_line(text)
    text = clean_text(text)
    if not text:
        raise InvalidDocumentError("empty after cleaning (nothing but page debris)")
    dateline = _find_dateline(text)
    return Document(
        id=doc_id,
        text=text,
        title=title or default_title(text),
        source=source or dateline.source or _credit_line_source(text),
        url=url or url_line,
        published=published or date_token or dateline.date(text),
    )


def normalise_newlines(raw: str) -> str:
    return raw.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


_DATE_TOKEN = re.compile(r"\A\s*date\s+(\d{4}-\d{2}-\d{2})\b[ \t]*")


def _pop_date_token(text: str) -> tuple[str, str | None]:
    """A leading ``date 2022-05-23`` token, as some scrapers write it: pure metadata."""
    match = _DATE_TOKEN.match(text)
    if not match:
        return text, None
    return text[match.end() :], match.group(1)


_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_IMAGE_URL = re.compile(r"\.(?:jpe?g|png|gif|webp|svg)(?:[?#]\S*)?$", re.IGNORECASE)


def _pop_url_line(text: str) -> tuple[str, str | None]:
    """The page's own address, when a line near the top is nothing but a (non-image) URL."""
    lines = text.split("\n")
    seen = 0
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        seen += 1
        if seen > HEADER_LINES:
            break
        candidate = line.strip()
        if _URL.fullmatch(candidate) and not _IMAGE_URL.search(candidate):
            return "\n".join(lines[:index] + lines[index + 1 :]), candidate
    return text, None


def default_title(text: str) -> str:
    """The first sentence (after any dateline), cut at a word boundary if long."""
    first_line = _strip_dateline(text.split("\n", 1)[0])
    sentence = re.split(r"(?<=[.!?])\s+(?=[\"“'A-Z])", first_line, maxsplit=1)[0]
    if len(sentence) <= TITLE_MAX_CHARS:
        return sentence
    cut = sentence[:TITLE_MAX_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(",;:-– ") + "…"


def markdown_title(raw: str) -> str | None:
    """A leading ``# Heading`` in a Markdown file."""
    match = re.match(r"\A\s*#[ \t]+(.+?)[ \t#]*$", normalise_newlines(raw), re.MULTILINE)
    return match.group(1).strip() if match else None


# --------------------------------------------------------------------------- metadata in text

_CITY = r"[A-Z]{2,}(?:[ -][A-Z]{2,})*"
# "MOSCOW, August 21. /TASS/." -- the agency style with month and day but no year.
_AGENCY_DATELINE = re.compile(rf"^{_CITY}, ([A-Z][a-z]+) (\d{{1,2}})\. /([^/\n]+)/\.?", re.MULTILINE)
# "MOSCOW (Sputnik) -" or "MOSCOW (UrduPoint News / Sputnik - 23rd May, 2022)".
_PAREN_DATELINE = re.compile(rf"^{_CITY} \(([^()\n]+)\)(?:\s*[-–—])?", re.MULTILINE)
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})(?:st|nd|rd|th)? ([A-Z][a-z]+),? (\d{4})")
_MONTH_DAY_YEAR = re.compile(r"([A-Z][a-z]+) (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})")
_CREDIT_LINE = re.compile(r"^(?:Based on materials from|According to materials from|Source:)\s+(.+?)\.?$", re.MULTILINE)
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")


@dataclass
class _Dateline:
    source: str | None = None
    year: int | None = None
    month: int | None = None
    day: int | None = None

    def date(self, text: str) -> str | None:
        if not (self.month and self.day):
            return None
        # An agency dateline has no year; the latest plausible year the article mentions
        # is the best guess (an event "in 2012" is background, "Army-2024" is the news).
        year = self.year or _latest_year(text)
        return f"{year:04d}-{self.month:02d}-{self.day:02d}" if year else None


def _header(text: str) -> str:
    return "\n".join([line for line in text.split("\n") if line.strip()][:HEADER_LINES])


def _find_dateline(text: str) -> _Dateline:
    header = _header(text)
    match = _AGENCY_DATELINE.search(header)
    if match and match.group(1).lower() in MONTHS:
        return _Dateline(match.group(3).strip(), None, MONTHS[match.group(1).lower()], int(match.group(2)))
    match = _PAREN_DATELINE.search(header)
    if match:
        return _paren_dateline(match.group(1))
    return _Dateline()


def _paren_dateline(inside: str) -> _Dateline:
    """``UrduPoint News / Sputnik - 23rd May, 2022`` -> outlet and date; ``Sputnik`` -> outlet."""
    outlet, _, when = inside.rpartition(" - ")
    for pattern, order in ((_DAY_MONTH_YEAR, "dmy"), (_MONTH_DAY_YEAR, "mdy")):
        match = pattern.fullmatch(when.strip()) if outlet else None
        if match:
            parts = dict(zip(order, match.groups()))
            month = MONTHS.get(parts["m"].lower())
            if month:
                return _Dateline(outlet.strip(), int(parts["y"]), month, int(parts["d"]))
    return _Dateline(inside.strip())


def _credit_line_source(text: str) -> str | None:
    match = _CREDIT_LINE.search(text)
    return match.group(1).strip() if match else None


def _strip_dateline(line: str) -> str:
    for pattern in (_AGENCY_DATELINE, _PAREN_DATELINE):
        match = pattern.match(line)
        if match:
            return line[match.end() :].strip()
    return line


def _latest_year(text: str) -> int | None:
    years = [int(y) for y in _YEAR.findall(text) if int(y) in PLAUSIBLE_YEARS]
    return max(years, default=None)


# --------------------------------------------------------------------------- cleaning

# XPath/meta-tag paths a scraper leaked, e.g. "/html/head/meta[@name='og:title']/@content".
_XPATH = re.compile(r"^/\S*(?:\[@|/@)|^/html/")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$")
_TAG_TOKEN = re.compile(r"\w[\w-]*")
_SENTENCE_END = ('.', '!', '?', '"', '”')
REPEATED_LINE_LIMIT = 3


def clean_text(raw: str) -> str:
    """Remove page debris but keep every sentence; paragraphs are separated by a blank line."""
    lines = [line.rstrip() for line in normalise_newlines(raw).split("\n")]
    counts = Counter(line.strip() for line in lines if line.strip())
    # Boilerplate (a contact line, a share bar) repeats; an article's sentences do not.
    repeated = {line for line, n in counts.items() if n >= REPEATED_LINE_LIMIT}
    paragraphs: list[str] = []
    for block in _blocks(lines):
        paragraph = "\n".join(line for line in block if line.strip() not in repeated and not is_debris_line(line))
        if paragraph and (not paragraphs or paragraphs[-1] != paragraph):  # a headline printed twice
            paragraphs.append(paragraph)
    return "\n\n".join(paragraphs).strip()


def _blocks(lines: list[str]) -> Iterator[list[str]]:
    """Runs of non-blank lines: the paragraphs as the source laid them out."""
    block: list[str] = []
    for line in lines:
        if line.strip():
            block.append(line)
        elif block:
            yield block
            block = []
    if block:
        yield block


def is_debris_line(line: str) -> bool:
    """A line that is page furniture, not article text."""
    text = line.strip()
    if not text:
        return False
    return bool(_XPATH.match(text) or _URL.fullmatch(text) or _TIMESTAMP.match(text)) or _is_tag_line(text)


def _is_tag_line(text: str) -> bool:
    """``africa``, ``News``, ``en_EN``, ``1920 1080 true``, ``africa, russia, mali``."""
    if text.endswith(_SENTENCE_END):
        return False
    tokens = [t for t in re.split(r"[,\s]+", text) if t]
    if not 1 <= len(tokens) <= 3 or not all(_TAG_TOKEN.fullmatch(t) for t in tokens):
        return False
    # One word alone is a tag; several must look like tags/codes, not a short heading.
    return len(tokens) == 1 or all(t == t.lower() or re.search(r"[\d_]", t) for t in tokens)


# --------------------------------------------------------------------------- HTML

_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
    "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
    "main", "nav", "ol", "p", "pre", "section", "table", "tr", "ul",
}
_HIDDEN_TAGS = {"script", "style", "noscript", "template"}


class _HTMLTextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title_parts: list[str] = []
        self.hidden_depth = 0
        self.in_head = False
        self.in_title = False

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _HIDDEN_TAGS:
            self.hidden_depth += 1
        elif tag == "head":
            self.in_head = True
        elif tag == "body":  # </head> may be omitted
            self.in_head = False
        elif tag == "title":
            self.in_title = True
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            self.hidden_depth = max(0, self.hidden_depth - 1)
        elif tag == "head":
            self.in_head = False
        elif tag == "title":
            self.in_title = False
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self.hidden_depth:
            return
        if self.in_title:
            self.title_parts.append(data)
        elif not self.in_head:
            self.parts.append(data)


def html_to_text(html: str) -> tuple[str, str | None]:
    """Visible text of an HTML page (block elements become paragraphs) and its ``<title>``."""
    parser = _HTMLTextExtractor()
    parser.feed(html)
    parser.close()
    paragraphs = (" ".join(p.split()) for p in re.split(r"\n\s*\n", "".join(parser.parts)))
    title = " ".join("".join(parser.title_parts).split()) or None
    return "\n\n".join(p for p in paragraphs if p), title
