"""Words of a text as the lexical side sees them: tokens, stopwords, a light stem.

Shared by lexical search (which words a query ORs together) and answer selection
(which words a question and a sentence share), so both read a question the same way.
"""

from __future__ import annotations

import re
from functools import lru_cache

WORD = re.compile(r"\w+", re.UNICODE)

MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|"
           "December")

STOPWORDS = frozenset("""a an the of in on at to for from by with and or is are was were be been
being do does did what which who whom whose when where why how that this these those it its
as into about than then there their they them he she his her we our you your i me my not no
has have had will would can could should may might shall s""".split())


# "doesn't", "we're": WORD would read "doesn" and "t", "re" as words, which no text
# holds; the negation is kept as "not" (a stopword), the rest of a contraction dropped.
_CONTRACTION = re.compile(r"\b(?:can|won)['’]t\b|n['’]t\b|['’](?:ll|re|ve|d|m)\b")
_EXPANDED = {"can": "can not", "won": "will not"}


def _expand(m: re.Match) -> str:
    word = m.group(0)
    if word[:3] in _EXPANDED:
        return _EXPANDED[word[:3]]
    return " not" if word[0] == "n" else ""


def tokens(text: str) -> list[str]:
    text = text.lower()
    if "'" in text or "’" in text:
        text = _CONTRACTION.sub(_expand, text)
    return WORD.findall(text)


# Irregular past forms of common verbs, which no suffix rule reaches: "Who did Russia send?"
# is answered by "Russia has also sent instructors". Forms more often read as another
# word ("left", "found", "born", "rose", "saw") are left out; rarer clashes ("shot",
# "lost", "fell") are kept.
IRREGULAR_FORMS = {form: base for base, forms in (
    ("send", "sent"), ("lead", "led"), ("take", "took taken"), ("buy", "bought"),
    ("make", "made"), ("hold", "held"), ("give", "gave given"), ("go", "went gone"),
    ("meet", "met"), ("tell", "told"), ("bring", "brought"), ("begin", "began begun"),
    ("choose", "chose chosen"), ("fight", "fought"), ("win", "won"), ("lose", "lost"),
    ("see", "seen"), ("write", "wrote written"), ("speak", "spoke spoken"),
    ("become", "became"), ("come", "came"), ("keep", "kept"), ("build", "built"),
    ("pay", "paid"), ("sell", "sold"), ("run", "ran"), ("fall", "fell fallen"),
    ("grow", "grew grown"), ("know", "knew known"), ("think", "thought"),
    ("catch", "caught"), ("teach", "taught"), ("drive", "drove driven"),
    ("strike", "struck"), ("stand", "stood"), ("understand", "understood"),
    ("seek", "sought"), ("mean", "meant"), ("feel", "felt"), ("shoot", "shot"),
    ("break", "broke broken"), ("steal", "stole stolen"), ("throw", "threw thrown"),
    ("draw", "drew drawn"), ("fly", "flew flown"), ("withdraw", "withdrew withdrawn"),
    ("overthrow", "overthrew overthrown"), ("undertake", "undertook undertaken"),
    ("forbid", "forbade forbidden"), ("swear", "swore sworn"), ("hide", "hid hidden"),
    ("sink", "sank sunk"), ("get", "got gotten"),
    ("rise", "risen"), ("arise", "arose arisen"), ("sing", "sang sung"),
    ("eat", "ate eaten"), ("drink", "drank drunk"), ("spend", "spent"), ("lend", "lent"),
    ("deal", "dealt"), ("sleep", "slept"), ("hear", "heard"), ("say", "said"),
    ("forget", "forgot forgotten"),
    ("tear", "tore torn"), ("wear", "wore worn"), ("bear", "bore borne"),
    ("freeze", "froze frozen"), ("wake", "woke woken"), ("ride", "rode ridden"),
    ("bite", "bit bitten"), ("shake", "shook shaken"), ("forgive", "forgave forgiven"),
) for form in forms.split()}


# A verb's other forms, both ways ("send" -> "sent", "sent" -> "send"): the lexical index
# stems by rule, and no rule takes "send" to "sent".
VERB_FORMS: dict[str, tuple[str, ...]] = {}
for _form, _base in IRREGULAR_FORMS.items():
    VERB_FORMS[_base] = VERB_FORMS.get(_base, ()) + (_form,)
for _form, _base in IRREGULAR_FORMS.items():
    VERB_FORMS[_form] = (_base,) + tuple(f for f in VERB_FORMS[_base] if f != _form)


def other_forms(word: str) -> tuple[str, ...]:
    """The other forms of an irregular verb ("send" -> "sent"), none for another word."""
    return VERB_FORMS.get(word, ())


# Short forms people type in questions that a news text spells out: "mali's pm".
SHORT_FORMS = {"pm": ("prime", "minister"), "fm": ("foreign", "minister"),
               "govt": ("government",), "gov": ("government",), "pres": ("president",),
               "dept": ("department",), "intl": ("international",)}


# Phrases a text says in one word: "what can Mali do on its own" is answered by "Mali can
# independently conduct reconnaissance". Questions and sentences are both read so, so a
# text that says "on their own" still answers (dev seeds sets +5 right, xquad_en ±0).
_ON_ITS_OWN = re.compile(r"\b(?:on\s+(?:its|their|his|her|our|my|your)\s+own|by\s+(?:itself|"
                         r"themselves|himself|herself|ourselves|myself))\b", re.IGNORECASE)


def in_one_word(text: str) -> str:
    """``text`` with the phrases a text says in one word replaced by that word."""
    return _ON_ITS_OWN.sub("independently", text)


def spelled_out(word: str) -> tuple[str, ...]:
    """The words a short form stands for ("pm" -> "prime", "minister"), none for another."""
    return SHORT_FORMS.get(word, ())


# British and American spellings read as one word: "defence minister" finds "the Defense
# Minister Andrey Belousov", "stabilising" finds "stabilizing" (dev seeds sets +1, xquad_en
# +1). Three letters before the ending keep "four", "tour", "rise" as they are.
_BRITISH = re.compile(r"(?<=[a-z]{3})(?:(?P<ise>is)(?=(?:e|es|ed|ing|ation|ations|er|ers)$)"
                      r"|(?P<yse>ys)(?=(?:e|es|ed|ing)$)"
                      r"|(?P<our>our)(?=(?:s|ed|ing|able|ite|ites)?$)|(?P<tre>tre)(?=s?$))")
_AMERICAN = {"ise": "iz", "yse": "yz", "our": "or", "tre": "ter"}
_SPELT_WITH_C = {"defence": "defense", "offence": "offense", "licence": "license",
                 "pretence": "pretense"}


def american(word: str) -> str:
    """The American spelling of a word spelt the British way, else the word."""
    word = _SPELT_WITH_C.get(word, word)
    return _BRITISH.sub(lambda m: _AMERICAN[m.lastgroup], word, count=1)


# Nouns whose -s is no plural: "goods" are not "good", "arms" not "arm", "news" not "new".
NOT_PLURALS = frozenset("""goods arms news means customs remains savings earnings
headquarters species series physics politics economics""".split())


# Answer selection stems every word of every sentence it weighs, hundreds a question, from
# a vocabulary that repeats: remembering them took sentence choice from 0.7 to 0.4 ms.
@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    if word in NOT_PLURALS:
        return word
    word = american(IRREGULAR_FORMS.get(word, word))
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> set[str]:
    """The stemmed words of ``text`` that carry meaning (stopwords dropped)."""
    return {stem(w) for w in tokens(text) if w not in STOPWORDS}


def query_terms(text: str) -> list[str]:
    """The distinct words a lexical query searches for, in order, stopwords dropped.

    Stopwords add almost nothing to a BM25 ranking (their IDF is near zero) but make
    the query match nearly every passage, which costs time that grows with the corpus.
    A query made only of stopwords keeps them, so it still finds something.
    """
    words = list(dict.fromkeys(tokens(text)))
    meaningful = [w for w in words if w not in STOPWORDS]
    return meaningful or words


_SENTENCE_START = re.compile(r"(?:^|[.!?;:]\s+|[.!?][\"”’)]\s+)[\"“(]?$")


def written_as_names(text: str) -> set[str]:
    """Words ``text`` capitalises past the first word of a sentence ("Peru", "AFISMA"; not
    the "Over" of "... got going. Over how long ...?"), or that hold a digit, lower-cased:
    names and figures, which no other word stands for."""
    found = set()
    for m in WORD.finditer(text):
        word = m.group(0)
        if any(ch.isdigit() for ch in word) or (
                word[0].isupper() and not _SENTENCE_START.search(text, 0, m.start())):
            found.add(word.lower())
    return found


_CAPITALISED_RUN = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+\b")
_LONGEST_INITIALS = 4


def initials(text: str) -> set[str]:
    """The initials of each run of capitalised words in ``text`` and of its parts, lower-cased:
    what "UN" or "EU" abbreviates ("the United Nations Multidimensional ... mission" holds
    "un", "unm", "nm"). A stopword ("The", "Of") is no part of a name's initials."""
    found = set()
    for m in _CAPITALISED_RUN.finditer(text):
        run = [w for w in m.group(0).split()]
        for part in " ".join(w if w.lower() not in STOPWORDS else "|" for w in run).split("|"):
            letters = "".join(w[0] for w in part.split()).lower()
            for size in range(2, min(_LONGEST_INITIALS, len(letters)) + 1):
                found.update(letters[i:i + size] for i in range(len(letters) - size + 1))
    return found
