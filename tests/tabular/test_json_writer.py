"""JSON: read back with json.loads, checked against the document's own JSON Schema."""

import copy
import io
import json

import pytest
from jsonschema import Draft202012Validator

from core.tabular.document import ExportFormat
from core.tabular.json_writer import json_schema, write_json
from tests.tabular.sample import (
    ACTIVITIES,
    ACTIVITY_COLUMNS,
    ACTIVITY_COUNT,
    BREACHES,
    sample_document,
    written_now,
)


@pytest.fixture(scope="module")
def data() -> bytes:
    return written_now(sample_document(), ExportFormat.JSON)


@pytest.fixture(scope="module")
def validator():
    return Draft202012Validator(json_schema(sample_document()))


def test_the_envelope_the_header_and_every_row(data):
    exported = json.loads(data)
    assert exported["document"] == "controller-record"
    assert exported["title"] == "Registre des activités de traitement (art. 30.1 RGPD)"
    assert exported["generated_at"] == "lundi 24 novembre 2025 à 10:30"
    assert exported["header"][1] == {
        "label": "Délégué à la protection des données",
        "value": "Syndicat mixte « Numérique & Œuvre »",
    }
    activities, breaches = exported["sheets"]
    assert activities["key"] == "activities"
    assert activities["title"] == "Activités de traitement"
    assert activities["columns"][2] == {
        "key": "dpo",
        "header": "Délégué à la protection des données",
    }
    assert len(activities["rows"]) == ACTIVITY_COUNT
    assert activities["rows"] == ACTIVITIES
    assert activities["rows"][1]["dpo"] is None
    assert breaches["rows"] == BREACHES


def test_utf8_text_not_escapes(data):
    assert "Délégué à la protection des données".encode() in data
    assert b"\\u00e9" not in data


def test_the_export_is_valid_against_its_schema(data, validator):
    Draft202012Validator.check_schema(json_schema(sample_document()))  # the schema is sound
    validator.validate(json.loads(data))


def test_the_schema_is_draft_2020_12_with_a_stable_id():
    schema = json_schema(sample_document())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "https://registre-rgpd.fr/schemas/controller-record.json"
    rows = schema["properties"]["sheets"]["prefixItems"][0]["properties"]["rows"]["items"]
    assert rows["required"] == [column.key for column in ACTIVITY_COLUMNS]
    assert rows["properties"]["dpo"]["title"] == "Délégué à la protection des données"


@pytest.mark.parametrize(
    "break_it",
    [
        lambda doc: doc["sheets"][0]["rows"][5].update(extra="clé en trop"),
        lambda doc: doc["sheets"][0]["rows"][5].pop("notes"),
        lambda doc: doc["sheets"][0]["rows"][5].update(name=42),
        lambda doc: doc["sheets"][1].update(key="activities"),
        lambda doc: doc["sheets"].append(doc["sheets"][1]),
        lambda doc: doc.update(document="processor-record"),
    ],
    ids=["extra-key", "missing-key", "number", "wrong-sheet", "extra-sheet", "other-document"],
)
def test_a_broken_export_fails_validation(data, validator, break_it):
    exported = json.loads(data)
    broken = copy.deepcopy(exported)
    break_it(broken)
    assert not validator.is_valid(broken)


class CountingWrites(io.BytesIO):
    def __init__(self):
        super().__init__()
        self.writes = 0

    def write(self, data) -> int:
        self.writes += 1
        return super().write(data)


async def test_rows_are_written_one_by_one_not_as_one_list():
    out = CountingWrites()
    await write_json(sample_document(), out)
    assert out.writes > ACTIVITY_COUNT + len(BREACHES)
    json.loads(out.getvalue())


async def test_only_declared_columns_are_written():
    doc = sample_document([{"name": "Cantine", "internal_id": "42"}])
    out = io.BytesIO()
    await write_json(doc, out)
    row = json.loads(out.getvalue())["sheets"][0]["rows"][0]
    assert row == {
        "name": "Cantine",
        "purpose": None,
        "dpo": None,
        "recipients": None,
        "notes": None,
    }
