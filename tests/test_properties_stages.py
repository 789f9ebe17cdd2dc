"""Properties of every stage on arbitrary input: bytes and text never raise out of a stage and are never a bug.

Each stage's DoFn is driven directly, as a worker would: an input it cannot take
must come out as an errors row with a specific error type, never as an
exception and never as an InternalError (which is what a bug becomes).
"""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.records import ErrorRecord, RawDocument, SourceMeta
from tests.test_properties import TEXTS
from transforms.decode import decode_bytes
from transforms.errors import InputError
from transforms.feeds import parse_feed
from transforms.formats import parse_captions
from transforms.html_text import html_to_text
from transforms.stages import _CleanFn, _LanguageFn, _ParseFn, _SegmentFn, _TopicsFn

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _stages():
    fns = [_ParseFn(), _CleanFn("full", None, None), _SegmentFn(200, 2000), _LanguageFn(None), _TopicsFn()]
    for fn in fns:
        fn.setup()
    return fns


STAGES = _stages()


def _unwrap(output):
    # TaggedOutput for the errors port, plain value for the main one.
    return getattr(output, "value", output)


@SETTINGS
@given(st.one_of(st.binary(max_size=600), TEXTS.map(lambda t: t.encode("utf-8"))), st.sampled_from([None, "txt", "srt", "vtt", "json"]))
def test_any_input_leaves_the_stages_as_a_document_or_a_specific_error(payload, hint):
    element = RawDocument(SourceMeta("mem://x", "file"), payload, hint)
    for fn in STAGES:
        outputs = [_unwrap(o) for o in fn.process(element)]
        assert len(outputs) == 1
        element = outputs[0]
        if isinstance(element, ErrorRecord):
            assert element.error_type != "InternalError", element.message
            assert element.stage == fn.stage and element.message
            return
    tagged = element
    assert len(tagged.cleaned.text) <= tagged.cleaned.raw_chars
    for segment in tagged.segments:
        assert tagged.cleaned.text[segment.start_char:segment.end_char] == segment.text


@SETTINGS
@given(TEXTS, st.sampled_from([None, "txt", "srt", "vtt"]))
def test_cleaning_never_grows_the_content(text, hint):
    element = RawDocument(SourceMeta("mem://x", "file"), text.encode("utf-8"), hint)
    parsed = _unwrap(next(iter(STAGES[0].process(element))))
    if isinstance(parsed, ErrorRecord):
        return
    cleaned = _unwrap(next(iter(STAGES[1].process(parsed))))
    if isinstance(cleaned, ErrorRecord):
        assert cleaned.error_type == "NoContent", cleaned.message
        return
    assert len(cleaned.text) <= len(parsed.raw_text)
    assert len(cleaned.text.split()) <= len(parsed.raw_text.split())


@SETTINGS
@given(st.binary(max_size=800))
def test_decoding_takes_any_bytes(payload):
    try:
        text, encoding = decode_bytes(payload)
    except InputError as exc:
        assert exc.error_type in {"EmptyInput", "BinaryInput", "UndecodableText"}, exc.error_type
    else:
        assert isinstance(text, str) and encoding and "\r" not in text


TIMESTAMP = st.builds(
    lambda h, m, s, ms: f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}",
    st.integers(0, 2), st.integers(0, 59), st.integers(0, 59), st.integers(0, 999),
)
CUE_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(
    lambda t: t.strip() and "-->" not in t
)


@SETTINGS
@given(st.lists(st.tuples(TIMESTAMP, CUE_TEXT), min_size=1, max_size=12))
def test_caption_parsing_keeps_every_cue_text(cues):
    vtt = "WEBVTT\n\n" + "".join(f"{t} --> {t}\n{text.strip()}\n\n" for t, text in cues)
    srt = "".join(f"{i}\n{t.replace('.', ',')} --> {t.replace('.', ',')}\n{text.strip()}\n\n" for i, (t, text) in enumerate(cues, 1))
    for fmt, source in (("vtt", vtt), ("srt", srt)):
        try:
            blocks = parse_captions(source, fmt)
        except InputError as exc:
            assert exc.error_type == "BrokenTimings"
            continue
        payload = "".join(source[b.start:b.end] for b in blocks)
        for _, text in cues:
            for word in text.split():
                assert word in payload or word in source


@SETTINGS
@given(st.one_of(st.binary(max_size=600), st.text(max_size=300).map(lambda t: f"<rss><channel><item><title>{t}</title></item></channel></rss>".encode())))
def test_feed_parsing_takes_any_bytes(body):
    try:
        feed = parse_feed(body, "https://feeds.example/rss")
    except InputError as exc:
        assert exc.error_type == "MalformedFeed" and exc.message
    else:
        assert isinstance(feed.entries, (list, tuple))


@SETTINGS
@given(st.text(max_size=400))
def test_html_to_text_takes_any_text(html):
    text = html_to_text(html)
    assert isinstance(text, str) and "<script" not in text.lower()
