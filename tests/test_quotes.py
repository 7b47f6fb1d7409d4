"""Who speaks each quotation of a text: read by answer selection, and searched with the
passages that hold the quotations."""

from qa.models import Document
from qa.quotes import quotations, searched_contexts, speaker_of, speakers_within
from qa.store import DB_NAME, SCHEMA_VERSION, Store, require_generation
from tests.older_layouts import rewrite_in_layout

OPENING = ("The army regained the north, Malian Air Force Chief of Staff Alou Boi Diarra said "
           "in an interview.\n\n")
HE_SAID = '"Russia is our loyal and reliable partner," he said.\n\n'
NAMED = '"We remained in the camps. Now we attack," Diop specified.\n\n'
PLAIN = "Russia also sold helicopters to Niger.\n"
TEXT = OPENING + HE_SAID + NAMED + PLAIN


def _span(text, part):
    start = text.index(part)
    return start, start + len(part)


def test_he_said_is_the_person_the_opening_names_with_his_titles():
    quotes = quotations(TEXT)
    assert len(quotes) == 2
    start, end, speaker = quotes[0]
    assert TEXT[start:end] == "Russia is our loyal and reliable partner,"
    assert {"diarra", "air", "force", "chief", "staff"} <= speaker


def test_a_named_speaker_is_that_person_not_the_one_first_quoted():
    speaker = quotations(TEXT)[1][2]
    assert "diop" in speaker and "diarra" not in speaker


def test_each_sentence_of_a_quotation_has_its_speaker_and_others_none():
    quotes = quotations(TEXT)
    assert "diop" in speaker_of(quotes, *_span(TEXT, "Now we attack,\" Diop specified."))
    assert "diop" in speaker_of(quotes, *_span(TEXT, "\"We remained in the camps."))
    assert speaker_of(quotes, *_span(TEXT, PLAIN.strip())) == frozenset()
    assert speaker_of(quotes, *_span(TEXT, OPENING.strip())) == frozenset()


def test_a_title_in_the_clause_that_names_the_speaker_says_who_he_is():
    text = ("Reports about instructors in Mali are false, the prime minister of the transitional government of Mali "
            "Shogel Kokalla Maiga told RIA Novosti.\n"
            '"This is blackmail," he stressed.\n')
    speaker = quotations(text)[0][2]
    assert {"prime", "minister", "maiga"} <= speaker
    assert "mali" not in speaker  # the place his title names says nothing of who speaks


def test_a_text_without_quotations_has_none():
    assert quotations(OPENING + PLAIN) == ()
    assert speakers_within(quotations(OPENING + PLAIN), 0, len(OPENING)) == ""


def test_a_passage_is_searched_with_who_speaks_the_quotations_it_holds():
    class P:  # a passage: its id and span
        def __init__(self, pid, part):
            self.passage_id = pid
            self.start, self.end = _span(TEXT, part)

    contexts = searched_contexts(TEXT, [P("quote", HE_SAID), P("plain", PLAIN)])
    assert "diarra" in contexts["quote"].split() and "chief" in contexts["quote"].split()
    assert contexts["plain"] == ""


def _passage_found_by(store, query, quote):
    rows = [row for row, _ in store.lexical_search(query, 5)]
    return any(quote in p.text for p in store.passages_by_row(rows).values())


# The seeds: '"Russia is our loyal and reliable partner ...," he said.' names neither the
# air force chief nor his title; only the opening does.
SEED_QUOTE = "Russia is our loyal and reliable partner"


def test_a_quote_is_found_by_its_speakers_title(service):
    store = service.snapshot().store
    assert _passage_found_by(store, "air force chief of staff", SEED_QUOTE)


def test_an_index_of_version_2_is_searched_with_speakers_after_the_next_ingest(
        service, seeds_dir, fake_encoder):
    gen = require_generation(service.index_dir)
    rewrite_in_layout(gen / DB_NAME, 2)
    (gen / "manifest.json").unlink()  # its recorded sizes no longer hold
    old = Store(gen / DB_NAME, readonly=True)
    assert old.schema_version() == 2
    assert not _passage_found_by(old, "air force chief of staff", SEED_QUOTE)
    old.close()
    encoded = fake_encoder.encoded

    summary = service.ingest([seeds_dir])

    assert summary.embedded == 0 and fake_encoder.encoded == encoded
    store = Store(require_generation(service.index_dir) / DB_NAME, readonly=True)
    assert store.schema_version() == SCHEMA_VERSION
    assert store.documents_lacking_context() == []
    assert _passage_found_by(store, "air force chief of staff", SEED_QUOTE)


def test_who_speaks_a_quote_counts_toward_answering_what_they_said():
    from tests.test_answers import ask_document

    doc = Document(id="d", text=TEXT)
    answer = ask_document("What did the air force chief call Russia?", doc)
    assert answer is not None
    assert "loyal and reliable partner" in answer.citations[0].quote
