import pytest

from schemas.records import TimedSpan, Turn
from transforms.segment import segment_transcript, split_sentences


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
