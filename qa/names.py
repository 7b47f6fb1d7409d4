"""Names in a text: which capitalised runs may be names, which of them are places and
which people, and what titles a text gives its people.

Read by answer selection (qa.answers): who / which / where questions want a name of the
right kind, and a question may name a person by their title ("the air force chief").
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Sequence

from qa.retrieval import PASSAGES_REMEMBERED
from qa.words import MONTHS, STOPWORDS, stem, tokens

# A name: capitalised words, or an acronym, anywhere but as a sentence's or a paragraph's
# first word (there, a capital says nothing); a run of two or more counts even there.
NAME_RUN = re.compile(r"(?<!^)(?<![.!?]\s)(?<![.!?][\"”’]\s)(?<!\n)\b[A-Z][\w'’-]*(?:\s+(?:of\s+|the\s+|de\s+)?[A-Z][\w'’-]*)*"
                   r"|^[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)+")
CALENDAR = frozenset(MONTHS.lower().split("|")) | frozenset(
    "monday tuesday wednesday thursday friday saturday sunday".split())
# "French military", "Malian government": a capitalised adjective of nationality before a
# noun, not a name.
_NATIONALITY_BEFORE_NOUN = r"[A-Z][a-z]+(?:an|ese|ish|ch|ic)\s+[a-z]"
_NATIONALITY = re.compile(_NATIONALITY_BEFORE_NOUN)
# Words that make a capitalised run an organisation, a place or a document, not a person.
NOT_A_PERSON = frozenset("""republic federation ministry council nations union court forces
army mission agency company government charter state states kingdom assembly party front
committee commission bank office department university news center centre exhibition
convention day week north south east west african european administration decentralisation
decentralization television network western eastern northern southern""".split())
TITLES = frozenset("""mr mrs ms dr president minister colonel general spokesman spokeswoman
ambassador leader chief officer secretary deputy director prince king queen prime""".split())


# "Mali's Foreign Minister Says Security Cooperation With Russia Giving 'Impressive
# Results'": a headline capitalises every word, verbs and prepositions too, and none of
# them is a name for it. A sentence of names ("Foreign Minister Sergei Lavrov met the
# Security Council") keeps its other words in lower case.
_LONG_WORD = re.compile(r"[A-Za-z][\w'’-]{3,}")
_CAPITALISED_SMALL_WORD = re.compile(r"(?<!^)\b(?:Says?|Is|Are|Was|Were|Has|Have|Will|With|From|"
                                     r"For|And|Into|Over|After|Amid|Against)\b")


def is_headline(sentence: str) -> bool:
    """Whether ``sentence`` is written as a headline: its words of four letters or more
    nearly all capitalised, verbs or prepositions among them."""
    words = _LONG_WORD.findall(sentence)
    return (len(words) >= 4 and sum(w[0].isupper() for w in words) >= 0.8 * len(words)
            and _CAPITALISED_SMALL_WORD.search(sentence) is not None)


def find_names(sentence: str, places: frozenset[str] = frozenset()) -> list[str]:
    """Capitalised runs that may be names: not a month or weekday, not a nationality
    adjective before its noun, not the words of a headline."""
    if is_headline(sentence):
        return []
    names = []
    for m in NAME_RUN.finditer(sentence):
        words = [w.lower().strip("'’") for w in m.group(0).split()]
        if all(w in CALENDAR for w in words if w not in STOPWORDS):
            continue
        if len(words) == 1 and _NATIONALITY.match(sentence, m.start()):
            continue
        names.append(m.group(0))
    return names


# "in Mali", "from Moscow", "a visit to Russia": a capitalised word after such a
# preposition is a place, unless it is an adjective of nationality before its noun ("in
# the African nation"). A bare "to" may lead to a person ("told to Diop").
_AFTER_PLACE_WORD = re.compile(r"\b(?:in|from|at|into|across|outside|near|throughout|(?:visits?|"
                               r"visited|trips?|travell?ed|journey|flew|returned) to)\s+"
                               rf"(?:the\s+)?(?!{_NATIONALITY_BEFORE_NOUN})([A-Z][\w-]*)\b")


def places_in(texts: Sequence[str]) -> frozenset[str]:
    """Capitalised words the texts use as places ("in Mali", "from Moscow"), lower case."""
    return frozenset(m.group(1).lower() for t in texts for m in _AFTER_PLACE_WORD.finditer(t))


def bare(word: str) -> str:
    return re.sub(r"['’]s$", "", word.lower()).strip("'’")


def is_place(name: str, places: frozenset[str]) -> bool:
    return all(bare(w) in places for w in name.split())


def find_places(sentence: str, places: frozenset[str] = frozenset()) -> list[str]:
    """Names the text uses as places."""
    return [n for n in find_names(sentence) if is_place(n, places)]


def find_people(sentence: str, places: frozenset[str] = frozenset()) -> list[str]:
    """Names that may be a person's: no organisation word in them, not ending in a
    title ("Minister Sergei Lavrov" yes, "Defense Minister" no), and not a word the
    text uses as a place ("Mali's" in a text that says "in Mali")."""
    people = []
    for run in find_names(sentence):
        name = run if _may_be_a_person(run, places) else _after_the_title(run)
        if (name is None or not _may_be_a_person(name, places) or _ACRONYM_WORD.search(name)
                or _spoke_the_quote(sentence, name)):
            continue
        people.append(name)
    return people


def _may_be_a_person(name: str, places: frozenset[str]) -> bool:
    words = [bare(w) for w in name.split()]
    return not (any(w in NOT_A_PERSON or w in STOPWORDS for w in words) or words[-1] in TITLES
                or is_place(name, places))


def _after_the_title(run: str) -> str | None:
    """The name that ends a run after its title ("Malian Air Force Chief of Staff Alou Boi
    Diarra" -> "Staff Alou Boi Diarra"), if it is two words or more."""
    words = run.split()
    cut = max((i for i, w in enumerate(words) if bare(w) in TITLES or w.lower() in STOPWORDS),
              default=-1)
    # "of" cuts only within a title ("Chief of Staff"), not "Ministry of Territorial ...".
    if cut >= 0 and bare(words[cut]) not in TITLES and not any(bare(w) in TITLES for w in words[:cut]):
        return None
    return " ".join(words[cut + 1:]) if cut >= 0 and len(words) - cut - 1 >= 2 else None


# "EUTM Mali", "RIA Novosti": a word in capitals names an organisation, not a person.
_ACRONYM_WORD = re.compile(r"\b[A-Z]{2,}\b")
# Verbs that say who spoke a quote (qa.quotes reads a few more).
SPEECH_VERBS = "said says specified added stressed told noted explained replied continued"
_SPEECH_VERBS = rf"(?:{'|'.join(SPEECH_VERBS.split())})"


def _spoke_the_quote(sentence: str, name: str) -> bool:
    """Whether ``name`` only says who spoke the quote the sentence ends with ('... the
    terrorist group is being hit," Diop specified.'): the quote, not the speaker, is what
    the sentence tells."""
    return re.search(rf"[,.!?][\"”’]\s+{re.escape(name)}\s+{_SPEECH_VERBS}\W*$", sentence) is not None


# "Which arms show did the Malian air force chief visit?" is answered by "Diarra visited
# the Army-2024 arms show": a news text says once who a person is ("Malian Air Force
# Chief of Staff Alou Boi Diarra said", "presidential spokesman Dmitry Peskov", "Igor
# Gromyko, Ambassador of the Russian Federation in Mali") and then names them alone.
TITLE_STEMS = frozenset(stem(t) for t in TITLES)
_LOWER_WORDS_BEFORE = re.compile(r"(?:\b[a-z]+\s+){1,2}$")
_APPOSITION = re.compile(r",\s+([^,.;:\n\"“”]{1,80})")


def _is_title(word: str) -> bool:
    return stem(word.lower()) in TITLE_STEMS


def _lower_words_before(text: str, end: int) -> list[str]:
    """The one or two lower-case words just before ``end``."""
    m = _LOWER_WORDS_BEFORE.search(text, max(0, end - 80), end)
    return m.group(0).split() if m else []


def _title_before(before: list[str]) -> list[str]:
    """A title in lower case among the words ``before`` a name, with the word before it
    ("presidential spokesman"). Not one further back: in "leader of the Swiss
    Reformation" the name is what the leader leads."""
    return before[-2:] if before and _is_title(before[-1]) else []


def _title_after(text: str, end: int) -> list[str]:
    """An apposition that says what the person is ("Igor Gromyko, Ambassador of the
    Russian Federation in Mali"): a title among its first three words, then "of", "to"..."""
    m = _APPOSITION.match(text, end)
    words = m.group(1).split() if m else []
    for i, w in enumerate(words[:3]):
        if _is_title(w) and (i + 1 == len(words) or words[i + 1].lower() in _ROLE_PREPOSITIONS):
            return words
    return []


# "the prime minister of the transitional government of Mali Shogel Kokalla Maiga": a
# title in lower case, what it is of, then the place and the name.
_CLAUSE_BEFORE = re.compile(r"[^,;:.\n]{1,120}$")


def _title_of_the_place_before(text: str, start: int) -> list[str]:
    """The title (and what it is of) in the clause before a name that follows a place."""
    m = _CLAUSE_BEFORE.search(text, max(0, start - 120), start)
    words = m.group(0).split() if m else []
    if words[-1:] != ["of"]:  # "told RIA Novosti" is no title of a place
        return []
    first = next((i for i, w in enumerate(words) if _is_title(w)), None)
    return words[first:] if first is not None else []


# "the Defense Minister [Andrey Belousov]": a name an editor added to a title in brackets.
_TITLE_THEN_BRACKET = re.compile(r"((?:[A-Z][\w-]*\s+){1,4})\[$")


def _title_in_brackets_before(text: str, start: int) -> list[str]:
    m = _TITLE_THEN_BRACKET.search(text, max(0, start - 80), start)
    words = m.group(1).split() if m else []
    return words if any(_is_title(w) for w in words) else []


_ROLE_PREPOSITIONS = frozenset("of to in at for".split())
# Lower-case words that make a title another one ("interim President", "acting Prime
# Minister"); any lower-case word would take verbs too ("they met Colonel Sadio Camara").
_TITLE_MODIFIERS = frozenset("interim acting former deputy vice late current outgoing".split())


_LINE = re.compile(r"[^\n]+")
# Where a news text says who its people are: its opening (and the passages read).
ROLES_READ_FROM = 3000


@lru_cache(maxsize=PASSAGES_REMEMBERED)
def roles_in(text: str) -> dict[str, frozenset[str]]:
    """Each person's last name in ``text`` (lower case) -> the stemmed words of the titles
    the text gives them ("diarra" -> malian, air, force, chief, staff, alou, boi)."""
    roles: dict[str, set[str]] = {}
    places = places_in([text])
    # A headline's capitals name nobody ("... With Russia Giving 'Impressive Results'").
    headlines = [(line.start(), line.end()) for line in _LINE.finditer(text)
                 if is_headline(line.group(0))]
    for m in NAME_RUN.finditer(text):
        if any(start <= m.start() < end for start, end in headlines):
            continue
        words = m.group(0).split()
        # The name ends the run, after its last title or "of" ("Chief of Staff Alou Boi
        # Diarra"); one word after "of" names an office ("Minister of Defense").
        cut = max((i for i, w in enumerate(words) if _is_title(w) or w.lower() in STOPWORDS),
                  default=-1)
        name_words = [bare(w) for w in words[cut + 1:]]
        after_place = False
        while name_words and name_words[0] in places:  # "of Mali Shogel Kokalla Maiga"
            name_words.pop(0)
            after_place = True
        if (not name_words or len(words) < 2 or (cut >= 0 and words[cut].lower() in STOPWORDS
                                                 and len(name_words) < 2)
                or any(w in NOT_A_PERSON for w in name_words)):
            continue
        before = _lower_words_before(text, m.start())
        parts = (words[:-1] + _title_before(before) + _title_after(text, m.end())
                 + _title_in_brackets_before(text, m.start()))
        if after_place:
            parts += _title_of_the_place_before(text, m.start())
        if before and before[-1] in _TITLE_MODIFIERS:  # "interim President"
            parts.append(before[-1])
        role = {stem(w) for w in tokens(" ".join(parts)) if w not in STOPWORDS}
        if role & TITLE_STEMS:
            roles.setdefault(name_words[-1], set()).update(role - {name_words[-1]})
    return {name: frozenset(role) for name, role in roles.items()}
