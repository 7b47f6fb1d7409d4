"""Who speaks each quotation of a news text.

Read by answer selection (qa.answers): "What did the air force chief call Russia?" is
answered by a quote ('"Russia is our loyal and reliable partner ...," he said.') that
names neither the chief nor his title; the text said who he is once, in its opening
("..., Malian Air Force Chief of Staff Alou Boi Diarra said in an interview").
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

from qa.models import Passage
from qa.names import ROLES_READ_FROM, SPEECH_VERBS, places_in, roles_in
from qa.retrieval import PASSAGES_REMEMBERED
from qa.words import STOPWORDS, stem, tokens

_SPEECH = (rf"(?:{'|'.join(SPEECH_VERBS.split())}|say|adds|insisted|recalled|concluded|"
           r"emphasi[sz]ed|underlined)")
# Who speaks, as a text names them after a quote: "he", "Diarra", "the Malian officer",
# "the Ambassador of the Russian Federation to Mali", "Igor Gromyko, Ambassador of ...".
_WHO = r"(?:[Hh]e|[Ss]he|[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)*|the\s+[^,.;\"“”\n]{1,80}?)"
# A quotation, from its opening mark to its closing one, and who the words after it say
# spoke it ('," he said.', '," Diop specified.', ',” says Igor Gromyko', ',” added the
# Ambassador ... during this event.').
_QUOTATION = re.compile(
    rf"[\"“](?P<quote>[^\"“”\n]+)[\"”]\s*,?\s+"
    rf"(?:(?P<who>{_WHO})\s+{_SPEECH}\b|{_SPEECH}\s+(?P<who_after>{_WHO})(?=[\s,.;]|$))")
# The person a text quotes first, as its opening says it: "..., Malian Air Force Chief of
# Staff Alou Boi Diarra said in an interview", "... Shogel Kokalla Maiga told RIA
# Novosti", '..." says Igor Gromyko, Ambassador ...'.
_NAMED_SPEAKER = re.compile(
    rf"\b(?P<who>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)*)\s+{_SPEECH}\b"
    rf"|\b{_SPEECH}\s+(?P<who_after>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)*)")
# A speaker named by name, not by "he" or a title alone.
_NAME = re.compile(r"(?!(?:He|She)\b)[A-Z]")
# Each quotation's span and who speaks it, as stemmed words.
Quotations = tuple[tuple[int, int, frozenset[str]], ...]
# How far into a text its opening says whom it quotes.
OPENING = 1500


def _speaker_words(who: str, roles: dict[str, frozenset[str]], places: frozenset[str]
                   ) -> frozenset[str]:
    """The stemmed words that say who ``who`` is: their own and their titles', but not the
    places a title names ("Ambassador of the Russian Federation in Mali"), which say what
    the quote is about no more than any sentence of the text."""
    words = [w for w in tokens(who) if w not in STOPWORDS]
    titles = frozenset().union(*(roles[w] for w in words if w in roles))
    return (frozenset(stem(w) for w in words) | titles) - places


def _first_speaker(text: str, roles: dict[str, frozenset[str]], places: frozenset[str]
                   ) -> frozenset[str]:
    """Who the opening of ``text`` says speaks, as words: the first person named with a verb
    of speech whose titles the text gives ("..., the prime minister of the transitional
    government of Mali Shogel Kokalla Maiga told RIA Novosti")."""
    for m in _NAMED_SPEAKER.finditer(text[:OPENING]):
        who = m.group("who") or m.group("who_after")
        if tokens(who)[-1:] and tokens(who)[-1] in roles:
            return _speaker_words(who, roles, places)
    return frozenset()


@lru_cache(maxsize=PASSAGES_REMEMBERED)
def quotations(text: str) -> Quotations:
    """Each quotation's span in ``text`` and the stemmed words that say who speaks it: the
    words the text names the speaker with, and the name and titles of the person the text
    quotes first when it names them by "he" or a title alone ("the officer said")."""
    if _QUOTATION.search(text) is None:  # most texts quote no one: no names read
        return ()
    # Who a text's people are, it says near its opening (a long text says it again later,
    # and the name alone is then still found).
    opening = text[:ROLES_READ_FROM]
    roles = roles_in(opening)
    places = frozenset(stem(p) for p in places_in([opening]))
    first = _first_speaker(text, roles, places)
    found = []
    for m in _QUOTATION.finditer(text):
        who = m.group("who") or m.group("who_after")
        words = _speaker_words(who, roles, places)
        if not _NAME.match(who):
            words |= first  # "he", "the officer": the text's speaker, as far as it says
        found.append((m.start("quote"), m.end("quote"), words))
    return tuple(found)


def speaker_of(quotes: Quotations, start: int, end: int) -> frozenset[str]:
    """Who speaks the quotation that the sentence from ``start`` to ``end`` is of, as words
    (the sentence may hold the quotation's opening mark and its closing words, '," he
    said.'), or nothing."""
    for q_start, q_end, speaker in quotes:
        if q_start - 1 <= start < q_end and end > q_start:
            return speaker
    return frozenset()


def speakers_within(quotes: Quotations, start: int, end: int) -> str:
    """Who speaks the quotations that the span from ``start`` to ``end`` holds a part of,
    as words separated by spaces ('' if none): searched with a passage, they find its
    quotes for a question that names the speaker ("What did the air force chief call
    Russia?")."""
    words = set()
    for q_start, q_end, speaker in quotes:
        if q_start < end and start < q_end:
            words |= speaker
    return " ".join(sorted(words))


def searched_contexts(text: str, passages: Iterable[Passage]) -> dict[str, str]:
    """Passage id -> who speaks the quotations it holds a part of (``speakers_within``), for
    the passages of a document whose text is ``text``."""
    quotes = quotations(text)
    return {p.passage_id: speakers_within(quotes, p.start, p.end) for p in passages}
