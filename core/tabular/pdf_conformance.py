"""The PDF/A-2b and tagging requirements a test can check without veraPDF.

veraPDF (Java) is not in the registries this project installs from (PyPI, Debian, npm), and no
PDF library is a dependency, so this reads the file itself: the cross-reference stream, then
every object, in plain or compressed object streams (the shapes pydyf and `StreamingPDF`
write). `problems()` lists what breaks one of these rules, in French-free English:

- header `%PDF-1.7`, a trailer `/ID`, no `/Encrypt`;
- an XMP metadata stream in the catalog with `pdfaid:part` 2 and `pdfaid:conformance` B;
- an `/OutputIntent` `/GTS_PDFA1` whose `/DestOutputProfile` is an ICC stream with `/N`;
- every font descriptor with an embedded font file (`/FontFile`, `/FontFile2`, `/FontFile3`),
  every font with a `/ToUnicode` map (text can be read aloud and copied);
- no JavaScript, no embedded files, no `/AA` actions; every annotation with the print flag;
- a transparency group only where PDF/A-2 allows one (none here: none is written);
- tagged: `/MarkInfo << /Marked true >>`, a `/StructTreeRoot` with a `/ParentTree`, a `/Lang`,
  and every page with `/StructParents`.
It does not check what veraPDF also checks (glyph widths against the font programs, colour
spaces of every operator, the XMP against the document information in every detail).
"""

import re
import zlib
from dataclasses import dataclass


@dataclass
class ParsedPDF:
    header: bytes
    trailer: bytes
    objects: dict[int, bytes]  # number → dictionary text (streams: the data decompressed)

    def get(self, reference: bytes) -> bytes:
        return self.objects.get(int(reference.split()[0]), b"")


def parse(data: bytes) -> ParsedPDF:
    start = int(re.search(rb"startxref\s+(\d+)", data[-64:]).group(1))
    trailer = _object_at(data, start)
    objects: dict[int, bytes] = {}
    for match in re.finditer(rb"(?m)^(\d+) 0 obj\n", data):
        objects[int(match.group(1))] = _object_at(data, match.start())
    for body in list(objects.values()):
        if b"/Type /ObjStm" in body or b"/Type/ObjStm" in body:
            objects.update(_unpack(body))
    return ParsedPDF(data[: data.index(b"\n")], trailer, objects)


def _object_at(data: bytes, position: int) -> bytes:
    end = data.index(b"endobj", position)
    body = data[data.index(b"obj", position) + 3 : end]
    if b"stream" not in body:
        return body
    head, _, stream = body.partition(b"stream\n")
    stream = stream.rsplit(b"endstream", 1)[0]
    if b"/FlateDecode" in head:
        stream = zlib.decompressobj().decompress(stream)
    return head + b"stream\n" + stream


def _unpack(body: bytes) -> dict[int, bytes]:
    head, _, stream = body.partition(b"stream\n")
    count = int(re.search(rb"/N (\d+)", head).group(1))
    first = int(re.search(rb"/First (\d+)", head).group(1))
    numbers = [int(value) for value in stream[:first].split()]
    pairs = list(zip(numbers[0::2], numbers[1::2], strict=True))[:count]
    unpacked = {}
    for index, (number, offset) in enumerate(pairs):
        end = pairs[index + 1][1] if index + 1 < len(pairs) else len(stream) - first
        unpacked[number] = stream[first + offset : first + end]
    return unpacked


def _reference(body: bytes, key: bytes) -> bytes | None:
    match = re.search(rb"/" + key + rb"\s+(\d+ 0 R)", body)
    return match.group(1) if match else None


def problems(data: bytes) -> list[str]:
    pdf = parse(data)
    found = []
    if pdf.header != b"%PDF-1.7":
        found.append(f"header {pdf.header!r}")
    if b"/ID" not in pdf.trailer:
        found.append("no /ID in the trailer")
    if b"/Encrypt" in pdf.trailer:
        found.append("encrypted")
    catalog = pdf.get(_reference(pdf.trailer, b"Root") or b"0")
    found += _metadata(pdf, catalog) + _output_intent(pdf, catalog) + _tagged(pdf, catalog)
    for number, body in pdf.objects.items():
        found += [f"object {number}: {problem}" for problem in _object_problems(body)]
    return found


def _metadata(pdf: ParsedPDF, catalog: bytes) -> list[str]:
    xmp = pdf.get(_reference(catalog, b"Metadata") or b"0")
    part = re.search(rb"pdfaid:part(?:>|=\")(\d)", xmp)
    conformance = re.search(rb"pdfaid:conformance(?:>|=\")([A-Z])", xmp)
    if not (part and part.group(1) == b"2" and conformance and conformance.group(1) == b"B"):
        return ["no XMP metadata with pdfaid part 2, conformance B"]
    return []


def _output_intent(pdf: ParsedPDF, catalog: bytes) -> list[str]:
    if b"/GTS_PDFA1" not in catalog:
        return ["no /GTS_PDFA1 output intent"]
    profile = pdf.get(_reference(catalog, b"DestOutputProfile") or b"0")
    if not re.search(rb"/N [134]\b", profile) or b"acsp" not in profile:
        return ["the output intent has no ICC profile"]
    return []


def _tagged(pdf: ParsedPDF, catalog: bytes) -> list[str]:
    found = []
    if not re.search(rb"/MarkInfo\s*<<\s*/Marked true", catalog):
        found.append("/MarkInfo is not /Marked true")
    root = pdf.get(_reference(catalog, b"StructTreeRoot") or b"0")
    if b"/StructTreeRoot" not in root or b"/ParentTree" not in root:
        found.append("no /StructTreeRoot with a /ParentTree")
    if b"/Lang" not in catalog:
        found.append("no /Lang")
    pages = [body for body in pdf.objects.values() if re.search(rb"/Type /Page\b", body)]
    if not pages or any(b"/StructParents" not in page for page in pages):
        found.append("a page without /StructParents")
    return found


FORBIDDEN = {
    rb"/S /JavaScript": "JavaScript",
    rb"/JS\b": "JavaScript",
    rb"/EmbeddedFiles": "embedded files",
    rb"/AA\b": "additional actions",
    rb"/S /Transparency": "a transparency group",
}


def _object_problems(body: bytes) -> list[str]:
    head = body.partition(b"stream\n")[0]
    found = [name for pattern, name in FORBIDDEN.items() if re.search(pattern, head)]
    if b"/Type /FontDescriptor" in head and not re.search(rb"/FontFile[23]?\s", head):
        found.append("a font that is not embedded")
    type0 = re.search(rb"/Type /Font\b", head) and b"/Subtype /Type0" in head
    if type0 and b"/ToUnicode" not in head:
        found.append("a font without /ToUnicode")
    if b"/Type /Annot" in head and not re.search(rb"/F 4\b", head):
        found.append("an annotation without the print flag")
    return found
