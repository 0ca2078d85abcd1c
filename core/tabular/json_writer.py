"""JSON, streamed: the envelope and each row are written as they come, never as one big list.

The shape, for every document:

    {"document": key, "title": ..., "generated_at": ..., "header": [{"label", "value"}],
     "sheets": [{"key", "title", "columns": [{"key", "header"}], "rows": [{col_key: value}]}]}

Row objects have exactly the sheet's column keys, each a string or null; `json_schema(doc)`
says so in JSON Schema (draft 2020-12), for the API to publish next to the export.
"""

import json
from typing import BinaryIO
from urllib.parse import quote

from core.tabular.document import Document, Sheet

SCHEMA_BASE = "https://registre-rgpd.fr/schemas/"


def _dump(value) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


async def write_json(doc: Document, out: BinaryIO) -> None:
    header = [{"label": label, "value": value} for label, value in doc.header]
    out.write(b'{"document": ' + _dump(doc.key))
    out.write(b',\n "title": ' + _dump(doc.title))
    out.write(b',\n "generated_at": ' + _dump(doc.generated_at))
    out.write(b',\n "header": ' + _dump(header))
    out.write(b',\n "sheets": [')
    for index, sheet in enumerate(doc.sheets):
        if index:
            out.write(b",")
        await _write_sheet(sheet, out)
    out.write(b"]}\n")


async def _write_sheet(sheet: Sheet, out: BinaryIO) -> None:
    columns = [{"key": column.key, "header": column.header} for column in sheet.columns]
    keys = [column.key for column in sheet.columns]
    out.write(b'\n  {"key": ' + _dump(sheet.key) + b', "title": ' + _dump(sheet.title))
    out.write(b',\n   "columns": ' + _dump(columns) + b',\n   "rows": [')
    separator = b"\n    "
    async for row in sheet.rows():
        # Only the declared columns, in their order: the schema promises exactly these keys.
        out.write(separator + _dump({key: row.get(key) for key in keys}))
        separator = b",\n    "
    out.write(b"]}")


def schema_id(doc: Document) -> str:
    return f"{SCHEMA_BASE}{quote(doc.key)}.json"


def json_schema(doc: Document) -> dict:
    """The JSON Schema (draft 2020-12) of `doc`'s JSON export: its sheets in order, each row
    an object with exactly that sheet's column keys, each a string or null."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": schema_id(doc),
        "title": doc.title,
        "type": "object",
        "required": ["document", "title", "generated_at", "header", "sheets"],
        "additionalProperties": False,
        "properties": {
            "document": {"const": doc.key},
            "title": {"type": "string"},
            "generated_at": {"type": "string"},
            "header": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["label", "value"],
                    "additionalProperties": False,
                    "properties": {"label": {"type": "string"}, "value": {"type": "string"}},
                },
            },
            "sheets": {
                "type": "array",
                "prefixItems": [_sheet_schema(sheet) for sheet in doc.sheets],
                "items": False,
                "minItems": len(doc.sheets),
            },
        },
    }


def _sheet_schema(sheet: Sheet) -> dict:
    columns = [{"key": column.key, "header": column.header} for column in sheet.columns]
    row = {
        "type": "object",
        "required": [column.key for column in sheet.columns],
        "additionalProperties": False,
        "properties": {
            column.key: {"title": column.header, "type": ["string", "null"]}
            for column in sheet.columns
        },
    }
    return {
        "title": sheet.title,
        "type": "object",
        "required": ["key", "title", "columns", "rows"],
        "additionalProperties": False,
        "properties": {
            "key": {"const": sheet.key},
            "title": {"type": "string"},
            "columns": {"const": columns},
            "rows": {"type": "array", "items": row},
        },
    }
