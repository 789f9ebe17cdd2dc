import importlib.util
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from schemas.records import TimedSpan, Turn
from transforms.segment import (
    DEFAULT_COHESION,
    DEFAULT_MAX_CHARS,
    OPENS_SIZE,
    OPENS_TOPIC,
    OPENS_TURN,
    _confirm_boundaries,
    _merge_short,
    segment_transcript,
    split_sentences,
)


@pytest.mark.parametrize(
    "text, sentences",
    [
        ("Dr. Smith arrived. He spoke.", ["Dr. Smith arrived.", "He spoke."]),
        ("Growth was 3.5 percent. Then it fell.", ["Growth was 3.5 percent.", "Then it fell."]),
        ("Die Rate lag bei 2,1 Prozent, z. B. im Mai. Dann fiel sie.", ["Die Rate lag bei 2,1 Prozent, z. B. im Mai.", "Dann fiel sie."]),
        ("Sr. López llegó. Habló.", ["Sr. López llegó.", "Habló."]),
        ("J. K. Rowling wrote it! Really? Yes.", ["J. K. Rowling wrote it!", "Really?", "Yes."]),
        ("No stop at the end", ["No stop at the end"]),
        # Abbreviations that are also words end a sentence before a capital, not before a number.
        ("Tell me. Then go.", ["Tell me.", "Then go."]),
        ("Dijo que no. Luego se fue.", ["Dijo que no.", "Luego se fue."]),
        ("No. 10 Downing Street said so. Fine.", ["No. 10 Downing Street said so.", "Fine."]),
        ("Fish, meat, etc. and more. Then tea.", ["Fish, meat, etc. and more.", "Then tea."]),
    ],
)
def test_sentence_splitter_knows_abbreviations_and_decimals(text, sentences):
    assert [text[s:e] for s, e in split_sentences(text)] == sentences


@pytest.mark.parametrize(
    "text, sentences",
    [
        ("这是第一句。这是第二句！第三句？", ["这是第一句。", "这是第二句！", "第三句？"]),
        ("「はい。」と彼は言った。次の文です。", ["「はい。」と彼は言った。", "次の文です。"]),
        ("यह पहला वाक्य है। यह दूसरा है।", ["यह पहला वाक्य है।", "यह दूसरा है।"]),
        ("یہ پہلا جملہ ہے۔ یہ دوسرا ہے۔", ["یہ پہلا جملہ ہے۔", "یہ دوسرا ہے۔"]),
        ("هل أنت هنا؟ نعم.", ["هل أنت هنا؟", "نعم."]),
        ("Ich bin hier. ეს მეორე წინადადებაა.", ["Ich bin hier.", "ეს მეორე წინადადებაა."]),
    ],
)
def test_sentence_splitter_knows_the_stops_of_other_scripts(text, sentences):
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == sentences


def test_segments_follow_turns_and_index_the_text():
    text = "Hello there. How are you?\n\nFine, thanks."
    turns = (Turn(0, 25, "A"), Turn(27, 40, "B"))
    segments = segment_transcript(text, turns, min_chars=0, max_chars=100)
    assert [(s.speaker, text[s.start:s.end]) for s in segments] == [("A", "Hello there. How are you?"), ("B", "Fine, thanks.")]


def test_long_turns_split_at_sentences_within_bounds():
    text = " ".join(f"Sentence number {i} is here." for i in range(100))
    segments = segment_transcript(text, (Turn(0, len(text)),), min_chars=200, max_chars=500)
    assert len(segments) > 5
    for s in segments:
        assert 200 <= s.end - s.start <= 500
        assert text[s.start:s.end].endswith(".")
    assert " ".join(text[s.start:s.end] for s in segments) == text


def test_short_fragments_merge_within_a_turn():
    text = "Yes. No. Maybe so. And then a longer sentence follows it here."
    segments = segment_transcript(text, (Turn(0, len(text)),), min_chars=30, max_chars=200)
    assert len(segments) == 1


def test_timed_segments_take_their_cue_times():
    text = "First cue. Second cue."
    timeline = (TimedSpan(0, 10, 1.0, 2.0), TimedSpan(11, 22, 2.5, 4.0))
    segments = segment_transcript(text, (Turn(0, 22),), timeline, min_chars=0, max_chars=12)
    assert [(s.start_seconds, s.end_seconds) for s in segments] == [(1.0, 2.0), (2.5, 4.0)]


def test_bad_bounds_are_rejected():
    with pytest.raises(ValueError):
        segment_transcript("x", (), min_chars=10, max_chars=5)


STORM = [
    "A powerful storm pushed ashore on the Gulf Coast early on Tuesday morning.",
    "Forecasters said the storm was carrying sustained winds of ninety miles an hour.",
    "Heavy rain from the storm flooded coastal roads and low neighbourhoods.",
    "Emergency crews opened shelters for families forced out by the rising flood water.",
    "The storm surge was expected to reach eight feet in some coastal bays.",
    "Power lines came down across the region as the winds grew stronger.",
    "Officials warned that the rain and flooding would last until Thursday.",
    "Meteorologists said the storm would weaken slowly once it moved inland.",
]
FOOTBALL = [
    "In the evening the home team won the football match by three goals to one.",
    "The striker scored twice in the first half of the match.",
    "The visiting goalkeeper saved a penalty shortly before half time.",
    "After the break the midfielder curled a free kick into the top corner for the third goal.",
    "The coach praised his players for their pressing and their passing.",
    "Supporters sang in the stadium long after the final whistle of the match.",
    "The win lifts the team to second place in the league table.",
    "Their next match is an away game against the league leaders on Saturday.",
]


def _one_turn(text: str, **kwargs) -> list[str]:
    return [text[s.start:s.end] for s in segment_transcript(text, (Turn(0, len(text)),), **kwargs)]


def test_a_topic_shift_inside_one_turn_becomes_a_boundary():
    text = " ".join(STORM + FOOTBALL)
    assert len(text) < DEFAULT_MAX_CHARS  # only the change of topic can split it
    assert _one_turn(text) == [" ".join(STORM), " ".join(FOOTBALL)]
    assert _one_turn(text, language="en") == [" ".join(STORM), " ".join(FOOTBALL)]
    # Without a stopword list the language-independent heuristics find it too.
    assert _one_turn(text, language="xx") == [" ".join(STORM), " ".join(FOOTBALL)]


def test_topic_boundaries_can_be_turned_off():
    text = " ".join(STORM + FOOTBALL)
    assert _one_turn(text, cohesion=None) == [text]


def test_a_switch_of_language_is_a_boundary():
    german = [
        "Der Gemeinderat hat am Montag über den neuen Haushalt der Stadt beraten.",
        "Die Schulden der Gemeinde sollen in den nächsten fünf Jahren sinken.",
        "Dafür will der Bürgermeister die Gebühren für Parkplätze erhöhen.",
        "Die Opposition lehnt die höheren Gebühren ab und fordert Einsparungen.",
        "Eine Entscheidung über den Haushalt soll im Dezember fallen.",
        "Bis dahin können die Bürger ihre Vorschläge im Rathaus einreichen.",
    ]
    text = " ".join(STORM + german)
    assert _one_turn(text) == [" ".join(STORM), " ".join(german)]


def test_a_single_topic_turn_is_not_split_below_max_chars():
    text = " ".join(STORM + [s.replace("storm", "hurricane") for s in STORM])
    assert len(text) < DEFAULT_MAX_CHARS
    assert _one_turn(text) == [text]


def test_a_long_single_topic_turn_gets_the_fewest_segments_the_size_bound_allows():
    text = " ".join(STORM * 5)  # 2,964 characters in sentences of about 74
    segments = segment_transcript(text, (Turn(0, len(text)),), max_chars=1100)
    assert len(segments) == 3
    assert all(200 <= s.end - s.start <= 1100 for s in segments)


def test_topic_segments_index_the_text_and_are_deterministic():
    text = "  " + " ".join(FOOTBALL + STORM + FOOTBALL[:4]) + "\n"
    turns = (Turn(0, len(text)),)
    first = segment_transcript(text, turns)
    assert first == segment_transcript(text, turns)
    assert len(first) >= 2
    for a, b in zip(first, first[1:], strict=False):
        assert a.end < b.start and not text[a.end:b.start].strip()
    for s in first:
        assert text[s.start:s.end] == text[s.start:s.end].strip() and text[s.start:s.end].endswith(".")
    assert " ".join(text[s.start:s.end] for s in first) == text.strip()


def test_a_long_alternating_turn_is_split_at_its_topic_changes():
    # Speed is measured by `make bench`, never asserted here.
    text = " ".join((STORM + FOOTBALL) * 18)  # about 20,000 characters
    segments = segment_transcript(text, (Turn(0, len(text)),))
    assert len(segments) >= 10


def test_segments_say_why_they_open():
    # Only turn and topic boundaries claim a change; a size cut only keeps max_chars.
    text = " ".join(STORM + FOOTBALL)
    segments = segment_transcript(text, (Turn(0, len(text)),))
    assert [s.opens for s in segments] == [OPENS_TURN, OPENS_TOPIC]
    long = " ".join(STORM * 5)
    segments = segment_transcript(long, (Turn(0, len(long)),), max_chars=1100)
    assert [s.opens for s in segments] == [OPENS_TURN, OPENS_SIZE, OPENS_SIZE]
    two = "Hello there. How are you?\n\nFine, thanks."
    segments = segment_transcript(two, (Turn(0, 25, "A"), Turn(27, 40, "B")), min_chars=0, max_chars=100)
    assert [s.opens for s in segments] == [OPENS_TURN, OPENS_TURN]


def test_a_merged_fragment_keeps_the_reason_of_its_first_part():
    groups = [(0, 300, OPENS_TURN), (301, 350, OPENS_TOPIC), (351, 700, OPENS_SIZE), (701, 720, OPENS_SIZE)]
    # The short topic piece joins its predecessor, so its boundary is gone; the
    # short tail joins the size piece before it.
    assert _merge_short(groups, 200, 2000) == [(0, 350, OPENS_TURN), (351, 720, OPENS_SIZE)]


def _eval_module():
    module = sys.modules.get("eval_segmentation")
    if module is None:
        spec = importlib.util.spec_from_file_location("eval_segmentation", Path(__file__).resolve().parents[1] / "tools" / "eval_segmentation.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["eval_segmentation"] = module  # dataclasses look their module up while being defined
        spec.loader.exec_module(module)
    return module


def test_the_evaluation_scores_topic_boundaries_not_size_cuts():
    ev = _eval_module()
    one_source = ev.Document(" ".join(STORM * 5), ())  # 2,964 characters, one story
    topic, every = ev.found_boundaries(one_source, DEFAULT_COHESION, 200, 1100)
    assert topic == [] and len(every) == 2
    two = ev._join([ev.Piece(tuple(STORM), "weather", "a"), ev.Piece(tuple(FOOTBALL), "sport", "b")])
    topic, every = ev.found_boundaries(two, DEFAULT_COHESION, 200, 2000)
    assert topic == every == list(two.boundaries)
    assert ev.pk_windowdiff(len(two.text), two.boundaries, topic) == (0.0, 0.0)
    assert ev.pk_windowdiff(len(two.text), two.boundaries, [])[0] > 0.3


def test_the_evaluation_ends_each_piece_with_a_sentence():
    ev = _eval_module()
    doc = ev._join([ev.Piece(("A line with no stop",), "x", "a"), ev.Piece(("Next one.",), "y", "b")])
    assert doc.text == "A line with no stop. Next one."
    assert [s for s, _ in split_sentences(doc.text)][1:] == list(doc.boundaries)


def _chain(prefix: str, n: int) -> list[list[str]]:
    # Content terms of n sentences that each share one word with the next only:
    # a turn whose neighbouring stretches have little in common anywhere (as in talk).
    return [[f"{prefix}{i}{c}" for c in "abcd"] + [f"{prefix}k{i}", f"{prefix}k{i + 1}"] for i in range(n)]


def test_a_boundary_must_be_less_alike_than_the_turn_usually_is():
    left, right = _chain("l", 12), _chain("r", 12)
    for k in range(3):  # three words cross the cut: a little overlap, as much as anywhere in the turn
        left[-1 - k].append(f"x{k}")
        right[k].append(f"x{k}")
    content = left + right
    assert DEFAULT_COHESION.merge_relative < 1
    # Below the absolute bar, so only the bar relative to the turn's own similarity drops it.
    assert _confirm_boundaries(content, [0, 12, 24], replace(DEFAULT_COHESION, merge_relative=10.0)) == [0, 12, 24]
    assert _confirm_boundaries(content, [0, 12, 24], DEFAULT_COHESION) == [0, 24]
    # With nothing in common across it, the same cut stays.
    assert _confirm_boundaries(_chain("l", 12) + _chain("r", 12), [0, 12, 24], DEFAULT_COHESION) == [0, 12, 24]


def test_every_change_of_an_evenly_alternating_turn_is_found():
    # Valleys all alike but the last, which the turn's end makes a little shallower:
    # a cutoff relative to the spread of the valleys (near 0 here) dropped it, and
    # the confirmation then merged its mixed neighbours, one after the other.
    text = " ".join((STORM + FOOTBALL) * 100)  # about 116,000 characters
    segments = segment_transcript(text, (Turn(0, len(text)),))
    assert [s.opens for s in segments] == [OPENS_TURN] + [OPENS_TOPIC] * 199
    assert [text[s.start:s.end] for s in segments] == [" ".join(STORM), " ".join(FOOTBALL)] * 100
