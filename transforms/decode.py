"""Turn the bytes of a transcript into text, or say clearly why not.

The rule is fixed and short (BOM, then strict UTF-8, then a legacy
single-byte code page), so it is written here rather than delegated to a
statistical charset detector whose guesses could change between versions.
"""
from __future__ import annotations

import codecs
import re

from transforms.errors import InputError

_BOMS = (
    # UTF-32 before UTF-16: the UTF-32-LE BOM starts with the UTF-16-LE one.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Control characters other than tab, newline, carriage return and form feed
# do not occur in transcripts; more than a few of them means binary data.
# Category Cc is U+0000-U+001F and U+007F-U+009F; tab, newline, form feed and CR are allowed.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_MAX_CONTROL_RATIO = 0.01


def _looks_binary(text: str) -> bool:
    if "\x00" in text:
        return True
    sample = text[:65536]
    controls = len(_CONTROL.findall(sample))
    return controls > max(2, _MAX_CONTROL_RATIO * len(sample))


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text without a BOM shows NULs in every other byte of ASCII runs."""
    if len(data) < 4 or len(data) % 2:
        return None
    even_nuls = data[0::2].count(0)
    odd_nuls = data[1::2].count(0)
    half = len(data) // 2
    for nuls, codec in ((odd_nuls, "utf-16-le"), (even_nuls, "utf-16-be")):
        if nuls > 0.4 * half:
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                return None
    return None


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name); raise InputError for empty or binary input.

    Line endings come out as "\n" (CRLF and CR are translated, as Python's
    text mode does), so every later stage and offset sees one convention.
    """
    if not data.strip():
        raise InputError("EmptyInput", "input is empty or only whitespace")
    text: str | None = None
    encoding = ""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(codec.replace("-sig", ""))
                encoding = codec.replace("-sig", "") + "-bom"
            except UnicodeDecodeError as exc:
                raise InputError(
                    "UndecodableText", f"declares {codec} with a byte-order mark but is not valid {codec}: {exc.reason}"
                ) from exc
            break
    if text is None and b"\x00" in data:
        text = _utf16_without_bom(data)
        encoding = "utf-16"
        if text is None:
            raise InputError("BinaryInput", "input contains NUL bytes and is not UTF-16 text: looks binary")
    if text is None:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            try:
                # Windows-1252 is what legacy newsroom tools write; its five
                # undefined bytes fall back to Latin-1, which decodes anything.
                text, encoding = data.decode("cp1252"), "cp1252"
            except UnicodeDecodeError:
                text, encoding = data.decode("latin-1"), "latin-1"
    if _looks_binary(text):
        raise InputError("BinaryInput", "input has control characters that text never has: looks binary")
    if not text.strip():
        raise InputError("EmptyInput", "input decodes to whitespace only")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, encoding
