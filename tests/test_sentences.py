from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qa.sentences import sentence_spans, split_sentences

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def seed_text(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "text",
    [
        "Mr. Smith met Mrs. Jones and Dr. Brown on St. James Street.",
        "The U.S. Army and the U.N. Security Council agreed.",
        "Use a tool, e.g. a hammer, i.e. something heavy, etc. and so on.",
        "It happened on Jan. 5 and again on Feb. 9 at No. 10 Downing Street.",
        "Smith vs. Jones went to Gen. Brown, Col. White, Lt. Green and Sgt. Black.",
        "Prof. Plum works for Acme Inc. and Widgets Ltd. and Smith Co. in town.",
        "J. R. R. Tolkien wrote it.",
        "Malian Air Force Chief of Staff Alou B. Diarra said so.",
        "Growth was 3.5 percent, up from 2.75 percent.",
        "The site sputniknews.com reported it.",
        '"Why?" he asked.',
        "MOSCOW, August 21. /TASS/. The Malian government regained control.",
    ],
)
def test_no_break_inside(text):
    assert split_sentences(text) == [text]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("It rained. Then it stopped.", ["It rained.", "Then it stopped."]),
        ("Is it? Yes! Good.", ["Is it?", "Yes!", "Good."]),
        ('He said "yes." Then he left.', ['He said "yes."', "Then he left."]),
        ("He said “yes.” Then he left.", ["He said “yes.”", "Then he left."]),
        ('"Really?" Nobody knew.', ['"Really?"', "Nobody knew."]),
        ("He arrived on August 21. The next day he left.", ["He arrived on August 21.", "The next day he left."]),
        ("The war began in 2012. Since then it goes on.", ["The war began in 2012.", "Since then it goes on."]),
        ("Wait... What now?", ["Wait...", "What now?"]),
    ],
)
def test_breaks(text, expected):
    assert split_sentences(text) == expected


def test_quotation_with_attribution_keeps_quote_and_attribution_together():
    text = '"We are advancing. The group is hit," Diop specified. Then he left.'
    sentences = split_sentences(text)
    # Splitting inside the quotation is allowed; its end and the attribution are not split.
    assert any(s.endswith('The group is hit," Diop specified.') for s in sentences)
    assert sentences[-1] == "Then he left."


@pytest.mark.parametrize(
    "text, expected",
    [
        ("No stop here\nNew line", ["No stop here", "New line"]),
        ("A heading\n\nA paragraph. Two.", ["A heading", "A paragraph.", "Two."]),
        ("Mr.\nSmith", ["Mr.", "Smith"]),
        ("one\r\ntwo\u2028three", ["one", "two", "three"]),
    ],
)
def test_line_breaks_always_end_a_sentence(text, expected):
    assert split_sentences(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("technical support and expertise.Import of weapons rose.", ["technical support and expertise.", "Import of weapons rose."]),
        ("the minister said.Following talks, all agreed.", ["the minister said.", "Following talks, all agreed."]),
        ("The U.S.Army came.", ["The U.S.Army came."]),
        ("See e.g.Foo for it.", ["See e.g.Foo for it."]),
        ("Mali.Diop spoke.", ["Mali.Diop spoke."]),  # the word before is not lowercase
        ("It is 3.5 now.", ["It is 3.5 now."]),
    ],
)
def test_glued_sentences(text, expected):
    assert split_sentences(text) == expected


def test_spans_are_stripped_offsets():
    text = "  First one.   Second one!\n\n  Third  "
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == ["First one.", "Second one!", "Third"]
    assert spans == [(2, 12), (15, 26), (30, 35)]


def test_empty_and_blank():
    assert sentence_spans("") == []
    assert sentence_spans(" \n\t ") == []


@given(st.text(alphabet=st.sampled_from(list("aZ .!?\"”'\n,/é3\u00a0\u2028")) | st.characters(), max_size=200))
def test_spans_cover_every_non_space_character(text):
    spans = sentence_spans(text)
    covered = set()
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end
        piece = text[start:end]
        assert piece == piece.strip() and piece
        covered.update(range(start, end))
        previous_end = end
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())


def test_seed_000_dateline_stays_with_first_sentence():
    sentences = split_sentences(seed_text("000"))
    assert sentences[0].startswith("MOSCOW, August 21. /TASS/. The Malian government")
    assert sentences[0].endswith("in an interview with RTVI television.")
    assert any("Deputy Defense Minister Mr. [Yunus-Bek] Yevkurov pay great attention" in s for s in sentences)


def test_seed_002_glued_sentences_are_split():
    sentences = split_sentences(seed_text("002"))
    assert any(s.endswith("relevant technical support and expertise.") for s in sentences)
    assert any(s.startswith("Import of weapons from Russia") for s in sentences)
    assert any(s.startswith("Following negotiations with Diop") for s in sentences)
    assert any(s.startswith("Russia's assistance was also") for s in sentences)
    # The debris with dots in it is not cut up.
    assert any(s.startswith("date 2022-05-23 https://sputniknews.com/") and s.endswith(".html") for s in sentences)
