import pytest
from qa.answers import build_answer, expected_answer, verified_citation, SentenceChoice, _DATE, _NAME, _NUMBER
from qa.models import Document
from qa.retrieval import DENSE_WEIGHT, Candidate, fuse, group_near_duplicates
from qa.store import StoredPassage

DOC = Document(id="d", text="Intro line here. Igor Gromyko is the ambassador of Russia to Mali. "
                            "MINUSMA was established in 2013 by the Security Council.")


def cand(doc_id, text, start=0, dense=0.8, row=1):
    return Candidate(StoredPassage(row, f"p{row}", doc_id, 0, start, start + len(text), text),
                     score=1.0, dense=dense, lexical_rank=0, dense_rank=0)


def test_expected_answer_shapes():
    assert expected_answer("When was MINUSMA established?") is _DATE
    assert expected_answer("How many troops were sent?") is _NUMBER
    assert expected_answer("Who is the ambassador?") is _NAME
    assert expected_answer("Why did it happen?") is None


def test_answer_picks_the_sentence_with_the_name_and_cites_it_exactly():
    answer = build_answer("Who is the ambassador of Russia to Mali?", [cand("d", DOC.text)], {"d": DOC})
    assert answer is not None
    c = answer.citations[0]
    assert c.quote == "Igor Gromyko is the ambassador of Russia to Mali."
    assert DOC.text[c.start:c.end] == c.quote and answer.text.endswith("[1]")
    date = build_answer("When was MINUSMA established?", [cand("d", DOC.text)], {"d": DOC})
    assert "2013" in date.citations[0].quote


def test_citation_that_does_not_match_the_document_is_dropped():
    bad = SentenceChoice("d", "p1", 0, 10, 1.0, 1.0)
    assert verified_citation(1, bad, DOC) is not None
    assert verified_citation(1, bad, Document(id="d", text="   \n      short")) is None
    assert verified_citation(1, bad, None) is None


def test_low_similarity_abstains():
    assert build_answer("Who is the ambassador?", [cand("d", DOC.text, dense=0.05)], {"d": DOC}) is None
    assert build_answer("anything", [], {}) is None


def test_fusion_rewards_agreement_and_keeps_the_margin():
    # Row 1 is close in meaning and the best lexical match; row 2 only close in meaning.
    scores = fuse([(1, 0.6), (2, 0.6), (3, 0.2)], [(1, 12.0), (3, 6.0), (9, 3.0)])
    assert max(scores, key=scores.get) == 1
    assert scores[1] - scores[2] == pytest.approx(1 - DENSE_WEIGHT)
    # BM25 is scaled by the query's best score, so half the best BM25 adds half as much.
    assert scores[3] == pytest.approx(DENSE_WEIGHT * 0.2 + (1 - DENSE_WEIGHT) * 0.5)
    assert scores[9] == pytest.approx((1 - DENSE_WEIGHT) * 0.25)


def test_fusion_without_lexical_matches_is_the_dense_ranking():
    assert fuse([(4, 0.5), (5, 0.4)], []) == {4: DENSE_WEIGHT * 0.5, 5: DENSE_WEIGHT * 0.4}


def test_near_duplicates_from_other_documents_are_grouped():
    text = "The bilateral military-technical cooperation has continued for years and was renewed in 2019."
    grouped = group_near_duplicates([cand("a", text, row=1), cand("b", text + " Extra.", row=2),
                                     cand("c", "Something else entirely different here.", row=3)])
    assert [g.passage.document_id for g in grouped] == ["a", "c"]
    assert grouped[0].also_in == ["b"]
