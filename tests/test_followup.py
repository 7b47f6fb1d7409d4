import pytest

from qa.followup import needs_context, retrieval_query

HISTORY = [{"role": "user", "content": "What does MINUSMA stand for?"},
           {"role": "assistant", "content": "The United Nations ... mission in Mali [1]."}]


def test_follow_up_is_expanded_with_the_previous_question():
    q = retrieval_query("When was it established?", HISTORY)
    assert "MINUSMA" in q and q.endswith("When was it established?")


def test_self_contained_question_is_left_alone():
    q = "How many troops did the UN Security Council authorize in December 2012 for AFISMA?"
    assert retrieval_query(q, HISTORY) == q
    assert retrieval_query("When was it established?", []) == "When was it established?"


@pytest.mark.parametrize("q,expected", [("And its budget?", True), ("Who leads them now?", True),
                                        ("Who is the Russian ambassador to Mali today?", False)])
def test_needs_context(q, expected):
    assert needs_context(q) is expected


@pytest.mark.model
def test_follow_up_answered_with_real_model(real_service):
    r = real_service.ask("When was it established?", history=HISTORY)
    assert not r.abstained and "2013" in r.answer.text
