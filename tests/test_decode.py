import codecs

import pytest

from transforms.decode import decode_bytes
from transforms.errors import InputError

TEXT = "Grüße aus Köln: “quoted” — 3,5 °C"


@pytest.mark.parametrize(
    "data, encoding",
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-bom"),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16-le-bom"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16-be-bom"),
        (codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"), "utf-32-le-bom"),
        (TEXT.encode("utf-16-le"), "utf-16"),
        (TEXT.encode("cp1252"), "cp1252"),
    ],
)
def test_decodes_supported_encodings(data, encoding):
    assert decode_bytes(data) == (TEXT, encoding)


def test_legacy_bytes_undefined_in_cp1252_fall_back_to_latin1():
    text, encoding = decode_bytes(b"caf\xe9 \x81")
    assert encoding == "latin-1" and text.startswith("café")


@pytest.mark.parametrize(
    "data, error_type",
    [
        (b"", "EmptyInput"),
        (b"  \n\t ", "EmptyInput"),
        (bytes(range(256)) * 4, "BinaryInput"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "BinaryInput"),
        (codecs.BOM_UTF16_LE + b"\x00\xd8a", "UndecodableText"),
    ],
)
def test_bad_bytes_raise_a_typed_error(data, error_type):
    with pytest.raises(InputError) as info:
        decode_bytes(data)
    assert info.value.error_type == error_type
