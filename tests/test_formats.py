import io
import json

import pytest
import srt
import webvtt

from tests.conftest import SAMPLES
from transforms.errors import InputError
from transforms.formats import format_from_name, parse_transcript, sniff_format

VTT = """WEBVTT
Kind: captions

NOTE a comment block

intro
00:00:01.000 --> 00:00:03.500 align:start
<v Anna Reyes>Good evening.</v>

00:00:03.600 --> 00:00:06.000
Second <i>cue</i> line one
line two
"""

SRT = """1
00:00:01,000 --> 00:00:02,500
First cue.

2
00:00:02,600 --> 00:01:04,000
Second cue,
two lines.
"""


def test_format_from_extension_and_media_type():
    assert format_from_name("a/b/show.VTT") == "vtt"
    assert format_from_name("x.srt.gz") == "srt"
    assert format_from_name("text/vtt; charset=utf-8") == "vtt"
    assert format_from_name("noext") is None


@pytest.mark.parametrize(
    "text, hint, expected",
    [
        (VTT, "txt", "vtt"),
        (SRT, None, "srt"),
        (SRT, "txt", "srt"),
        ('{"version": "1.0.0", "segments": []}', None, "json"),
        ("Just some prose.\n\nMore prose.", "vtt", "txt"),
        ("Just some prose.", None, "txt"),
    ],
)
def test_sniff_prefers_content_over_a_wrong_extension(text, hint, expected):
    assert sniff_format(text, hint) == expected


def test_vtt_blocks_and_timings():
    raw, title, blocks = parse_transcript(VTT, "vtt")
    assert raw == VTT and title is None
    assert [raw[b.start:b.end] for b in blocks] == [
        "<v Anna Reyes>Good evening.</v>",
        "Second <i>cue</i> line one\nline two",
    ]
    assert [(b.start_seconds, b.end_seconds) for b in blocks] == [(1.0, 3.5), (3.6, 6.0)]
    assert blocks[0].speaker == "Anna Reyes"


def test_srt_blocks_and_timings():
    _, _, blocks = parse_transcript(SRT, "srt")
    assert [SRT[b.start:b.end] for b in blocks] == ["First cue.", "Second cue,\ntwo lines."]
    assert blocks[1].end_seconds == 64.0


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.vtt")), ids=lambda p: p.name)
def test_vtt_parser_agrees_with_webvtt_py(path):
    text = path.read_text(encoding="utf-8")
    _, _, blocks = parse_transcript(text, "vtt")
    theirs = webvtt.from_buffer(io.StringIO(text))
    assert [(b.start_seconds, b.end_seconds) for b in blocks] == [(c.start_in_seconds + c.start_time.milliseconds / 1000, c.end_in_seconds + c.end_time.milliseconds / 1000) for c in theirs]
    assert [" ".join(text[b.start:b.end].split()) for b in blocks] == [" ".join(c.raw_text.split()) for c in theirs]


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.srt")), ids=lambda p: p.name)
def test_srt_parser_agrees_with_srt_library(path):
    text = path.read_text(encoding="utf-8")
    _, _, blocks = parse_transcript(text, "srt")
    theirs = list(srt.parse(text))
    assert [(b.start_seconds, b.end_seconds) for b in blocks] == [(s.start.total_seconds(), s.end.total_seconds()) for s in theirs]
    assert [text[b.start:b.end] for b in blocks] == [s.content for s in theirs]


@pytest.mark.parametrize(
    "text, fmt, error_type",
    [
        ("WEBVTT\n\n00:00:01.000 --> 00:00:0x.000\nHello\n", "vtt", "BrokenTimings"),
        ("1\n00:00:05,000 --> 00:00:01,000\nBackwards\n", "srt", "BrokenTimings"),
        ("1\n00:00:01,000 --> 00:00:61,000\nSixty-one seconds\n", "srt", "BrokenTimings"),
        ("WEBVTT\n\nNOTE only a note\n", "vtt", "NoCues"),
        ('{"title": "not a transcript"}', "json", "NotATranscript"),
        ('[1, 2, 3]', "json", "NotATranscript"),
        ('{"segments": [{"speaker": "A"}]}', "json", "NotATranscript"),
        ('{"segments": [{"body": "x", "startTime": "soon"}]}', "json", "BrokenTimings"),
        ('{"segments": [', "json", "MalformedJSON"),
    ],
)
def test_bad_transcripts_raise_typed_errors(text, fmt, error_type):
    with pytest.raises(InputError) as info:
        parse_transcript(text, fmt)
    assert info.value.error_type == error_type


def test_json_transcript_joins_bodies_and_keeps_speakers():
    data = {"version": "1.0.0", "segments": [
        {"speaker": "A", "startTime": 0, "endTime": 1, "body": "Hello"},
        {"speaker": "A", "startTime": 1, "endTime": 2, "body": "there."},
        {"speaker": "B", "startTime": 2, "endTime": 3.5, "body": "Hi."},
    ]}
    raw, _, blocks = parse_transcript(json.dumps(data), "json")
    assert raw == "Hello there.\n\nHi."
    assert [(b.speaker, raw[b.start:b.end]) for b in blocks] == [("A", "Hello"), ("A", "there."), ("B", "Hi.")]


@pytest.mark.parametrize(
    "text, title",
    [
        ("A headline\n\nBody text here. More.", "A headline"),
        ("REYES: Hello there\n\nBody.", None),
        ("[08:00:14] Morning\n\nBody.", None),
        ("One sentence. Another one\n\nBody.", None),
        ("Only one paragraph", None),
    ],
)
def test_plain_text_title_is_a_lone_first_line(text, title):
    assert parse_transcript(text, "txt")[1] == title
