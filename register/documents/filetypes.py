"""The type of an uploaded file, read from its content: neither its name nor the type the
browser announces is trusted. A PNG named `.pdf` is a PNG (its download is named `.png`)."""

import io
import zipfile
from dataclasses import dataclass


@dataclass(frozen=True)
class FileType:
    media_type: str
    extension: str
    label: str


PDF = FileType("application/pdf", "pdf", "PDF")
PNG = FileType("image/png", "png", "image PNG")
JPEG = FileType("image/jpeg", "jpg", "image JPEG")
ODT = FileType("application/vnd.oasis.opendocument.text", "odt", "texte ODT")
ODS = FileType("application/vnd.oasis.opendocument.spreadsheet", "ods", "tableur ODS")
DOCX = FileType(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", "DOCX"
)
ACCEPTED = "PDF, ODT, ODS, DOCX, PNG ou JPEG"

MAGIC = ((b"%PDF-", PDF), (b"\x89PNG\r\n\x1a\n", PNG), (b"\xff\xd8\xff", JPEG))
ODF = {t.media_type: t for t in (ODT, ODS)}
MIMETYPE_MAX = 100  # the ODF `mimetype` entry holds one short line


def _mimetype(archive: zipfile.ZipFile) -> bytes:
    """At most MIMETYPE_MAX + 1 bytes of the entry, whatever size it declares (a bomb)."""
    with archive.open("mimetype") as entry:
        return entry.read(MIMETYPE_MAX + 1)


def _in_zip(data: bytes) -> FileType | None:
    """ODF: the `mimetype` entry says which (ODF 1.2, part 3, 3.3); DOCX: the main part.
    Total: an archive that cannot be read, whatever the reason (corrupt or truncated
    entry, unsupported compression, encryption, bad header), is none of these types."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                declared = _mimetype(archive)
                if len(declared) > MIMETYPE_MAX:
                    return None
                return ODF.get(declared.decode("ascii", "replace").strip())
            if {"[Content_Types].xml", "word/document.xml"} <= names:
                return DOCX
    except Exception:  # zlib.error, EOFError, struct.error...: all mean "not this type"
        return None
    return None


def sniff(data: bytes) -> FileType | None:
    """The accepted type this content is, or None."""
    for magic, kind in MAGIC:
        if data.startswith(magic):
            return kind
    if data.startswith(b"PK\x03\x04"):
        return _in_zip(data)
    return None
