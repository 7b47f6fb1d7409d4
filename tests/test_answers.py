import pytest
from qa.answers import (ABSENT_WORD_SHARE, PARAPHRASE_AT, asked_identity, PARAPHRASE_FROM, SentenceChoice, _sentences_and_words,
                        asked_relation, build_answer, coverage, expected_answer, names_the_doer,
                        paraphrasable, paraphrase_credit,
                        places_in, question_terms, question_weights, verified_citation,
                        CONTEXT_SHARE, asking_start, assess, optional_words)
from embeddings.word_vectors import WordVectors
from qa.models import Document
from qa.words import american, initials, stem
from qa.retrieval import DENSE_WEIGHT, Candidate, fuse, group_near_duplicates, shingles
from qa.store import StoredPassage

DOC = Document(id="d", text="Intro line here. Igor Gromyko is the ambassador of Russia to Mali. "
                            "MINUSMA was established in 2013 by the Security Council.")


def cand(doc_id, text, start=0, dense=0.8, row=1):
    return Candidate(StoredPassage(row, f"p{row}", doc_id, 0, start, start + len(text), text),
                     score=1.0, dense=dense, lexical_rank=0, dense_rank=0)


def weights(question, frequencies=None, passages=100):
    """IDF weights as the service computes them; unknown words get df 1."""
    terms = question_terms(question)
    return question_weights(question, {t: (frequencies or {}).get(t, 1) for t in terms}, passages)


def ask(question, candidates, documents, frequencies=None, vectors=None):
    return build_answer(question, candidates, documents, weights(question, frequencies),
                        vectors=vectors)


def ask_document(question, doc, **options):
    """``ask`` with one passage: the whole of ``doc``."""
    return ask(question, [cand(doc.id, doc.text)], {doc.id: doc}, **options)


def first_quote(question, doc, **options):
    """What ``ask_document`` quotes first, or "" when it abstains."""
    answer = ask_document(question, doc, **options)
    return answer.citations[0].quote if answer is not None else ""


@pytest.mark.parametrize("question, kind", [
    ("When was MINUSMA established?", "date"),
    ("On what exact day did they meet?", "day"),
    ("On which calendar day is it celebrated?", "day"),
    ("On what calendar date does Russia celebrate its national day of diplomacy?", "day"),
    ("On what dates was the arms show held?", "day"),
    ("year the russian diplomacy day was created", "date"),
    ("army-2024 show dates", "date"),
    ("what does the Malian air chief see as Moscow's main objective in his country", "reason"),
    ("At what time was the Sputnik article published?", "time"),
    ("What time period does the war cover?", None),
    ("MINUSMA Security Council resolution date", "date"),
    ("number of russian instructors in mali", "number"),
    ("price mali paid for russian aircraft", "number"),
    ("over roughly what stretch of time did that happen?", "duration"),
    ("what does minusma do", "function"),
    ("What did Russia do?", None),
    ("What happened on those dates?", None),
    ("a price war in the region", None),
    ("who is russia's envoy in mali", "person"),
    ("How many troops were sent?", "number"),
    ("For how long did the Huguenots keep French names?", "duration"),
    ("How long ago did it start?", "duration"),
    ("Since when has Russia helped Mali?", "start"),
    ("What abbreviation is used for the Malian Armed Forces?", "acronym"),
    ("Who is Igor Gromyko?", "identity"),
    ("What position does Abdoulaye Diop hold?", "identity"),
    ("Who is the ambassador of Russia?", "person"),
    ("What is chloroplast DNA abbreviated as?", "acronym"),
    ("What does the abbreviation FAMa stand for?", None),
    ("Who is the ambassador?", "person"),
    ("Which agency reported it?", "instance"),
    ("What is the name of the agency?", "name"),
    ("full name of mali's foreign minister", "name"),
    ("mali foreign minister name", "name"),
    ("When reporters asked the spokesman about aid, what was his answer?", None),
    ("When Diop was in Moscow, who did he meet?", "person"),
    # "In which city" asks what "which city" does; "in which areas" need not be a name.
    ("In which city did the ambassador host the minister?", "place"),
    ("From which country did the jets come?", "place"),
    ("Which Russian defence minister is named?", "named_person"),
    ("What was the monetary value of the agreement?", "number"),
    ("What is the price of the aircraft?", "number"),
    ("In which areas do they cooperate?", None),
    ("How much of the territory was regained?", None),
    ("Why did it happen?", "reason"),
])
def test_expected_answer_shapes(question, kind):
    shape = expected_answer(question)
    assert (shape.kind if shape is not None else None) == kind


def test_shapes_find_answers_the_question_does_not_already_hold():
    date, number, person = (expected_answer(q) for q in ("When?", "How many?", "Who is it?"))
    assert date.find("It was set up on April 25, 2013.") == ["April", "2013"]
    # Years and days of a month are dates, not counts.
    assert number.find("On May 12, 2022, more than 100,000 people and three soldiers") == [
        "100,000", "three"]
    assert person.find("Russian Foreign Minister Sergei Lavrov met the Security Council") == [
        "Russian Foreign Minister Sergei Lavrov"]
    assert person.find("The French military said so in April.") == []
    # A capital opening a paragraph or a quoted sentence says nothing either.
    name = expected_answer("Which agency?")
    assert name.find("He left.\n\nOfficials were told. \"Then it ended,\" he said.") == []


def test_who_is_a_named_person_asks_for_the_titles_the_text_gives_them():
    assert asked_identity("Who is Igor Gromyko?") == "Igor Gromyko"
    assert asked_identity("who is peskov") == "peskov"
    assert asked_identity("What is Diarra's job?") == "Diarra"
    assert asked_identity("What position does Abdoulaye Diop hold?") == "Abdoulaye Diop"
    for description in ("Who is the ambassador?", "Who is responsible?",
                        "Who is responsible for the attacks on the capital?"):
        assert asked_identity(description) is None
    assert question_terms("What is Diarra's job?") == ["diarra"]
    doc = Document(id="d", text="Intro line here. Igor Gromyko also reassured the partners. "
                                "The partnership, says Igor Gromyko, Ambassador of the Russian "
                                "Federation in Mali, is strong. Igor Gromyko met them.")
    assert "Ambassador of the Russian Federation" in first_quote("Who is Igor Gromyko?", doc)
    # The passage that introduces him is sought below the first few too.
    others = [Document(id=f"o{i}", text=f"Intro line here. Igor Gromyko spoke on day {i}.")
              for i in range(3)]
    passages = [cand(o.id, o.text, row=i + 2) for i, o in enumerate(others)] + [cand("d", doc.text)]
    answer = ask("Who is Igor Gromyko?", passages, {"d": doc, **{o.id: o for o in others}})
    assert answer is not None and "Ambassador of the Russian Federation" in answer.citations[0].quote


@pytest.mark.parametrize("question", [
    "Which models of aircraft has Mali purchased from Russia?",
    "what type of aircraft did mali buy from russia",
    "Which specific aircraft models has Mali bought?",
])
def test_a_kind_of_a_thing_is_not_answered_by_the_thing_alone(question):
    bare = Document(id="d", text="Under the agreement Mali purchases military equipment, "
                                 "aircraft, weapons and other equipment from Russia.")
    assert ask_document(question, bare) is None
    said = Document(id="d", text="Under the agreement Mali purchases Su-25 aircraft and "
                                 "combat helicopters from Russia.")
    assert ask_document(question, said) is not None


def test_a_kind_of_things_the_text_lists_is_answered_by_the_list():
    doc = Document(id="d", text="Under the agreement Mali purchases military equipment, "
                                "aircraft, weapons and other equipment from Russia.")
    assert ask_document("What kinds of things does Mali buy from Russia?", doc) is not None


def test_why_is_answered_by_a_cause_or_a_purpose_and_withheld_without_one():
    reason = expected_answer("Why did Russia send instructors?")
    assert reason.find("Russia has sent instructors to our country to help us.") == ["to help"]
    assert reason.find("The campaign is aimed at blackmailing Mali, in order to stop it.") == [
        "aimed at", "in order to"]
    assert reason.find("They were mocked for being methodical.") == ["for being"]
    assert reason.find("Diarra visited the arms show at the centre outside Moscow.") == []
    doc = Document(id="d", text="Intro line here. Last week, Diarra visited the Army-2024 arms "
                                "show outside Moscow.")
    assert ask_document("Why did Diarra visit the Army-2024 arms show?", doc) is None


def test_what_an_organisation_does_is_what_it_is_for():
    doc = Document(id="d", text="Intro line here. The United Nations mission in Mali (MINUSMA), "
                                "established in 2013, operates in Mali. It is responsible for the "
                                "protection of civilians.")
    assert "protection of civilians" in first_quote("what does minusma do", doc)


def test_an_abbreviation_asked_for_is_a_word_of_capitals():
    acronym = expected_answer("What abbreviation is used for the armed forces?")
    assert acronym.find("Equipment for the Malian Armed Forces (FAMa), as the UN and cpDNA.") == [
        "FAMa", "UN", "cpDNA"]
    doc = Document(id="d", text="Intro line here. The Malian Armed Forces were strengthened.")
    assert ask_document("What abbreviation is used for the Malian Armed Forces?", doc) is None


def test_since_when_is_answered_by_a_date_or_a_start_said_otherwise():
    start = expected_answer("Since when has MINUSMA operated?")
    assert start.find("It was set up in 2013.") == ["in 2013"]
    assert start.find("It has helped since the establishment of our state.") == [
        "since the establishment"]
    assert start.find("It has helped us a lot.") == []


def test_how_long_is_answered_by_a_stretch_of_time_not_by_one_date():
    duration = expected_answer("How long did it last?")
    assert duration.find("It took five to ten years.") == ["five to ten years"]
    assert duration.find("They met in the two countries.") == []
    assert duration.find("The theatre was open from 1870 to 1939.") == ["1870 to 1939"]
    assert duration.find("It lasted several years, well into the nineteenth century.") == [
        "several years", "well into"]
    assert duration.find("They fought for decades, until the end of the war.") == [
        "for decades", "until"]
    assert duration.find("We have helped since the establishment of our state.") == [
        "since the establishment"]
    assert duration.find("The conflict began in 2012; talks started on April 25.") == [
        "began in 2012", "started on April"]
    assert duration.find("On 23rd May, 2022 he left; last week he came back.") == []
    visit = Document(id="d", text="Intro line here. Diop visited Moscow last week for talks.")
    assert ask("How long did Diop's visit to Moscow last?", [cand("d", visit.text)],
               {"d": visit}) is None
    theatre = Document(id="d", text="Intro line here. The Summer Theatre was in operation from "
                                    "1870 to 1939.")
    assert "1870 to 1939" in ask("How long was the Summer Theatre in operation?",
                                 [cand("d", theatre.text)], {"d": theatre}).text


def test_answer_picks_the_sentence_with_the_name_and_cites_it_exactly():
    answer = ask("Who is the ambassador of Russia to Mali?", [cand("d", DOC.text)], {"d": DOC})
    assert answer is not None
    c = answer.citations[0]
    assert c.quote == "Igor Gromyko is the ambassador of Russia to Mali."
    assert DOC.text[c.start:c.end] == c.quote and answer.text.endswith("[1]")
    date = ask("When was MINUSMA established?", [cand("d", DOC.text)], {"d": DOC})
    assert "2013" in date.citations[0].quote


def test_common_words_weigh_less_than_rare_ones():
    doc = Document(id="d", text="Mali and Russia signed a deal in Mali. The ambassador arrived in 2019.")
    # "mali" is in every passage of this corpus, "arrive" in few: the sentence that holds
    # the rare word answers, though the other repeats the common one.
    answer = ask_document("When did the ambassador arrive in Mali?", doc,
                          frequencies={"mali": 100, "ambassador": 2, "arrive": 2})
    assert answer.citations[0].quote == "The ambassador arrived in 2019."


def test_a_word_the_corpus_lacks_weighs_most_only_when_written_as_a_name_or_figure():
    w = question_weights("Which official held talks with Gromyko in Peru in 1999?",
                         {"official": 3, "held": 0, "talks": 0, "gromyko": 0, "peru": 0,
                          "1999": 0, "ambassador": round(ABSENT_WORD_SHARE * 100)}, 100)
    # "held" and "talks" are everyday words, likely said otherwise ("negotiations");
    # a name or a year the corpus lacks is what the question is about.
    assert w["held"] == w["talks"] == w["ambassador"] < w["official"]
    assert w["gromyko"] == w["peru"] == w["1999"] > w["official"]


@pytest.mark.parametrize("question, asking", [
    ("Diop talked about the camps. What changed for the troops?", "What changed for the troops?"),
    ("I read the piece; it was long: who sent the instructors?", "who sent the instructors?"),
    # abbreviations and a stop before a lower-case word end no sentence
    ("What strains of y. pestis were found in the mass graves?", None),
    ("How fast were the winds around St. Augustine in 1964?", None),
    ("What did the U.S. Army say?", None),
    # no question mark: no statement is known to come before the question
    ("Diop talked about the camps. tell me what changed", None),
])
def test_the_question_proper_starts_after_the_statements_before_it(question, asking):
    assert question[asking_start(question):] == (asking or question)


def test_words_only_the_context_uses_weigh_less():
    q = "Diop talked about how the army sat in its camps. What changed for the troops now?"
    w = weights(q)
    assert w["camps"] == pytest.approx(CONTEXT_SHARE * w["troops"])
    assert w["diop"] == pytest.approx(CONTEXT_SHARE * w["troops"])
    # and count only where the sentence holds them
    assert {"diop", "camps", "army"} <= optional_words(q) and "troops" not in optional_words(q)
    # a word the question proper also uses keeps its weight
    w2 = weights("The army sat in its camps. What did the army change in its camps?")
    assert w2["camps"] == w2["army"] == w2["change"]
    # A question proper that only names the kind of answer asks about its context.
    w3 = weights("AFISMA deployment authorized by the Security Council: month and year?")
    assert w3["afisma"] == pytest.approx(weights("When was AFISMA deployed?")["afisma"])
    assert expected_answer(
        "AFISMA deployment authorized by the Security Council: month and year?").kind == "date"


def test_a_question_about_its_context_keeps_the_context_weight():
    w = weights("The French military found no proof of a Russian outfit in Mali. "
                "Which group was that?")
    assert w["french"] == w["outfit"] == w["group"]


def test_the_kind_asked_is_read_from_the_question_proper():
    # the "where" of the statement before it does not make this a question of place
    q = "I saw a piece where an officer praised Russia. How did he explain its help?"
    assert expected_answer(q) is None
    q = "I saw a piece where an officer praised Russia. How did he describe its help?"
    assert expected_answer(q).kind == "description"
    assert expected_answer("I saw the piece. Where did the officer speak?").kind == "location"
    # a question proper with no wh-word takes the kind of its statements
    assert expected_answer("Tell me when the coup happened. Was it in May?").kind == "date"


def test_framing_words_are_not_what_the_answer_must_cover():
    # who speaks is kept, as a word the answer may hold or not
    assert question_terms("How does Diarra describe Russia to TASS?") == [
        "diarra", "russia", "tass"]
    assert optional_words("How does Diarra describe Russia to TASS?") == {"diarra"}
    # The wh-phrase's words say what kind of answer is wanted, its adjective what about.
    assert question_terms("Which Russian official met Diop?") == ["russian", "met", "diop"]
    # What "besides" sets aside is not what the answer is about.
    assert question_terms("Besides military equipment, what has Russia shipped?") == [
        "russia", "shipped"]
    # What is set aside ends where the question proper begins, with or without a comma.
    assert question_terms("besides weapons what else did russia send") == ["russia", "send"]
    assert question_terms("what did russia ship besides weapons") == ["russia", "ship"]
    # "before", "after", "while" set the scene; the answer need not repeat them.
    assert question_terms("Before the offensive, where did troops stay while attacked?") == [
        "offensive", "troops", "stay", "attacked"]
    # A question made only of such words keeps them.
    assert question_terms("What does it mean?") == ["mean"]


def test_an_optional_word_counts_only_where_the_sentence_holds_it():
    w = {"campaign": 1.0, "minister": 1.0}
    assert coverage(w, {"campaign"}, optional=frozenset({"minister"})) == 1.0
    assert coverage(w, {"campaign", "minister"}, optional=frozenset({"minister"})) == 1.0
    assert coverage(w, {"minister"}, optional=frozenset({"minister"})) == 0.5
    assert coverage(w, {"campaign"}) == 0.5
    # a paraphrase of an optional word counts for what it holds of it, never against
    assert coverage(w, {"campaign"}, {"minister": 0.2}, frozenset({"minister"})) == 1.0


def test_a_short_form_is_read_spelled_out():
    assert question_terms("which agency did mali's pm speak to") == [
        "agency", "mali", "prime", "minister"]


@pytest.mark.parametrize("question, speaker", [
    ("Who is the Russian minister mentioned by the Malian air force chief?",
     {"malian", "air", "force", "chief"}),
    ("what else did russia send per the air force chief", {"air", "force", "chief"}),
    ("Who is named in the interview with Diarra?", {"diarra"}),
    ("According to the prime minister, what is the campaign for?", {"prime", "minister"}),
    ("What did the chief of staff of the air force say about the troops?",
     {"chief", "staff", "air", "force"}),
    ("how long the operation lasted per foreign minister", {"foreign", "minister"}),
    ("russian deputy minister praised by malian air chief", {"malian", "air", "chief"}),
    ("Who was named in Diarra's remarks?", {"diarra"}),
    # a rate is not a source
    ("How many pounds of steam per kilowatt hour does it use?", set()),
])
def test_who_speaks_is_optional(question, speaker):
    assert optional_words(question) == speaker


@pytest.mark.parametrize("question, kind", [
    ("Which news agency did Maiga talk to?", {"news", "agency"}),
    ("Which Russian official is named?", {"russian", "official"}),
    ("maiga spoke to which news agency", {"news", "agency"}),
    # not a which-question
    ("What did the agency report?", set()),
])
def test_the_kind_a_which_question_asks_for_is_optional(question, kind):
    assert optional_words(question) == kind


def test_whom_someone_spoke_to_is_answered_by_a_name_after_told_or_interview_with():
    for q in ("Which news agency did Maiga talk to?", "maiga spoke to which news agency",
              "Which outlet did he give an interview to?"):
        assert expected_answer(q).kind == "addressee", q
    spoke_to = expected_answer("Which news agency did Maiga talk to?")
    assert spoke_to.find("The prime minister Shogel Kokalla Maiga told RIA Novosti.") == [
        "RIA Novosti"]
    assert spoke_to.find("Diarra said in an interview with RTVI television.") == ["RTVI"]
    assert spoke_to.find("He told reporters that it rained.") == []
    doc = Document(id="d", text=(
        "Maiga said the news about Mali was false. The prime minister of Mali Shogel "
        "Kokalla Maiga told RIA Novosti."))
    assert "RIA Novosti" in first_quote("which news agency did maiga talk to", doc)


def test_the_person_whose_title_the_question_uses_is_the_one_asked_for():
    doc = Document(id="d", text=(
        "The Kremlin has previously stated that there are no Russian troops in Mali. "
        "Asked about it, presidential spokesman Dmitry Peskov replied that Moscow has contacts."))
    assert "Dmitry Peskov" in first_quote("kremlin spokesman name", doc)
    # Typed without a question word, question mark or not, a title asks for its holder.
    assert "Dmitry Peskov" in first_quote("Kremlin spokesman?", doc)


def test_words_that_only_restate_the_kind_asked_are_not_what_the_answer_must_cover():
    assert question_terms("How long did the operation last?") == ["operation"]
    assert question_terms("Over roughly how long a period did that happen?") == ["over"]
    assert question_terms("When did the coup take place?") == ["coup"]
    # with another kind they are the question's words
    assert "last" in question_terms("What did the operation achieve before it could last?")
    doc = Document(id="d", text=("The operation began in the north. During the three to four "
                                 "months of the operation, people were able to return home."))
    question = "how long did the operation last that let refugees go home"
    assert "three to four months" in first_quote(question, doc)


def test_a_sentence_that_names_the_speaker_is_not_outweighed_by_one_without_him():
    doc = Document(id="d", text=(
        "There has been a big campaign in the media, a diplomatic campaign against the state. "
        "The prime minister stressed that this campaign is aimed at blackmailing Mali."))
    question = "According to the prime minister, what is the purpose of the media campaign?"
    assert "blackmailing" in first_quote(question, doc)


def test_the_passage_is_not_the_less_on_topic_for_lacking_the_speaker():
    q = "According to Diop, what has Russia shipped?"
    a = assess(q, [cand("d", "Russia has shipped fuel and grain.")], weights(q))
    assert a.features["coverage"] == a.features["passage_coverage"] == 1.0


@pytest.mark.parametrize("question", [
    "What is the purpose of the media campaign?", "What was its main goal?",
    "What is the campaign meant to achieve?", "What does he say its purpose is?"])
def test_a_purpose_is_asked_as_why_is(question):
    assert expected_answer(question).kind == "reason"


def test_the_purpose_word_stays_a_word_of_the_question():
    # the text may answer with it: "The objective of this cooperation is ..."
    assert "objective" in question_terms("What is the objective of the cooperation?")


def test_word_forms_match_but_a_longer_different_word_does_not():
    assert coverage({"mali": 1.0}, {"malian"}) == 1.0
    assert coverage({"russia": 1.0}, {"russian"}) == 1.0
    assert coverage({"partner": 1.0}, {"part"}) == 0.0


def test_a_name_the_text_uses_as_a_place_is_not_a_person():
    person = expected_answer("Who met them?")
    sentence = "The delegation of Mali met Andrey Belousov."
    assert person.find(sentence) == ["Mali", "Andrey Belousov"]
    places = places_in(["Troops are stationed in Mali.", "It happened in the African nation."])
    assert places == {"mali"}
    assert person.find(sentence, places) == ["Andrey Belousov"]


def test_which_country_wants_a_place_and_is_withheld_without_one():
    assert expected_answer("Which Western country backed the coup?").kind == "place"
    vague = Document(id="d", text="A group backed by a Western state attempted a coup in the "
                                  "African nation.")
    assert ask("Which Western country backed the coup?", [cand("d", vague.text)], {"d": vague}) is None
    named = Document(id="d", text="Officials in Bamako said troops from France backed the coup.")
    answer = ask("Which Western country backed the coup?", [cand("d", named.text)], {"d": named})
    assert answer is not None and "France" in answer.text


def test_a_sentence_opening_with_a_pronoun_is_read_and_quoted_with_the_one_before():
    doc = Document(id="d", text="Intro line here. MINUSMA was established in 2013. It is "
                                "responsible for the protection of civilians. Other news.")
    answer = ask_document("What is MINUSMA responsible for?", doc)
    quote = answer.citations[0].quote
    assert quote == "MINUSMA was established in 2013. It is responsible for the protection of civilians."
    assert doc.text[answer.citations[0].start:answer.citations[0].end] == quote


def test_who_needs_a_person_or_the_relation_asked_about():
    q = "Who leads the Wagner private military company?"
    topic = Document(id="d", text="Officials found no sign of the Wagner private military company "
                                  "in the region.")
    assert ask(q, [cand("d", topic.text)], {"d": topic}) is None
    named = Document(id="d", text="The Wagner private military company is run by Dmitry Utkin.")
    assert "Dmitry Utkin" in ask(q, [cand("d", named.text)], {"d": named}).text
    # A description answers too, when the sentence says the relation asked about.
    q = "Who stopped the soldiers who attempted the coup?"
    described = Document(id="d", text="The soldiers who attempted the coup were stopped by the "
                                      "rest of the army.")
    assert "rest of the army" in ask(q, [cand("d", described.text)], {"d": described}).text


def test_a_sentence_that_says_the_answer_is_not_given_is_not_an_answer():
    doc = Document(id="d", text="Diarra did not specify how many Russian troops are stationed in Mali.")
    assert ask_document("How many Russian troops are stationed in Mali?", doc) is None


def test_a_second_sentence_from_another_passage_is_added_when_it_answers_more():
    one = Document(id="a", text="Igor Gromyko is the Russian ambassador to Mali.")
    two = Document(id="b", text="The Russian ambassador to Mali was appointed in 2021 by decree.")
    answer = ask("Who is the Russian ambassador to Mali and when was he appointed?",
                 [cand("a", one.text, row=1), cand("b", two.text, row=2)], {"a": one, "b": two})
    assert [c.marker for c in answer.citations] == [1, 2]
    assert answer.text == f"{one.text} [1] {two.text} [2]"
    assert {c.document_id for c in answer.citations} == {"a", "b"}


def test_citation_that_does_not_match_the_document_is_dropped():
    bad = SentenceChoice("d", "p1", 0, 10, 1.0, False, False, 0, 1.0)
    assert verified_citation(1, bad, DOC) is not None
    assert verified_citation(1, bad, Document(id="d", text="   \n      short")) is None
    assert verified_citation(1, bad, None) is None


def test_confidence_grows_with_similarity_and_off_topic_questions_abstain():
    near = ask("Who is the ambassador?", [cand("d", DOC.text, dense=0.8)], {"d": DOC})
    far = ask("Who is the ambassador?", [cand("d", DOC.text, dense=0.2)], {"d": DOC})
    assert near.confidence > far.confidence
    assert ask("What is the capital of Australia?", [cand("d", DOC.text, dense=0.05)], {"d": DOC}) is None
    assert ask("anything", [], {}) is None


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


def test_what_is_read_from_a_passage_is_remembered_and_cannot_be_changed_by_a_caller():
    # Kept across questions: a caller able to change it would change later answers.
    text = "Mali received helicopters. They arrived in 2022."
    assert shingles(text) is shingles(text) and isinstance(shingles(text), frozenset)
    sentences = _sentences_and_words(text)
    assert sentences is _sentences_and_words(text) and isinstance(sentences, tuple)
    assert [text[s:e] for s, e, *_ in sentences] == ["Mali received helicopters.",
                                                     "They arrived in 2022."]
    assert all(isinstance(words, frozenset) and isinstance(plain, frozenset)
               for *_, words, plain in sentences)
    assert sentences[0][2] >= {"mali", "receiv", "helicopter"}
    # The plain words, which a paraphrase is sought among, are unstemmed.
    assert sentences[0][3] == {"mali", "received", "helicopters"}


def test_how_big_is_answered_by_a_magnitude_in_words_and_how_many_by_a_count_or_an_amount():
    doc = Document(id="d", text="Russia is sending a significant number of people to support Mali.")
    assert expected_answer("How big is the army?").kind == "size"
    answer = ask_document("How big is the number of people Russia is sending to Mali?", doc)
    assert answer is not None and "significant number" in answer.text
    # A speaker who gives no figure answers "how many" with the amount in words...
    answer = ask_document("How many people is Russia sending to Mali?", doc)
    assert answer is not None and "significant number" in answer.text
    # ... but a size word alone is not an amount.
    big = Document(id="d", text="Russia is sending a big delegation to support Mali.")
    assert ask("How many people is Russia sending to Mali?", [cand("d", big.text)], {"d": big}) is None
    vague = Document(id="d", text="In the trade sector, many tons of fuel were delivered to Mali.")
    assert ask("How many tons of fuel were delivered to Mali?", [cand("d", vague.text)],
               {"d": vague}) is None


def test_who_speaks_is_not_what_the_answer_must_cover():
    # The dateline names the speaker in full; the quote that answers only says "he said".
    assert optional_words("What is Russia's main aim, in the view of the air force chief "
                          "of staff?") == {"air", "force", "chief", "staff", "aim"}  # aim: why
    assert optional_words("According to Diop, what has Russia shipped?") == {"diop"}
    assert optional_words("How big, in Diarra's words, is the army?") == {"diarra"}
    doc = Document(id="d", text="MOSCOW. Russia helped, Malian Air Force Chief of Staff Alou "
                                "Diarra said. \"Russia's main aim is to ensure security,\" he said.")
    answer = ask_document("What is Russia's main aim, in the view of the Malian air force chief "
                          "of staff?", doc, frequencies={"russia": 90, "mali": 90})
    assert "ensure security" in answer.text


def test_what_day_needs_a_day_and_a_year_alone_does_not_answer_it():
    assert expected_answer("On what date did he visit?").kind == "day"
    assert expected_answer("What year did he visit?").kind == "date"
    year = Document(id="d", text="The national day of diplomacy was instituted in 2002.")
    q = "On what day of the year is the national day of diplomacy celebrated?"
    assert ask(q, [cand("d", year.text)], {"d": year}) is None
    day = Document(id="d", text="The national day of diplomacy is celebrated on February 10.")
    assert "February 10" in ask(q, [cand("d", day.text)], {"d": day}).text
    # A year still answers "when" and "what year".
    assert ask("When was the national day of diplomacy instituted?", [cand("d", year.text)],
               {"d": year}) is not None


def test_which_is_answered_without_a_name_by_a_sentence_that_says_what_the_question_does():
    q = "Since the conflict began, which areas has the crisis mainly affected?"
    said = Document(id="d", text="Since then, the country has been gripped by a crisis that "
                                 "mostly affects security and economic development.")
    answer = ask(q, [cand("d", said.text)], {"d": said})
    assert answer is not None and "security and economic development" in answer.text
    # A sentence that only shares the topic is still withheld without a name.
    topic = Document(id="d", text="Since the conflict began, the crisis has been reported on.")
    assert ask(q, [cand("d", topic.text)], {"d": topic}) is None
    # "What is the name ...?" needs a name whatever the sentence says.
    named = Document(id="d", text="The agency that reported the crisis is named in the report.")
    assert ask("What is the name of the agency that reported the crisis?",
               [cand("d", named.text)], {"d": named}) is None


def test_an_older_year_counts_as_a_date_where_the_text_marks_it_as_one():
    date = expected_answer("When?")
    assert date.find("In 1186, he was elected khan.") == ["In 1186"]
    assert date.find("Jochi (1185–1226) was born.") == ["(1185–1226)"]
    assert date.find("About 9000 BP it was forested; it began in the mid-18th century.") == [
        "9000 BP", "18th century"]
    # A number before a counted noun is a count, not a year.
    assert date.find("It happened in 300 cases.") == []
    doc = Document(id="d", text="Intro line here. In 1186, Temujin was elected khan of the Mongols.")
    assert "1186" in ask_document("When was Temujin elected khan?", doc).text


def test_counts_include_ranges_twice_none_and_a_year_shaped_number_before_its_noun():
    number = expected_answer("How many?")
    assert number.find("Its efficiency reaches some 27-30% on high-pressure engines.") == ["27-30"]
    assert number.find("They won the cup twice; none of the others did.") == ["twice", "none"]
    assert number.find("A dinner attended by 2000 guests in 1999.") == ["2000"]
    doc = Document(id="d", text="Intro line here. The opening was celebrated with a dinner "
                                "attended by 2000 guests.")
    assert "2000 guests" in ask_document("How many guests attended the dinner?", doc).text


def test_a_who_question_is_answered_by_its_verb_in_the_passive_with_by():
    assert asked_relation("Who allegedly backed the plotters?") == "backed"
    assert asked_relation("Who supply the weapons?") == "supply"
    assert asked_relation("Who is the envoy?") is None
    assert names_the_doer("stopped", "A group attempted a coup but were stopped by the rest of the army.")
    assert names_the_doer("designed", "The new logo was designed by a firm in Paris.")
    # Another verb's doer, or a "by" that is not after the verb, is not the answer.
    assert not names_the_doer("leads", "The company was founded by Dmitry Utkin.")
    assert not names_the_doer("stopped", "The convoy stopped near the river and left by noon.")
    assert not names_the_doer(None, "It was stopped by the army.")
    # The sentence that names the doer is answered with more confidence than the same
    # sentence without it.
    q = "Who stopped the soldiers who attempted the coup?"
    said = "The soldiers who attempted the coup were stopped by the rest of the army."
    unsaid = "The soldiers who attempted the coup were stopped in the end, officials said."
    confidence = {}
    for text in (said, unsaid):
        doc = Document(id="d", text=text)
        answer = ask(q, [cand("d", text, dense=0.55)], {"d": doc})
        confidence[text] = answer.confidence if answer else 0.0
    assert confidence[said] > confidence[unsaid]


def test_an_impersonal_it_is_not_read_with_the_sentence_before():
    doc = Document(id="d", text="Intro line here. The ambassador Igor Gromyko thanked Mali. It "
                                "should be noted that the day was instituted in 2002 by the Russian "
                                "President. Other news.")
    # "Which Russian president" asks for a name; "It should be noted" borrows none from
    # the sentence before, and "the Russian President" only restates the question.
    q = "Which Russian president instituted the day in 2002?"
    assert expected_answer(q).kind == "named_person"
    assert ask_document(q, doc) is None
    named = Document(id="d", text="Intro line here. The day was instituted in 2002 by President "
                                  "Vladimir Putin. Other news.")
    assert "Vladimir Putin" in ask(q, [cand("d", named.text)], {"d": named}).text


def test_irregular_past_forms_match_their_verb():
    from qa.words import stem
    assert stem("sent") == stem("send") == stem("sends")
    assert stem("led") == stem("lead") and stem("bought") == stem("buy")
    # Words that are also other words keep their own meaning.
    assert stem("left") != stem("leave") and stem("found") != stem("find")
    doc = Document(id="d", text="Intro line here. Russia has also sent instructors to help with "
                                "the equipment. Russia has a partner in Mali.")
    answer = ask_document("Who did Russia send to help with the equipment?", doc)
    assert answer is not None and "instructors" in answer.text


def test_where_needs_a_place_or_a_phrase_of_place():
    assert expected_answer("Where was the reception held?").kind == "location"
    q = "Where were the two leaders taken after they were removed from office?"
    removed = Document(id="d", text="In May, the army removed the two leaders from office after "
                                    "accusing them of breaking rules.")
    assert ask(q, [cand("d", removed.text)], {"d": removed}) is None
    taken = Document(id="d", text="After they were removed from office, the two leaders were taken "
                                  "to a military camp outside Bamako.")
    assert "outside Bamako" in ask(q, [cand("d", taken.text)], {"d": taken}).text
    exiled = Document(id="d", text="The deposed leader was exiled to the Qara Khitai.")
    assert ask("Where was the deposed leader exiled?", [cand("d", exiled.text)],
               {"d": exiled}) is not None


def test_a_question_for_a_first_or_full_name_wants_a_name():
    for q in ("What is the first name of the minister?", "What was his full name?",
              "What is the name of the agency?"):
        assert expected_answer(q).kind == "name"


# Unit rows with known cosines to "buy": "purchases" 0.9 (above PARAPHRASE_AT), "sells"
# 0.45 (between the bounds), "troops" 0; "peru" and "mali" point the same way.
PARAPHRASES = WordVectors(["buy", "purchases", "sells", "troops", "peru", "mali"],
                          [[1, 0, 0], [0.9, 0.436, 0], [0.45, 0.893, 0], [0, 0, 1],
                           [0, 0.6, 0.8], [0, 0.6, 0.8]])


def test_a_question_word_said_otherwise_counts_as_nearly_as_the_word_vectors_say():
    assert paraphrase_credit(PARAPHRASES, ["buy"], frozenset({"purchases"})) == {"buy": 1.0}
    partial = paraphrase_credit(PARAPHRASES, ["buy"], frozenset({"sells"}))["buy"]
    assert partial == pytest.approx((0.45 - PARAPHRASE_FROM) / (PARAPHRASE_AT - PARAPHRASE_FROM),
                                    abs=0.01)
    assert paraphrase_credit(PARAPHRASES, ["buy"], frozenset({"troops"})) == {}
    assert paraphrase_credit(None, ["buy"], frozenset({"purchases"})) == {}
    # A word the sentence holds counts whole; one said otherwise, for its credit.
    assert coverage({"buy": 1.0, "mali": 1.0}, {"mali"}) == 0.5
    assert coverage({"buy": 1.0, "mali": 1.0}, {"mali"}, {"buy": partial}) == pytest.approx(
        (1 + partial) / 2)
    assert coverage({"buy": 1.0, "mali": 1.0}, {"mali", "buy"}, {"buy": 0.1}) == 1.0


def test_a_name_or_figure_the_question_writes_is_never_said_otherwise():
    w = weights("Does Mali buy jets from Peru in 2019?")
    assert set(paraphrasable("Does Mali buy jets from Peru in 2019?", w)) == {"buy", "jets"}


def test_the_sentence_that_says_the_question_otherwise_is_chosen_and_trusted_more():
    doc = Document(id="d", text="Intro line here. Mali renewed its deal with Russia in 2019. "
                                "Mali purchases aircraft from Russia.")
    question = "What does Mali buy from Russia?"
    plain = ask_document(question, doc)
    said_otherwise = ask_document(question, doc, vectors=PARAPHRASES)
    assert said_otherwise.citations[0].quote == "Mali purchases aircraft from Russia."
    assert plain is None or said_otherwise.confidence > plain.confidence


def test_a_value_or_a_city_asked_for_and_not_given_is_withheld():
    doc = Document(id="d", text="Intro line here. The 2019 agreement covers aircraft and "
                                "weapons. The ambassador hosted the minister last week.")
    assert ask_document("What was the monetary value of the 2019 agreement?", doc) is None
    assert ask_document("In which city did the ambassador host the minister?", doc) is None


def test_contractions_are_not_words_of_the_question():
    from qa.words import tokens

    assert question_terms("Why doesn't the prime minister care?") == ["prime", "minister", "care"]
    assert tokens("We can't, won't, we're sure they'd go.") == [
        "we", "can", "not", "will", "not", "we", "sure", "they", "go"]
    assert tokens("Mali's army") == ["mali", "s", "army"]  # a possessive is not a contraction


def test_how_much_of_asks_for_a_part_and_much_is_not_a_word_to_cover():
    assert question_terms("how much of the territory has mali retaken") == [
        "territory", "mali", "retaken"]
    assert "many" in question_terms("In what part did many students migrate?")


def test_the_words_asking_for_a_name_are_not_the_topic():
    assert question_terms("full name of mali's foreign minister") == ["mali", "foreign", "minister"]
    assert question_terms("What is the full name of the agency?") == ["agency"]


DENIAL = Document(id="d", text=(
    "Intro line here. Diarra did not specify how many Russian troops are stationed in Mali. "
    "\"I don't have the numbers with me right now,\" he said. In 2012 the UN authorized "
    "the deployment of 3,300 troops from the African mission in Mali."))


def test_a_count_the_text_says_is_not_given_is_withheld_though_another_count_is_near():
    assert ask("How many Russian troops are in Mali?", [cand("d", DENIAL.text)], {"d": DENIAL}) is None


def test_what_a_speaker_said_of_what_he_did_not_give_is_what_he_says_next():
    answer = ask("What did Diarra say when asked about the number of Russian troops?",
                 [cand("d", DENIAL.text)], {"d": DENIAL})
    assert answer is not None and "I don't have the numbers" in answer.citations[0].quote
    assert answer.citations[0].quote.startswith("Diarra did not specify")


def test_a_capital_that_opens_a_sentence_of_the_question_is_not_a_name():
    from qa.words import written_as_names

    assert written_as_names("Diop mentioned people going home. Over how long did it happen?") == set()
    assert written_as_names('Who is Igor Gromyko? Was he in "Peru" in 1999?') == {
        "igor", "gromyko", "peru", "1999"}


@pytest.mark.parametrize("british, american_spelling", [
    ("defence", "defense"), ("stabilising", "stabilizing"), ("organisation", "organization"),
    ("behaviour", "behavior"), ("centre", "center"), ("analysed", "analyzed"),
    ("characterise", "characterize"), ("honoured", "honored")])
def test_british_and_american_spellings_are_one_word(british, american_spelling):
    assert stem(british) == stem(american_spelling)


@pytest.mark.parametrize("word", ["four", "hour", "your", "tour", "noise", "rise", "crisis"])
def test_short_words_are_not_respelt(word):
    assert american(word) == word


@pytest.mark.parametrize("question", [
    "What is another term for rotors?", "What is a synonym for chloroplast DNA?",
    "What is the bad air theory officially known as?", "What was Ghandi's work called?",
    "What is the nickname for the Delta?"])
def test_what_a_text_calls_a_thing_is_asked_as_an_alias(question):
    assert expected_answer(question).kind == "alias"
    assert not {"another", "term", "synonym", "known", "called", "nickname"} & set(
        question_terms(question))


def test_an_alias_is_what_follows_called_known_as_a_bracket_or_an_apposition():
    alias = expected_answer("What is another name for the west side?")
    assert alias.find('The "West Side", also often called "Southwest Fresno", is old.') == [
        "Southwest Fresno"]
    assert alias.find("It has rotors (rotating discs) on a shaft.") == ["rotating discs"]
    assert alias.find("State Route 168, the Sierra Freeway, heads east.") == ["the Sierra Freeway"]
    assert alias.find("In Mali, the army said, it won.") == []
    # who asks for a person even when the question says "called"
    assert expected_answer("Who is called the father of physics?").kind == "person"


def test_a_noun_whose_s_is_no_plural_is_not_its_singular():
    assert coverage({"goods": 1.0}, {stem("good")}) == 0.0
    assert coverage({"goods": 1.0}, {stem("goods")}) == 1.0
    assert coverage({"arms": 1.0}, {stem("arm")}) == 0.0


def test_the_purpose_a_why_question_names_is_optional():
    q = "The prime minister is fed up with the campaign. What does he think its real purpose is?"
    assert {"purpose", "campaign"} <= optional_words(q)
    assert "think" not in question_terms(q)


@pytest.mark.parametrize("question", [
    "On which TV channel did Diarra give his interview?", "Which newspaper printed it?",
    "what news agency did he talk to"])
def test_a_question_about_a_media_outlet_asks_whom_someone_spoke_to(question):
    assert expected_answer(question).kind == "addressee"


def test_an_agency_that_is_no_outlet_is_not_asked_as_one():
    assert expected_answer("What agency is responsible for it?") is None


def test_a_keyword_question_that_opens_with_date_asks_for_one():
    assert expected_answer("date mali delegation went to russia").kind == "date"


def test_want_frames_a_question():
    # "What I want to say is ..." is no answer to why Russia wants to help
    assert question_terms("Why does Russia want to keep helping Mali?") == [
        "russia", "helping", "mali"]  # "keep" frames too ("I keep seeing ...")


def test_how_someone_describes_a_thing_is_what_they_say_it_is():
    doc = Document(id="d", text=(
        "The army regained the north, Malian Air Force Chief of Staff Alou Boi Diarra said.\n\n"
        '"Thanks to our cooperation with Russia we regained the north," Diarra continued.\n\n'
        '"Russia is our loyal and reliable partner," he said.\n'))
    for question in ("How does the air force chief describe Russia?",
                     "what did diarra call russia"):
        assert "loyal and reliable" in first_quote(question, doc)
    assert expected_answer("How does he describe Russia?").find(
        "This is an invaluable contribution of Russia.") == ["an invaluable contribution of Russia"]


def test_what_someone_called_what_they_described_is_in_the_sentence_that_follows():
    doc = Document(id="d", text=(
        '"Moreover, Russian servicemen are fighting side by side with the Armed Forces of '
        "Mali and even dying alongside our soldiers. We will never forget this. This is an "
        'invaluable contribution of the Russian Federation," the officer said.'))
    quote = first_quote("What did the officer call the role of Russian soldiers who fight and "
                        "die beside Malian troops?", doc)
    assert "fighting side by side" in quote and "invaluable contribution" in quote
    # What follows is read only when it says what that is.
    plain = Document(id="p", text=(
        "Russian servicemen are fighting side by side with the Armed Forces of Mali. Our "
        "troops have become more mobile."))
    assert "more mobile" not in first_quote(
        "What did the officer call the role of Russian soldiers who fight beside Malian "
        "troops?", plain)


def test_letters_a_question_writes_stand_for_the_name_they_abbreviate():
    assert initials("The United Nations Multidimensional mission, by the Security Council") >= {
        "un", "unm", "sc"}
    # A sentence's first word and the stopwords inside a run are no part of a name.
    assert not initials("In December the Council of Europe met") & {"id", "ce", "coe"}
    doc = Document(id="d", text=(
        "In December 2012, the Security Council authorized the deployment of troops from the "
        "African mission in Mali. The United Nations stabilization mission in Mali was "
        "established by a resolution of April 25, 2013."))
    assert "April 25, 2013" in first_quote("When was the UN mission in Mali set up?", doc)


def test_a_time_of_day_is_answered_by_a_clock_time_or_not_at_all():
    page = Document(id="d", text=(
        "MOSCOW (Sputnik) - Mali has been able to establish aerial combat capacity.\n\n"
        "23.05.2022, Sputnik International\n\n2022-05-23T10:43+0000\n\nafrica\n"))
    assert "10:43" in ask_document("At what time was the Sputnik International article "
                                   "published?", page).text
    assert expected_answer("what time was it").find("at 9 a.m. and at 14:05") == ["9 a.m.", "14:05"]
    dated = Document(id="e", text="MOSCOW (Sputnik) - Mali has been able to establish aerial "
                                  "combat capacity.\n\n23.05.2022, Sputnik International\n")
    assert ask_document("At what time was the Sputnik International article published?",
                        dated) is None


def test_a_hedge_says_how_a_fact_is_told_not_what_it_is():
    assert question_terms("Who allegedly supported the soldiers behind the coup?") == [
        "supported", "soldiers", "behind", "coup"]
    assert question_terms("What did Russia really send?") == ["russia", "send"]
    assert question_terms("I keep seeing the acronym FAMa in these articles. What is it?") == [
        "acronym", "fama"]


def test_who_did_it_may_be_answered_by_a_synonym_of_what_they_did():
    doc = Document(id="d", text="The country's delegation, led by the defense minister, "
                                "recently visited the capital.")
    assert "defense minister" in first_quote("Who headed the Malian delegation?", doc)
    assert first_quote("Who funded the Malian delegation?", doc) == ""


def test_why_is_answered_first_by_a_reason_stated_as_one():
    doc = Document(id="d", text=(
        "Despite the campaign waged against Mali, the partnership continues to develop. The "
        "prime minister stressed that the campaign waged against Mali is aimed at blackmail."))
    assert "blackmail" in first_quote(
        "Why, according to the prime minister, is the campaign being waged against Mali?", doc)


def test_a_thing_asked_for_that_the_best_sentence_calls_this_is_named_before_it():
    text = ("The ambassador invited the minister, within the framework of the celebration of "
            "the national day of Russian diplomacy. During this occasion, the diplomat "
            "confirmed his country's support for Mali.")
    doc = Document(id="d", text=text)
    cut = text.index("During")
    # The two sentences stand in two passages of one document.
    candidates = [cand("d", text[cut:], start=cut), cand("d", text[:cut - 1], row=2)]
    answer = ask("What occasion was the ambassador marking?", candidates, {"d": doc})
    assert answer is not None and "national day" in answer.citations[0].quote
    assert answer.citations[0].quote.endswith("support for Mali.")
    assert answer.citations[0].passage_id == "p2"  # where the quote begins
    # "this" alone does not say which thing it is.
    answer = ask("What support did the diplomat confirm?", candidates, {"d": doc})
    assert answer is None or "national day" not in answer.citations[0].quote


def test_a_datelines_date_is_the_reports_not_the_events():
    lead = ("MOSCOW, August 21. /TASS/. The Malian government regained control of the country, "
            "Malian Air Force Chief of Staff Alou Boi Diarra said.")
    assert expected_answer("When was Diarra appointed chief of staff?").find(lead) == []
    assert expected_answer("When did TASS publish the interview?").find(lead) == ["August"]
    assert expected_answer("When was he appointed?").find(
        "MOSCOW (UrduPoint News / Sputnik - 23rd May, 2022) He was appointed in 2021.") == [
        "in 2021"]


def test_who_holds_an_office_is_answered_by_a_name_or_not_at_all():
    doc = Document(id="d", text="The day before, the French military said it had found no "
                                "evidence of the presence of the Wagner company in Mali.")
    question = "Who was the French military spokesman who said there was no evidence of Wagner?"
    assert ask_document(question, doc) is None
    named = Document(id="n", text="The day before, French military spokesman Pascal Ianni said "
                                  "it had found no evidence of the presence of Wagner in Mali.")
    assert "Pascal Ianni" in first_quote(question, named)
    # Who did something may be answered by a description.
    assert "Western state" in first_quote(
        "Who was behind the soldiers who attempted the coup?",
        Document(id="w", text='A group of soldiers, backed by a "Western state", attempted a '
                              "coup but were stopped by the rest of the army."))


def test_a_denial_that_only_names_the_person_asked_for_withholds_nothing():
    doc = Document(id="d", text=(
        "The government regained the north, Malian Air Force Chief of Staff Alou Boi Diarra "
        "said.\n\nDiarra did not specify how many Russian troops are stationed in Mali."))
    assert "Alou Boi Diarra" in first_quote("mali air force chief of staff name", doc)
    assert ask_document("how many russian troops are in mali according to the air force chief",
                        doc) is None


def test_a_verb_and_its_noun_match_though_the_noun_drops_the_verbs_e():
    from qa.answers import _matches, _stems
    assert _matches("cooperate", _stems("the cooperation between Mali and Russia"))
    assert _matches("cooperation", _stems("Mali and Russia cooperate"))
    assert _matches("operate", _stems("help us in the operation of this equipment"))
    assert not _matches("use", _stems("the user of this equipment"))  # too short a word


def test_on_its_own_is_independently():
    doc = Document(id="d", text=(
        "Thanks to Russia, Mali has acquired powerful weapons. Thanks to Russian help, Mali "
        "can independently conduct reconnaissance."))
    assert "reconnaissance" in first_quote("what can mali do by itself now thanks to russia", doc)
    said = Document(id="s", text="Pharmacists dispense drugs to the patients of physicians. "
                                 "Some physicians dispense drugs on their own.")
    assert "on their own" in first_quote("What do physicians dispense on their own?", said)


def test_a_headline_asked_for_is_a_line_written_as_one():
    doc = Document(id="d", text=(
        "Minister Says Cooperation With Russia Giving 'Impressive Results'\n\n"
        "MOSCOW - The foreign minister said the cooperation with Russia gives results.\n"))
    question = "What is the headline of the article about the minister's cooperation with Russia?"
    assert "Impressive Results" in first_quote(question, doc)
    body = Document(id="b", text="MOSCOW - The foreign minister said the cooperation with "
                                 "Russia gives results.\n")
    assert ask_document("what headline did the article about the minister run", body) is None


# "envoy" says "ambassador" in part (0.45), "moscow" says "russian" (0.8); "minister" is
# neither.
TITLES_SAID_OTHERWISE = WordVectors(["envoy", "ambassador", "moscow", "russian", "minister"],
                                    [[1, 0, 0], [0.45, 0.893, 0], [0, 0, 1], [0, 0.6, 0.8],
                                     [0, 1, 0]])


GROMYKO_AND_LAVROV = Document(id="d", text=(
    "Igor Gromyko, Ambassador of the Russian Federation in Mali, arrived.\n\n"
    "After talks in Moscow, Russian Foreign Minister Sergey Lavrov said Moscow will help Mali."))


# Typed without a question word, a title asks for its holder too.
@pytest.mark.parametrize("question", ["Who is Moscow's envoy to Mali?", "envoy of Moscow to Mali"])
def test_a_question_asking_for_a_person_by_office_is_answered_by_whoever_holds_it(question):
    assert "Gromyko" in first_quote(question, GROMYKO_AND_LAVROV, frequencies={"mali": 50},
                                    vectors=TITLES_SAID_OTHERWISE)


def test_a_capital_the_question_writes_is_its_country_in_an_office():
    from qa.answers import asked_person, renamed_credit
    assert renamed_credit(TITLES_SAID_OTHERWISE, ["moscow"], ["russian"]) == {"moscow": 1.0}
    assert renamed_credit(TITLES_SAID_OTHERWISE, ["moscow"], ["ambassador"]) == {}
    roles = {"d": {"gromyko": frozenset({"ambassador", "russian"}),
                   "lavrov": frozenset({"minister", "russian"})}}
    w = {"moscow": 1.0, "envoy": 1.0, "mali": 1.0}
    name, said = asked_person(w, roles, TITLES_SAID_OTHERWISE, ["envoy"], ["moscow"])
    assert name == "gromyko" and said == pytest.approx((1.0 + 0.5) / 3, abs=0.02)


def test_where_is_answered_by_the_place_in_the_sentence_next_to_the_best_one():
    doc = Document(id="d", text=(
        '"For some time we remained on the ground, in the camps, and the terrorists attacked '
        "us. Now that the Malian army is on the offensive, our troops have become more mobile "
        'thanks to the aviation," Diop said.'))
    answer = ask_document("Where did Malian troops stay before the army went on the offensive?",
                          doc)
    assert answer is not None and "in the camps" in answer.citations[0].quote
    assert "more mobile" in answer.citations[0].quote
    alone = Document(id="e", text="Now that the Malian army is on the offensive, our troops "
                                  "have become more mobile thanks to the aviation.")
    assert ask_document("Where did Malian troops stay before the offensive?", alone) is None


@pytest.mark.parametrize("question, kind", [
    ("what day were they celebrating when gromyko hosted the minister", None),
    ("On what day of the year is the national day of diplomacy celebrated?", "day"),
])
def test_what_day_someone_celebrates_is_the_day_by_its_name(question, kind):
    shape = expected_answer(question)
    assert (shape and shape.kind) == kind


def test_an_organisation_asked_by_its_letters_is_not_another_spelled_out():
    doc = Document(id="d", text="The UN authorized 3,300 troops from the African mission in "
                                "Mali (AFISMA). MINUSMA replaced it in 2013.")
    assert ask_document("How many troops does the MINUSMA mission have in Mali?", doc) is None
    assert ask_document("How many troops did the AFISMA mission have in Mali?", doc) is not None


def test_who_held_an_office_before_a_person_named_needs_someone_else_with_it():
    question = "Who was Russia's ambassador to Mali before Igor Gromyko?"
    doc = Document(id="d", text=(
        "The Ambassador of the Russian Federation to Mali, Igor Gromyko, invited the Malian "
        "Minister of Defense, Colonel Sadio Camara, to a reception."))
    assert ask_document(question, doc) is None
    earlier = Document(id="e", text=(
        "Ambassador Alexei Dulian preceded Igor Gromyko as Russia's ambassador to Mali."))
    assert "Dulian" in first_quote(question, earlier)
