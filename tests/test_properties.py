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


# The cleaner finds most matches from a cheap scan and tries its patterns only
# where the scan points; each of these must give what finditer() over the whole
# text gives.
SCANNED = st.sampled_from([
    "um", "Um,", "uh-huh", "you know", "I mean", "yeah", "right", "¿no", "äh", "este", "pues", "the", "The", "the, the",
    "a a", "is, is", "very, very", "don't", "well-known", "’s", "'", "-", "--", "---", "—", "–", "From their.", "to.", "of?",
    "the .", "or are they, what's", "are you, how", "IS IT, WHERE", "Take a listen.", "let’s take a look…", "Stay with us, we'll be right back.",
    "Bleiben Sie dran.", "Écoutons.", ".", ". ", "? ", "!", "…", ".\"", ".” ", ".) ", ",", ", ", "(", ")", "\"", "“", "«", "\n", "\n\n", " ",
    "  ", "\t", "\u00a0", "ß", "İ", "ı", "İ mean", "rıght", "e\u0301", "x", "Word",
])
SCANNED_TEXTS = st.lists(st.one_of(SCANNED, st.text(max_size=4)), max_size=40).map("".join)


@SETTINGS
@given(SCANNED_TEXTS, st.sampled_from([None, "en", "de", "fr", "es"]))
def test_scanned_matches_are_the_finditer_matches(text, language):
    from transforms import clean as c

    lex = c.Lexicons.load()
    languages = lex.languages(language)
    spans = lambda matches: [m.span() for m in matches]  # noqa: E731
    spoken = c._spoken_cue_patterns(lex, languages)
    if spoken:
        assert spans(c._sentence_matches(*spoken, text)) == spans(spoken[0].finditer(text))
    final = c._final_word_patterns(lex, languages)
    if final:
        assert spans(c._final_fragments(*final, text)) == spans(final[0].finditer(text))
    restart = c._restart_patterns(lex, languages)
    if restart:
        assert spans(c._restart_fragments(*restart, text)) == spans(restart[0].finditer(text))
    assert spans(c._dash_cuts(text)) == spans(c._DASH_CUT.finditer(text))
    # Fillers: a match that case-folds to no listed phrase ("İ mean") is not one.
    contexts, _, _, pattern, first_words, scanner = c._filler_lexicon(lex, languages)
    listed = lambda matches: [m.span() for m in matches if c._norm_phrase(m.group(0)) in contexts]  # noqa: E731
    assert listed(c._filler_matches(pattern, first_words, scanner, c._Words(text))) == listed(pattern.finditer(text))


@SETTINGS
@given(SCANNED_TEXTS)
def test_whole_string_tokens_are_the_word_pattern_tokens(text):
    from transforms import clean as c

    words = c._Words(text)
    assert [(w, words.start(i), words.end(i)) for i, w in enumerate(words.folded)] == [
        (m.group(0).casefold(), m.start(), m.end()) for m in c._WORD.finditer(text)
    ]
    assert c._odd_whitespace(text) == {m.span() for m in c._ODD_WHITESPACE.finditer(text)}
