"""Properties that must hold for any input: no crash on bytes, edits rebuild the raw text, offsets index the text."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.records import RawDocument, SourceMeta
from transforms.clean import apply_edits, clean_transcript, rebuild_raw
from transforms.errors import InputError
from transforms.parse import parse_document
from transforms.segment import segment_transcript

# Text built from the pieces transcripts are made of, so the cleaner's rules
# actually fire, plus arbitrary characters.
PIECES = st.sampled_from([
    "BLITZER:", "ANNA REYES, CNN ANCHOR:", ">>", "(CROSSTALK)", "[MUSIC]", "(BEGIN VIDEO CLIP)", "(END VIDEO CLIP)",
    "um,", "uh", "you know,", "I mean,", "Yeah,", "the, the", "is, is", "--", "Take a listen.", "♪", "<i>", "</i>",
    "\n", "\n\n", " ", ",", ".", "?", "Share your thoughts", "e\u0301", "&amp;", "[08:00:14]", "WEBVTT\n\n",
    "00:00:01.000 --> 00:00:02.000\n", "1\n00:00:01,000 --> 00:00:02,000\n", "The storm hit the coast.", "REYES:",
])
TEXTS = st.lists(st.one_of(PIECES, st.text(max_size=8)), max_size=40).map("".join)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.binary(max_size=400), st.sampled_from([None, "txt", "srt", "vtt", "json"]))
def test_any_bytes_parse_or_raise_input_error(payload, hint):
    try:
        parsed = parse_document(RawDocument(SourceMeta("mem://x", "file"), payload, hint))
    except InputError as exc:
        assert exc.error_type and exc.message
    else:
        assert parsed.blocks


@SETTINGS
@given(TEXTS, st.sampled_from(["txt", "srt", "vtt"]), st.sampled_from(["full", "light", "none"]), st.sampled_from([None, "en", "de"]))
def test_cleaning_rebuilds_raw_and_segments_index_text(text, hint, profile, language):
    try:
        parsed = parse_document(RawDocument(SourceMeta("mem://x", "file"), text.encode("utf-8"), hint))
    except InputError:
        return
    result = clean_transcript(parsed, profile, language)
    assert apply_edits(parsed.raw_text, result.edits) == result.text
    assert rebuild_raw(result.text, result.edits) == parsed.raw_text
    positions = [(e.start, e.end) for e in result.edits]
    assert all(a[1] <= b[0] for a, b in zip(positions, positions[1:], strict=False))
    for segment in segment_transcript(result.text, result.turns, result.timeline, 0, 200):
        assert 0 <= segment.start < segment.end <= len(result.text)
        assert result.text[segment.start:segment.end].strip() == result.text[segment.start:segment.end]
