"""Recognise and parse transcript formats: plain text, SRT, WebVTT, Podcasting 2.0 JSON.

Parsing yields content Blocks as character offsets into the raw text, because
the cleaner's audit trail is written in raw-text offsets. The caption
libraries (webvtt-py, srt) do not expose those offsets, so the caption
reader is written here; the tests check it against both libraries.
"""
from __future__ import annotations

import json
import re

from schemas.records import Block
from transforms.errors import InputError

FORMATS = ("txt", "srt", "vtt", "json")
_EXTENSIONS = {"txt": "txt", "text": "txt", "srt": "srt", "vtt": "vtt", "webvtt": "vtt", "json": "json"}
_MEDIA_TYPES = {
    "text/vtt": "vtt",
    "application/x-subrip": "srt",
    "application/srt": "srt",
    "text/srt": "srt",
    "application/json": "json",
    "text/plain": "txt",
}

_TIME = r"(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3}"
_TIMING_LINE = re.compile(rf"^[ \t]*({_TIME})[ \t]*-->[ \t]*({_TIME})([^\r\n]*)$", re.M)
_ARROW_LINE = re.compile(r"^[^\r\n]*-->[^\r\n]*$", re.M)
_BLANK_LINE = re.compile(r"\r?\n[ \t]*\r?\n")
_CUE_INDEX = re.compile(r"[ \t]*\d+[ \t]*")
_VOICE = re.compile(r"<v(?:\.[\w.-]+)*[ \t]+([^>]+)>")
_MAX_TITLE_CHARS = 300
# A first paragraph that opens with a timestamp, a >> mark or a speaker label,
# or holds more than one sentence, is transcript, not a title.
_NOT_A_TITLE = re.compile(r"^[\[(>]|^[A-ZÀ-Þ][A-ZÀ-Þ .'’\-]{1,40}(?:,[^:\n]{1,60})?\s?:\s|[.!?][\"'”’)]?\s+\S")


def format_from_name(name: str | None) -> str | None:
    """Format named by a file extension (``.gz`` ignored) or a media type."""
    if not name:
        return None
    name = name.lower().split(";")[0].strip()
    if name in _MEDIA_TYPES:
        return _MEDIA_TYPES[name]
    if name.endswith(".gz"):
        name = name[:-3]
    ext = name.rsplit("/", 1)[-1].rsplit(".", 1)
    return _EXTENSIONS.get(ext[1]) if len(ext) == 2 else None


def sniff_format(text: str, hint: str | None) -> str:
    """The format the content shows, falling back to the hint, then txt.

    Content wins over the extension because files are often misnamed; plain
    text has no signature, so a .vtt holding prose is read as text.
    """
    head = text.lstrip("\ufeff \t\r\n")[:4096]
    if head.startswith("WEBVTT"):
        return "vtt"
    if head[:1] in "{[":
        try:
            json.loads(text)
            return "json"
        except ValueError:
            if hint == "json":
                return "json"
    if _TIMING_LINE.search(head) or _ARROW_LINE.search(head):
        if hint in ("srt", "vtt"):
            return hint
        return "srt" if re.search(r"\d{2}:\d{2},\d{3}", head) else "vtt"
    if hint in ("srt", "vtt") and _ARROW_LINE.search(text):
        return hint
    if hint == "json":
        return "json"
    return "txt"


def _seconds(stamp: str) -> float:
    parts = stamp.replace(",", ".").split(":")
    seconds = float(parts[-1])
    minutes = int(parts[-2])
    hours = int(parts[-3]) if len(parts) == 3 else 0
    if minutes > 59 or seconds >= 60:
        raise ValueError(stamp)
    return hours * 3600 + minutes * 60 + seconds


def _line_no(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def parse_captions(text: str, fmt: str) -> list[Block]:
    """Cue payloads of an SRT or WebVTT file, with their timings."""
    timings = list(_TIMING_LINE.finditer(text))
    timing_starts = {m.start() for m in timings}
    for arrow in _ARROW_LINE.finditer(text):
        if arrow.start() not in timing_starts:
            raise InputError(
                "BrokenTimings",
                f"{fmt} cue timing on line {_line_no(text, arrow.start())} is not 'start --> end': {arrow.group(0).strip()[:80]!r}",
            )
    if not timings:
        raise InputError("NoCues", f"{fmt} file has no cues (no 'start --> end' timing lines)")
    if fmt == "vtt" and not text.lstrip("\ufeff").startswith("WEBVTT"):
        fmt = "vtt"  # tolerated: many exporters drop the header
    blocks: list[Block] = []
    for i, m in enumerate(timings):
        try:
            start, end = _seconds(m.group(1)), _seconds(m.group(2))
        except ValueError:
            raise InputError(
                "BrokenTimings", f"{fmt} cue timing on line {_line_no(text, m.start())} has an impossible time: {m.group(0).strip()!r}"
            ) from None
        if end < start:
            raise InputError(
                "BrokenTimings", f"{fmt} cue on line {_line_no(text, m.start())} ends before it starts: {m.group(0).strip()!r}"
            )
        limit = timings[i + 1].start() if i + 1 < len(timings) else len(text)
        # Some exporters (YouTube) put a whitespace-only line before the text.
        payload_start = m.end() + 1
        while payload_start < limit:
            newline = text.find("\n", payload_start, limit)
            if newline == -1 or text[payload_start:newline].strip():
                break
            payload_start = newline + 1
        payload_start = min(payload_start, limit)
        blank = _BLANK_LINE.search(text, payload_start, limit)
        payload_end = blank.start() if blank else limit
        if not blank and i + 1 < len(timings):
            # No blank line before the next cue: drop its index line, if any.
            last_nl = text.rfind("\n", payload_start, payload_end - 1)
            if last_nl >= payload_start and _CUE_INDEX.fullmatch(text[last_nl + 1:payload_end].rstrip("\r\n")):
                payload_end = last_nl
        payload_end = len(text[:payload_end].rstrip())
        if payload_end <= payload_start or not text[payload_start:payload_end].strip():
            continue
        voice = _VOICE.search(text, payload_start, payload_end)
        blocks.append(
            Block(payload_start, payload_end, start, end, voice.group(1).strip() if voice else None)
        )
    return blocks


def parse_json_transcript(text: str) -> tuple[str, list[Block]]:
    """Podcasting 2.0 JSON: the raw text is the bodies, speaker turns on new paragraphs.

    JSON syntax is a container, like a feed's XML: what a user audits is the
    transcript text the bodies make, so that is the raw text here.
    """
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InputError("MalformedJSON", f"not valid JSON: {exc}") from None
    segments = data.get("segments") if isinstance(data, dict) else None
    if not isinstance(segments, list) or not segments:
        raise InputError("NotATranscript", "JSON is not a Podcasting 2.0 transcript: no 'segments' list")
    parts: list[str] = []
    blocks: list[Block] = []
    pos = 0
    previous_speaker: object = object()
    for n, seg in enumerate(segments):
        if not isinstance(seg, dict) or not isinstance(seg.get("body"), str):
            raise InputError("NotATranscript", f"JSON transcript segment {n} has no string 'body'")
        body = seg["body"].strip()
        if not body:
            continue
        try:
            start = float(seg["startTime"]) if seg.get("startTime") is not None else None
            end = float(seg["endTime"]) if seg.get("endTime") is not None else None
        except (TypeError, ValueError):
            raise InputError("BrokenTimings", f"JSON transcript segment {n} has non-numeric startTime/endTime") from None
        if start is not None and end is not None and end < start:
            raise InputError("BrokenTimings", f"JSON transcript segment {n} ends before it starts")
        speaker = seg.get("speaker")
        speaker = str(speaker).strip() or None if speaker is not None else None
        if parts:
            sep = "\n\n" if speaker != previous_speaker else " "
            parts.append(sep)
            pos += len(sep)
        blocks.append(Block(pos, pos + len(body), start, end, speaker))
        parts.append(body)
        pos += len(body)
        previous_speaker = speaker
    if not blocks:
        raise InputError("NotATranscript", "JSON transcript has no non-empty segment body")
    return "".join(parts), blocks


def parse_plain_text(text: str) -> tuple[str | None, list[Block]]:
    """Paragraphs are blocks; a first line followed by a blank line is the title."""
    blocks: list[Block] = []
    pos = 0
    for sep in _BLANK_LINE.finditer(text + "\n\n"):
        start, end = pos, min(sep.start(), len(text))
        pos = sep.end()
        while start < end and text[start].isspace():
            start += 1
        if end > start:
            blocks.append(Block(start, end))
    title = None
    if len(blocks) > 1:
        first = text[blocks[0].start:blocks[0].end].strip()
        if "\n" not in first and len(first) <= _MAX_TITLE_CHARS and not _NOT_A_TITLE.search(first):
            title = first
    return title, blocks


def parse_transcript(text: str, fmt: str) -> tuple[str, str | None, list[Block]]:
    """(raw_text, title, blocks) for text already known to be in `fmt`."""
    if fmt in ("srt", "vtt"):
        return text, None, parse_captions(text, fmt)
    if fmt == "json":
        raw, blocks = parse_json_transcript(text)
        return raw, None, blocks
    title, blocks = parse_plain_text(text)
    if not blocks:
        raise InputError("EmptyInput", "text has no content")
    return text, title, blocks
