"""Names in a text, and the titles a text gives its people."""

from qa.answers import assess, build_answer
from qa.models import Document
from qa.names import find_people, places_in, roles_in
from qa.retrieval import Candidate
from qa.store import StoredPassage
from tests.test_answers import weights

TEXT = ("MOSCOW, August 21. The government regained control, Malian Air Force Chief of Staff "
        "Alou Boi Diarra said. When asked, presidential spokesman Dmitry Peskov replied. "
        "\u201cWe have a partnership,\u201d says Igor Gromyko, Ambassador of the Russian "
        "Federation in Mali. Gromyko invited the Malian Minister of Defense and Former "
        "Combatants. Luther read a leader of the Swiss Reformation. They met Colonel Sadio Camara, "
        "given the excellent report uniting the two countries.")


def test_a_person_named_alone_is_known_by_the_titles_the_text_gives_them():
    roles = roles_in(TEXT)
    assert {"malian", "air", "force", "chief", "staff"} <= roles["diarra"]
    assert {"presidential", "spokesman"} <= roles["peskov"]
    assert {"ambassador", "russian", "federation"} <= roles["gromyko"]
    # Not people: an office ("Minister of Defense"), what a leader leads.
    assert "defense" not in roles and "combatants" not in roles and "reformation" not in roles
    # What follows a name is a title only when it says one ("Ambassador of ...").
    assert roles["camara"] == {"colonel", "sadio"}


def test_a_question_that_names_a_person_by_title_finds_the_sentence_that_names_them():
    opening = ("MOSCOW, August 21. The government regained control thanks to cooperation with "
               "Russia, Malian Air Force Chief of Staff Alou Boi Diarra said in an interview.\n\n")
    later = "Last week, Diarra visited the Army-2024 show. The Malian air force has new jets."
    doc = Document(id="d", text=opening + later)
    # Only the later passage is retrieved: the opening says who Diarra is.
    passage = Candidate(StoredPassage(1, "p1", "d", 1, len(opening), len(doc.text), later),
                        score=1.0, dense=0.8, lexical_rank=0, dense_rank=0)
    question = "What show did the Malian air force chief visit?"
    w = weights(question)
    answer = build_answer(question, [passage], {"d": doc}, w)
    assert answer is not None and answer.citations[0].quote == "Last week, Diarra visited the Army-2024 show."
    # Without the document, the sentence that says the title's words wins.
    assert assess(question, [passage], w).sentences[0].text.startswith("The Malian air force")


def test_a_headline_names_nothing_by_its_capitals():
    from qa.names import find_names, is_headline

    headline = "Mali's Foreign Minister Says Security Cooperation With Russia Giving 'Impressive Results'"
    assert is_headline(headline) and find_names(headline) == []
    names = "Russian Foreign Minister Sergei Lavrov met the Security Council"
    assert not is_headline(names) and find_names(names)
    assert not is_headline("Malian Foreign Minister Abdoulaye Diop told Sputnik about the deal.")


def test_people_are_not_acronyms_nor_the_speaker_of_a_quote_and_a_title_is_cut_off():
    from qa.names import find_people

    assert find_people("In 2013, the European Union sent a training mission (EUTM Mali).") == []
    assert find_people('We are advancing, and the terrorist group is being hit," Diop specified.') == []
    assert find_people("Diop specified that the group was hit.") == []  # sentence-initial
    assert find_people("Thanks to them, Malian Air Force Chief of Staff Alou Boi Diarra said.") == [
        "Staff Alou Boi Diarra"]
    assert find_people("According to the Malian Ministry of Territorial Administration and "
                       "Decentralisation, a group attempted a coup.") == []
    assert find_people("He met Russian Foreign Minister Sergei Lavrov.") == [
        "Russian Foreign Minister Sergei Lavrov"]


def test_a_country_one_visits_is_a_place_not_a_person():
    s = "Diop's visit to Russia took place during a coup. He returned to Bamako."
    assert places_in([s]) >= {"russia", "bamako"}
    assert find_people(s, places_in([s])) == []
    # a bare "to" may lead to a person
    assert "diop" not in places_in(["The letter was sent to Diop."])


def test_a_compass_adjective_is_not_a_person():
    s = 'A group of the military, backed by a "Western state," attempted a coup.'
    assert find_people(s) == []


def test_titles_a_text_gives_before_a_place_and_in_brackets():
    roles = roles_in("Reports about instructors in Mali are false, the prime minister of the "
                     "transitional government of Mali Shogel Kokalla Maiga told RIA Novosti. "
                     '"I see that the Defense Minister [Andrey Belousov] pays attention." '
                     "Based on materials from RIA Novosti.")
    assert {"prime", "minister", "transitional"} <= roles["maiga"]
    assert {"defense", "minister"} <= roles["belousov"]
    assert "novosti" not in roles  # whom he told is no title of his


def test_a_headline_gives_nobody_a_title():
    roles = roles_in("Mali's Foreign Minister Says Cooperation With Russia Giving 'Results'\n"
                     "The minister spoke.")
    assert "giving" not in roles
