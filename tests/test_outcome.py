"""How the outcomes of a message's needs add up."""

from __future__ import annotations

from bot.outcome import Outcome, overall, standing


def outcome(coverage, measures=(1,), confidence=1.0, document="plan"):
    return Outcome(coverage, list(measures), [], "", document=document, confidence=confidence)


def test_a_detail_left_out_of_a_measure_that_answers_another_need_makes_it_partial():
    assert overall([outcome("answered", [35]), outcome("partial", [35])]) == "partial"


def test_needs_on_other_topics_keep_the_message_answered():
    assert overall([outcome("answered", [21]), outcome("partial", [37])]) == "answered"
    assert overall([outcome("answered", [21]), outcome("none", [])]) == "answered"
    assert overall([outcome("partial", [37]), outcome("none", [])]) == "partial"
    assert overall([outcome("none", [])]) == "none"


def test_the_same_number_in_another_document_is_another_measure():
    assert overall([outcome("answered", [4], document="a"),
                    outcome("partial", [4], document="b")]) == "answered"


def ranked(coverage, confidence):
    return standing([outcome(coverage, [] if coverage == "none" else [1], confidence)])


def test_between_documents_an_answer_beats_a_partial_one_by_a_margin_only():
    # the document sure of the topic, though not of the detail, wins over a doubtful answer
    assert ranked("partial", 0.98) > ranked("answered", 0.46)
    # a close call goes to the answer
    assert ranked("answered", 0.80) > ranked("partial", 0.95)
    # anything found beats nothing
    assert ranked("partial", 0.05) > ranked("none", 0.99)
