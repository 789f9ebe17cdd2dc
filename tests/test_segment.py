
import pytest

from schemas.records import TimedSpan, Turn
from transforms.segment import DEFAULT_MAX_CHARS, segment_transcript, split_sentences


@pytest.mark.parametrize(
    "text, sentences",
    [
        ("Dr. Smith arrived. He spoke.", ["Dr. Smith arrived.", "He spoke."]),
        ("Growth was 3.5 percent. Then it fell.", ["Growth was 3.5 percent.", "Then it fell."]),
        ("Die Rate lag bei 2,1 Prozent, z. B. im Mai. Dann fiel sie.", ["Die Rate lag bei 2,1 Prozent, z. B. im Mai.", "Dann fiel sie."]),
        ("Sr. López llegó. Habló.", ["Sr. López llegó.", "Habló."]),
        ("J. K. Rowling wrote it! Really? Yes.", ["J. K. Rowling wrote it!", "Really?", "Yes."]),
        ("No stop at the end", ["No stop at the end"]),
    ],
)
def test_sentence_splitter_knows_abbreviations_and_decimals(text, sentences):
    assert [text[s:e] for s, e in split_sentences(text)] == sentences


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
