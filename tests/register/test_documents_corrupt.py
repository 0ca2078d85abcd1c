"""A corrupt archive sent as a document is refused with the French 422, never a 500: the type
sniffing is total (issue 16 review). Each archive is built here and broken one way."""

import io
import struct
import zipfile

import pytest

from register.documents.filetypes import MIMETYPE_MAX, ODT, sniff
from tests.factories import API, attach_document, bodies, odt_bytes, problem_at

ODT_TYPE = ODT.media_type.encode()


def _zip(mimetype: bytes, compress_type: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", mimetype, compress_type=compress_type)
        archive.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


def _data_span(data: bytes) -> tuple[int, int]:
    """Where the first entry's (`mimetype`) compressed bytes lie."""
    size, name_len, extra_len = struct.unpack("<I2H", data[18:22] + data[26:30])
    start = 30 + name_len + extra_len
    return start, start + size


def _garbage_deflate() -> bytes:
    data = bytearray(_zip(ODT_TYPE))
    start, end = _data_span(bytes(data))
    data[start:end] = b"\xff" * (end - start)  # not a deflate stream: zlib.error
    return bytes(data)


def _flipped_deflate() -> bytes:
    data = bytearray(_zip(ODT_TYPE))
    start, end = _data_span(bytes(data))
    for i in range(start, end):
        data[i] ^= 0x5A
    return bytes(data)


def _truncated_entry() -> bytes:
    data = bytearray(_zip(ODT_TYPE))
    start, _ = _data_span(bytes(data))
    return bytes(data[: start + 2])  # the entry and the directory cut off


def _flagged(bit_or_method: str) -> bytes:
    """The same archive, its `mimetype` entry marked encrypted or of an unknown method."""
    data = bytearray(_zip(ODT_TYPE))
    central = data.index(b"PK\x01\x02")
    if bit_or_method == "encrypted":
        for at in (6, central + 8):  # general purpose flags, bit 0
            data[at] |= 0x01
    else:
        for at in (8, central + 10):  # compression method: 99 (AES), unsupported here
            data[at : at + 2] = struct.pack("<H", 99)
    return bytes(data)


def _bomb() -> bytes:
    """A `mimetype` of 50 MB of spaces before the type, deflated to a few kilobytes."""
    return _zip(b" " * 50_000_000 + ODT_TYPE)


CORRUPT = {
    "garbage deflate": _garbage_deflate,
    "flipped deflate": _flipped_deflate,
    "truncated entry": _truncated_entry,
    "encrypted": lambda: _flagged("encrypted"),
    "unknown method": lambda: _flagged("method"),
    "bomb": _bomb,
}


def test_the_archives_are_valid_before_being_broken():
    # Premise: unbroken, the same archive is an ODT, stored or deflated.
    assert sniff(_zip(ODT_TYPE)) == ODT
    assert sniff(odt_bytes()) == ODT
    # The bomb's entry is far larger than the bound, its archive small enough to be sent.
    assert len(_bomb()) < 1_000_000 and MIMETYPE_MAX < 50_000_000


@pytest.mark.parametrize("name", list(CORRUPT))
def test_a_broken_archive_is_no_accepted_type(name):
    assert sniff(CORRUPT[name]()) is None


@pytest.mark.parametrize("name", ["garbage deflate", "encrypted", "unknown method", "bomb"])
async def test_the_api_refuses_a_corrupt_archive_in_french(client, name):
    w = await bodies(client)
    refused = await attach_document(client, convention=w["convention"], data=CORRUPT[name]())
    assert "type de fichier refusé" in problem_at(refused, ["body", "file"])
    listed = await client.get(f"{API}/conventions/{w['convention']['id']}/documents")
    assert listed.json() == []
