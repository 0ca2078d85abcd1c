"""A PDF file written as its objects are finished, so memory does not grow with the pages.

`pydyf.PDF` (WeasyPrint's writer) keeps every object until the end: for a tagged register of
thousands of activities, the structure tree alone is millions of small dictionaries.
`StreamingPDF` offers the part of its interface that WeasyPrint's painting and tagging
functions use (`add_object`, `catalog`, `info`, `page_references`), and `flush()` writes the
objects added since the last flush: streams as they are, the others packed into compressed
object streams, as pydyf does. Objects that change until the end (the page tree, the shared
resources, the structure tree's root…) are `hold()`-en and written by `close()`; an object
made later but referred to now (a page's header and footer) gets its number from `reserve()`.
"""

import hashlib
import zlib
from array import array
from math import ceil, log
from typing import BinaryIO

import pydyf

# Small objects per object stream: big enough to compress well, small enough to stay cheap.
OBJECTS_PER_STREAM = 4000
# Cross-reference entries joined and compressed at a time: the table has one per object (a
# million for 5,000 activities), and joined at once it took ~40 bytes of memory per entry.
XREF_BLOCK = 20_000


class StreamingPDF:
    def __init__(self, output: BinaryIO, version: bytes = b"1.7") -> None:
        self.output = output
        self.position = 0
        # Cross-reference entries by object number: (type, field 2, field 3), as in an XRef stream.
        self._kinds = array("B", [0])
        self._field2 = array("Q", [0])
        self._field3 = array("I", [65535])
        self._pending: list[pydyf.Object] = []
        self._held: list[pydyf.Object] = []
        self._packed: list[pydyf.Object] = []  # small objects waiting for their object stream
        self._reserved = 0  # numbers given by `reserve()` whose object is not added yet
        self._digest = hashlib.md5(usedforsecurity=False)
        self.page_references: list[bytes] = []  # in the order pages were painted
        self.pages = self.hold(pydyf.Dictionary({"Type": "/Pages", "Kids": pydyf.Array([])}))
        self.catalog = self.hold(pydyf.Dictionary({"Type": "/Catalog"}))
        self.catalog["Pages"] = self.pages.reference
        self.info = pydyf.Dictionary({})
        self._write(b"%PDF-" + version + b"\n%\xf0\x9f\x96\xa4\n")

    def add_object(self, obj: pydyf.Object) -> None:
        obj.number = len(self._kinds)
        self._kinds.append(0)
        self._field2.append(0)
        self._field3.append(0)
        self._pending.append(obj)

    def hold(self, obj: pydyf.Object) -> pydyf.Object:
        """Add an object that is written only by `close()`: it may change until then."""
        self.add_object(obj)
        self._pending.pop()
        self._held.append(obj)
        return obj

    def reserve(self) -> int:
        """The number of an object written later by `add_reserved` (it is not kept meanwhile)."""
        number = len(self._kinds)
        self._kinds.append(0)
        self._field2.append(0)
        self._field3.append(0)
        self._reserved += 1
        return number

    def add_reserved(self, obj: pydyf.Object, number: int) -> None:
        """Add `obj` as the object `reserve()` numbered `number`, written by the next flush."""
        obj.number = number
        self._reserved -= 1
        self._pending.append(obj)

    def add_page_reference(self, page: pydyf.Dictionary) -> None:
        self.page_references.append(page.reference)

    def flush(self) -> None:
        """Write every object added since the last flush (they must be finished)."""
        pending, self._pending = self._pending, []
        for obj in pending:
            if obj.compressible:
                self._packed.append(obj)
                if len(self._packed) >= OBJECTS_PER_STREAM:
                    self._write_object_stream()
            else:
                self._write_indirect(obj)

    def close(self, page_order: list[bytes], identifier: bool = True) -> None:
        """Write the held objects, the page tree in `page_order`, the cross-reference stream."""
        if self._reserved:
            raise RuntimeError(f"{self._reserved} reserved objects were never added")
        self.pages["Kids"] = pydyf.Array(page_order)
        self.pages["Count"] = len(page_order)
        if self.info:
            self.add_object(self.info)
        self._pending.extend(self._held)
        self._held = []
        self.flush()
        if self._packed:
            self._write_object_stream()
        self._write_xref(identifier)

    def _write(self, data: bytes) -> None:
        self.output.write(data)
        self.position += len(data)

    def _write_indirect(self, obj: pydyf.Object) -> None:
        data = obj.data
        self._digest.update(data)
        self._kinds[obj.number] = 1
        self._field2[obj.number] = self.position
        self._write(b"%d 0 obj\n%s\nendobj\n" % (obj.number, data))

    def _write_object_stream(self) -> None:
        packed, self._packed = self._packed, []
        offsets, bodies, position = [], [], 0
        stream = pydyf.Stream([], compress=True)
        self.add_object(stream)
        self._pending.pop()  # written right here
        for index, obj in enumerate(packed):
            data = obj.data
            self._digest.update(data)
            offsets.append(f"{obj.number} {position}")
            bodies.append(data)
            position += len(data) + 1
            self._kinds[obj.number] = 2
            self._field2[obj.number] = stream.number
            self._field3[obj.number] = index
        header = " ".join(offsets).encode()
        stream.stream = [header, *bodies]
        stream.extra.update({"Type": "/ObjStm", "N": len(packed), "First": len(header) + 1})
        self._write_indirect(stream)

    def _xref_entries(self, start: int, width: int) -> bytes:
        block = slice(start, start + XREF_BLOCK)
        entries = zip(self._kinds[block], self._field2[block], self._field3[block], strict=True)
        return b"".join(
            kind.to_bytes(1, "big") + field2.to_bytes(width, "big") + field3.to_bytes(4, "big")
            for kind, field2, field3 in entries
        )

    def _write_xref(self, identifier: bool) -> None:
        number = len(self._kinds)  # the cross-reference stream itself
        self._kinds.append(1)
        self._field2.append(self.position)
        self._field3.append(0)
        widths = (1, ceil(log(self.position + 1, 256)), 4)
        compressor = zlib.compressobj(level=9)
        table = []
        for start in range(0, number + 1, XREF_BLOCK):
            table.append(compressor.compress(self._xref_entries(start, widths[1])))
        table.append(compressor.flush())
        extra = {
            "Type": "/XRef",
            "Index": pydyf.Array((0, number + 1)),
            "W": pydyf.Array(widths),
            "Size": number + 1,
            "Root": self.catalog.reference,
            "Filter": "/FlateDecode",
        }
        if self.info:
            extra["Info"] = self.info.reference
        if identifier:
            digest = pydyf.String(self._digest.hexdigest().encode()).data
            extra["ID"] = pydyf.Array((digest, digest))
        xref = pydyf.Stream([b"".join(table)], extra)  # compressed above
        position = self.position
        self._write(b"%d 0 obj\n%s\nendobj\n" % (number, xref.data))
        self._write(b"startxref\n%d\n%%%%EOF\n" % position)
