"""Tables written to and read from the files auditors and public bodies use.

A `Document` is a title, a header block and one or more `Sheet`s of rows; every writer takes
the same document, so CSV, XLSX, ODS, JSON and PDF carry the same content. Rows arrive as an
async iterator and are written as they come: memory stays flat as the register grows.
"""
