"""One tagged PDF/A-2b file painted from several WeasyPrint documents laid out one at a time.

WeasyPrint lays out and writes a whole document at once: its page boxes, then its PDF objects,
stay in memory until the end (843 MiB for 500 activities). Here each chunk of the record is
laid out as its own small document, painted page by page into a `StreamingPDF` with
WeasyPrint's own painting and tagging functions, and dropped before the next one; what the
whole file needs at the end (fonts, the page tree, the structure tree's root, named
destinations, bookmarks) stays small: a few entries per page.

Pages can be painted in any order and put in their place by `close()`: the body first, then
the title page and table of contents (whose page numbers are only then known), then the page
furniture (running header, « Page N / M » footer) of every page, painted from one document of
empty pages and added to each page as a second content stream, marked as an artifact.

Uses WeasyPrint internals (`Stream`, `_build_box_tree`, `add_links`, `build_fonts_dictionary`,
`make_page_bookmark_tree`, `add_outlines`) as `weasyprint.pdf.generate_pdf` does in 70.0;
tests/tabular/test_pdf_*.py check the result, so an upgrade that moves them fails there.
"""

from dataclasses import dataclass, field
from importlib.resources import files
from types import SimpleNamespace
from typing import BinaryIO

import pydyf
from weasyprint import DEFAULT_OPTIONS, VERSION
from weasyprint import Document as LaidOut
from weasyprint.anchors import make_page_bookmark_tree
from weasyprint.css import ColorProfile
from weasyprint.matrix import Matrix
from weasyprint.pdf import _use_references
from weasyprint.pdf.anchors import add_links, add_outlines
from weasyprint.pdf.fonts import build_fonts_dictionary
from weasyprint.pdf.stream import Stream
from weasyprint.pdf.tags import _build_box_tree

from core.tabular.pdf_file import StreamingPDF

SCALE = 0.75  # 72 PDF points per inch / 96 CSS pixels per inch
OPTIONS = {**DEFAULT_OPTIONS, "pdf_variant": "pdf/a-2b", "pdf_version": "1.7", "pdf_tags": True}
PRINT_FLAG = 4  # annotations must print in PDF/A
# Annotations' keys in the parent tree come after every page's.
ANNOTATION_KEYS_FROM = 10_000_000


@dataclass
class PaintedPage:
    reference: bytes
    furniture: int  # object number of its header and footer, written by `paint_furniture`
    elements: list[bytes]  # its top-level structure elements
    outline: SimpleNamespace  # what the bookmarks need of it


@dataclass
class Part:
    pages: list[PaintedPage] = field(default_factory=list)


class Assembly:
    def __init__(self, output: BinaryIO) -> None:
        self.pdf = StreamingPDF(output)
        self.fonts: dict = {}
        self.images: dict = {}
        self.color_profiles = {
            "srgb": ColorProfile(
                (files("weasyprint.pdf") / "sRGB2014.icc").open("rb"),
                "sRGB2014.icc",
                "relative-colorimetric",
                (["r"], ["g"], ["b"]),
            )
        }
        self.resources = self._resources()
        self.parent_tree = self.pdf.hold(pydyf.Dictionary({}))
        self.structure_root = self.pdf.hold(pydyf.Dictionary({"Type": "/StructTreeRoot"}))
        self.structure_root["ParentTree"] = self.parent_tree.reference
        self.document_element = self.pdf.hold(
            pydyf.Dictionary(
                {"Type": "/StructElem", "S": "/Document", "P": self.structure_root.reference}
            )
        )
        self.structure_root["K"] = pydyf.Array([self.document_element.reference])
        self._nums: list[tuple[int, bytes]] = []
        self._names: list[tuple[str, pydyf.Array]] = []
        self.anchors: dict[str, int] = {}  # anchor name → index of its page in its part
        self.known_anchors: set[str] = set()  # links to these are kept

    def _resources(self) -> pydyf.Dictionary:
        color_space = pydyf.Dictionary({})
        for key, profile in self.color_profiles.items():
            icc = pydyf.Stream(
                [profile.content],
                pydyf.Dictionary({"N": len(profile.components)}),
                compress=True,
            )
            self.pdf.add_object(icc)
            profile.pdf_reference = icc.reference
            color_space[key] = pydyf.Array(("/ICCBased", icc.reference))
        self.pdf.add_object(color_space)
        self.pdf.flush()
        resources = pydyf.Dictionary(
            {
                "ExtGState": pydyf.Dictionary(),
                "XObject": pydyf.Dictionary(),
                "Pattern": pydyf.Dictionary(),
                "Shading": pydyf.Dictionary(),
                "ColorSpace": color_space.reference,
            }
        )
        return self.pdf.hold(resources)

    def paint(self, document: LaidOut, part: Part, pages: list | None = None) -> None:
        """Paint `pages` (by default every page) of `document` at the end of `part`, then
        write them out."""
        pages = document.pages if pages is None else pages
        for number, page in enumerate(pages):
            for name in page.anchors:
                self.anchors.setdefault(name, len(part.pages) + number)
        for page in pages:
            part.pages.append(self._paint_page(page))
            self.pdf.flush()

    def _paint_page(self, page) -> PaintedPage:
        pdf = self.pdf
        key = len(pdf.page_references)  # its StructParents: the order of painting
        tags: dict = {}
        stream = self._stream(page, tags)
        pdf.add_object(stream)
        furniture = pdf.reserve()
        pdf_page = pydyf.Dictionary(
            {
                "Type": "/Page",
                "Parent": pdf.pages.reference,
                "MediaBox": pydyf.Array([0, 0, page.width * SCALE, page.height * SCALE]),
                "Contents": pydyf.Array([stream.reference, b"%d 0 R" % furniture]),
                "Resources": self.resources.reference,
                "Tabs": "/S",
                "StructParents": key,
            }
        )
        pdf.add_object(pdf_page)
        pdf.add_page_reference(pdf_page)
        matrix = Matrix(SCALE, 0, 0, -SCALE, 0, page.height * SCALE)
        links = [
            link for link in page.links if link[0] != "internal" or link[1] in self.known_anchors
        ]
        anchors = [(name, x, y) for name, (x, y, _, _) in page.anchors.items()]
        add_links((links, anchors), matrix, pdf, pdf_page, self._names, tags)
        for annotation in _annotations(page):
            annotation["F"] = PRINT_FLAG
        page.paint(stream, SCALE)
        # The furniture stream comes after this one: leave the graphics state as found.
        stream.stream.insert(0, b"q")
        stream.stream.append(b"Q")
        elements = self._tag(page, key, tags)
        outline = SimpleNamespace(bookmarks=page.bookmarks, height=page.height)
        return PaintedPage(pdf_page.reference, furniture, elements, outline)

    def _stream(self, page, tags: dict | None) -> Stream:
        stream = Stream(
            self.fonts,
            (0, 0, page.width, page.height),
            self.resources,
            self.images,
            tags,
            self.color_profiles,
            "srgb",
            compress=True,
        )
        stream.transform(d=-1, f=page.height * SCALE)
        return stream

    def _tag(self, page, key: int, tags: dict) -> list[bytes]:
        """The page's structure elements (WeasyPrint's `add_tags`, one page at a time)."""
        marked: dict[int, bytes] = {}
        annotations: list = []
        elements = [
            element.reference
            for element in _build_box_tree(
                page._page_box, self.document_element, self.pdf, key, marked, annotations, tags
            )
        ]
        by_mcid = pydyf.Array([reference for _, reference in sorted(marked.items())])
        self.pdf.add_object(by_mcid)
        self._nums.append((key, by_mcid.reference))
        for reference, annotation in annotations:
            annotation_key = ANNOTATION_KEYS_FROM + len(self._nums)
            self._nums.append((annotation_key, reference))
            annotation["StructParent"] = annotation_key
        return elements

    def paint_furniture(self, document: LaidOut, pages: list[PaintedPage]) -> None:
        """Paint each page of `document` (margins only) as the furniture of `pages`."""
        for page, painted in zip(document.pages, pages, strict=True):
            stream = self._stream(page, None)
            page.paint(stream, SCALE)
            content = [b"/Artifact BMC", *stream.stream, b"EMC"]
            self.pdf.add_reserved(pydyf.Stream(content, compress=True), painted.furniture)
        self.pdf.flush()

    def close(self, pages: list[PaintedPage], metadata) -> None:
        pdf = self.pdf
        pdf.page_references = [page.reference for page in pages]
        self.document_element["K"] = pydyf.Array(
            [element for page in pages for element in page.elements]
        )
        self.parent_tree["Nums"] = pydyf.Array(
            [item for pair in sorted(self._nums) for item in pair]
        )
        self._outlines(pages)
        self._names_tree()
        fonts = build_fonts_dictionary(pdf, self.fonts, True, True, OPTIONS)
        pdf.add_object(fonts)
        self.resources["Font"] = fonts.reference
        _use_references(pdf, self.resources, self.images, self.color_profiles)
        self._catalog(metadata)
        pdf.close([page.reference for page in pages])

    def _outlines(self, pages: list[PaintedPage]) -> None:
        root: list = []
        skipped_levels: list = []
        last_by_depth = [root]
        previous_level = 0
        for number, page in enumerate(pages):
            matrix = Matrix(a=SCALE, d=-SCALE, f=page.outline.height * SCALE)
            previous_level = make_page_bookmark_tree(
                page.outline, skipped_levels, last_by_depth, previous_level, number, matrix
            )
        add_outlines(self.pdf, root)

    def _names_tree(self) -> None:
        if not self._names:
            return
        names = pydyf.Array()
        for name, destination in sorted(self._names, key=lambda pair: pair[0]):
            names.append(pydyf.String(name))
            names.append(destination)
        self.pdf.catalog["Names"] = pydyf.Dictionary({"Dests": pydyf.Dictionary({"Names": names})})

    def _catalog(self, metadata) -> None:
        pdf = self.pdf
        pdf.info["Producer"] = pydyf.String(f"WeasyPrint {VERSION}")
        if metadata.title:
            pdf.info["Title"] = pydyf.String(metadata.title)
        if metadata.generator:
            pdf.info["Creator"] = pydyf.String(metadata.generator)
        pdf.catalog["Lang"] = pydyf.String(metadata.lang or "fr")
        pdf.catalog["StructTreeRoot"] = self.structure_root.reference
        pdf.catalog["MarkInfo"] = pydyf.Dictionary({"Marked": "true"})
        pdf.catalog["ViewerPreferences"] = pydyf.Dictionary({"DisplayDocTitle": "true"})
        profile = self.color_profiles["srgb"]
        pdf.catalog["OutputIntents"] = pydyf.Array(
            [
                pydyf.Dictionary(
                    {
                        "Type": "/OutputIntent",
                        "S": "/GTS_PDFA1",
                        "OutputConditionIdentifier": pydyf.String(profile.name),
                        "Info": pydyf.String(profile.name),
                        "DestOutputProfile": profile.pdf_reference,
                    }
                )
            ]
        )
        # The XMP packet: pdfaid part 2, conformance B.
        metadata.include_in_pdf(pdf, "a", 2, "B", True)


def _annotations(page) -> list:
    return [box.link_annotation for _, _, _, box in page.links if box.link_annotation]
