"""Field encryption at rest: AES-256-GCM, one random 96-bit nonce per value.

A stored value describes itself: `enc:v1:<kid>:<base64(nonce || ciphertext+tag)>`, so rotation
can tell which key wrote it. The associated data binds the ciphertext to its header and to its
place (`table.column`, and the row id when the caller knows it): a value copied into another
column, or another row when bound to rows, no longer decrypts. Losing a key makes what it
encrypted unrecoverable: there is no copy of the keys in the database, on purpose.

`EncryptedTextField` binds to `table.column` only. Tortoise gives a field no row when it reads
(`to_python_value(value)`), nor when a query set writes (`filter(...).update(...)`, which every
versioned update uses), so a row id cannot be part of its associated data. A value swapped
between two rows of one column still decrypts: that is a change of integrity, not a disclosure,
and the audit journal records every legitimate write. Data that must be bound to its row (an
attached file) uses `encrypt`/`decrypt` with `place(table, column, row_id)`.
"""

import base64
import binascii
import json
import os
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from tortoise import Tortoise, connections, fields
from tortoise.models import Model

from core.keys import CryptoError, KeyRing, get_key_ring

PREFIX = "enc:v1:"
NONCE_BYTES = 12
TAG_BYTES = 16


class DecryptionFailed(CryptoError):
    """A stored value that does not decrypt: altered, truncated, or moved from elsewhere."""


def place(table: str, column: str, row_id: Any = None) -> str:
    """Where a value lives, as bound into its associated data."""
    return f"{table}.{column}" if row_id is None else f"{table}.{column}#{row_id}"


def is_encrypted(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def key_id_of(value: str) -> str:
    kid, sep, _ = value.removeprefix(PREFIX).partition(":")
    if not is_encrypted(value) or not sep or not kid:
        raise DecryptionFailed("valeur chiffrée mal formée : en-tête « enc:v1:<clé>: » attendu")
    return kid


def _associated_data(kid: str, where: str) -> bytes:
    # The header is authenticated too: editing the key id or the version breaks the tag.
    return f"{PREFIX}{kid}|{where}".encode()


def encrypt(plaintext: str, where: str, ring: KeyRing | None = None) -> str:
    """Encrypt with the current key; `where` is `place(...)` and must be given again to read."""
    if plaintext.startswith(PREFIX):
        # Such a text would be taken for a stored value when a model is built from it.
        raise CryptoError(f"un texte à chiffrer ne peut pas commencer par « {PREFIX} »")
    ring = ring or get_key_ring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(ring.current_key).encrypt(
        nonce, plaintext.encode("utf-8"), _associated_data(ring.current, where)
    )
    return f"{PREFIX}{ring.current}:{base64.b64encode(nonce + sealed).decode('ascii')}"


def decrypt(value: str, where: str, ring: KeyRing | None = None) -> str:
    """Decrypt with whichever key of the ring wrote it; a missing key raises `MissingKey`."""
    kid = key_id_of(value)
    key = (ring or get_key_ring()).key(kid)
    try:
        blob = base64.b64decode(value[len(PREFIX) + len(kid) + 1 :], validate=True)
    except (binascii.Error, ValueError):
        blob = b""
    if len(blob) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionFailed(f"valeur chiffrée mal formée ({where}, clé « {kid} »)")
    try:
        plain = AESGCM(key).decrypt(
            blob[:NONCE_BYTES], blob[NONCE_BYTES:], _associated_data(kid, where)
        )
    except InvalidTag:
        raise DecryptionFailed(
            f"valeur chiffrée illisible ({where}, clé « {kid} ») : altérée dans la base, "
            "ou copiée depuis une autre fiche ou colonne"
        ) from None
    return plain.decode("utf-8")


def needs_rotation(value: str, ring: KeyRing | None = None) -> bool:
    """True for a value not written with the current key (or not encrypted at all)."""
    if not is_encrypted(value):
        return True
    return key_id_of(value) != (ring or get_key_ring()).current


def reencrypt(value: str, where: str, ring: KeyRing | None = None) -> str:
    """The value written with the current key (a plaintext is encrypted); unchanged if it is."""
    ring = ring or get_key_ring()
    if not needs_rotation(value, ring):
        return value
    plain = decrypt(value, where, ring) if is_encrypted(value) else value
    return encrypt(plain, where, ring)


class EncryptedTextField(fields.TextField):
    """Text stored encrypted, read in clear. It cannot be searched, filtered or sorted on in
    the database (an equality or `__in` filter raises TypeError). A row still holding clear
    text (a column turned encrypted) reads as it is until rotate_field encrypts it."""

    @property
    def where(self) -> str:
        return place(self.model._meta.db_table, self.source_field or self.model_field_name)

    def to_db_value(self, value: Any, instance: Any) -> str | None:
        self._refuse_filter(instance)
        if value is None:
            return None
        return encrypt(str(value), self.where)

    def _refuse_filter(self, instance: Any) -> None:
        # Tortoise encodes a filter's value with the model class as `instance` (a write gives
        # a row or None). A fresh encryption never equals a stored one (random nonce): such a
        # filter would match nothing, silently. `__isnull` does not come here and works.
        if isinstance(instance, type):
            raise TypeError(
                f"{self.where} is encrypted: it cannot be filtered on in the database, "
                "compare the values once read"
            )

    def to_python_value(self, value: Any) -> str | None:
        # Called on values read from the database and on values given to a model's constructor.
        if value is None:
            return None
        if is_encrypted(value):
            return decrypt(value, self.where)
        return str(value)


class EncryptedJSONField(EncryptedTextField):
    """A JSON value (addresses, a history of changes) stored encrypted as text, read as Python
    values. A row still holding clear JSON (a JSON column turned encrypted, its values cast to
    text) reads as it is until rotate_field encrypts it."""

    def to_db_value(self, value: Any, instance: Any) -> str | None:
        self._refuse_filter(instance)
        if value is None:
            return None
        return encrypt(json.dumps(value, ensure_ascii=False, separators=(",", ":")), self.where)

    def to_python_value(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value  # None, or a Python value given to a model's constructor
        return json.loads(decrypt(value, self.where) if is_encrypted(value) else value)


def encrypted_fields() -> list[tuple[type[Model], str]]:
    """Every encrypted column of the initialised models, as (model, field name), by place."""
    found = [
        (model, name)
        for app in Tortoise.apps.values()
        for model in app.values()
        for name, field in model._meta.fields_map.items()
        if isinstance(field, EncryptedTextField)
    ]
    return sorted(found, key=lambda item: field_place(*item))


def field_place(model: type[Model], field_name: str) -> str:
    field = model._meta.fields_map[field_name]
    return place(model._meta.db_table, field.source_field or field_name)


ROTATE_BATCH = 500
MALFORMED = "?"  # key_census: a value with a broken header (no key id can be "?")
HEADER_CHARS = len(PREFIX) + 32 + 1  # enc:v1:<kid of 32 characters at most>:


async def _batches(
    model: type[Model], field_name: str, selected: str, *, where: str, params: list, batch: int
) -> AsyncIterator[tuple[Any, list[dict]]]:
    """Rows (pk, value) of one column in primary key order, `batch` at a time: no long read
    holds the table, and a row written meanwhile behind the last key read is still met.
    `where` marks its parameters `{}`, filled with the dialect's placeholders."""
    field = model._meta.fields_map[field_name]
    if not isinstance(field, EncryptedTextField):
        raise TypeError(f"{model.__name__}.{field_name} is not an EncryptedTextField")
    table = model._meta.db_table
    pk = model._meta.pk.source_field or model._meta.pk_attr
    conn = connections.get(model._meta.default_connection)
    postgres = conn.capabilities.dialect == "postgres"

    def mark(n: int) -> str:
        return f"${n}" if postgres else "?"

    condition = where.format(*(mark(n) for n in range(1, len(params) + 1)))
    last = None
    while True:
        values, after = list(params), ""
        if last is not None:
            values.append(last)
            after = f' AND "{pk}" > {mark(len(values))}'
        rows = await conn.execute_query_dict(
            f'SELECT "{pk}" AS pk, {selected} AS value FROM "{table}" '
            f'WHERE {condition}{after} ORDER BY "{pk}" LIMIT {int(batch)}',
            values,
        )
        if rows:
            yield conn, rows
        if len(rows) < batch:
            return
        last = rows[-1]["pk"]


async def rotate_field(model: type[Model], field_name: str, *, batch: int = ROTATE_BATCH) -> int:
    """Re-encrypt with the current key every value of one `EncryptedTextField` column that
    needs it (clear values included), batch by batch; return how many rows were rewritten.
    Safe while the instance runs: each row is rewritten only if it still holds the value read
    (an edit in between wins, and it was written with the current key)."""
    ring = get_key_ring()
    field = model._meta.fields_map[field_name]
    table, column = model._meta.db_table, field.source_field or field_name
    pk = model._meta.pk.source_field or model._meta.pk_attr
    current = f"{PREFIX}{ring.current}:"
    rewritten = 0
    # Raw SQL: through the model, the old value would be decrypted (or a clear one encrypted)
    # before the comparison, and the conditional UPDATE could not name it.
    async for conn, rows in _batches(
        model,
        field_name,
        f'"{column}"',
        where=f'"{column}" IS NOT NULL AND substr("{column}", 1, {len(current)}) <> {{}}',
        params=[current],
        batch=batch,
    ):
        postgres = conn.capabilities.dialect == "postgres"
        a, b, c = ("$1", "$2", "$3") if postgres else ("?", "?", "?")
        update = f'UPDATE "{table}" SET "{column}" = {a} WHERE "{pk}" = {b} AND "{column}" = {c}'
        for row in rows:
            old = row["value"]
            if needs_rotation(old, ring):
                count, _ = await conn.execute_query(
                    update, [reencrypt(old, field.where, ring), row["pk"], old]
                )
                rewritten += count
    return rewritten


async def key_census(model: type[Model], field_name: str, *, batch: int = 2000) -> Counter:
    """How many values of one encrypted column each key id wrote; None counts clear values."""
    field = model._meta.fields_map[field_name]
    column = field.source_field or field_name
    counts: Counter = Counter()
    async for _, rows in _batches(
        model,
        field_name,
        f'substr("{column}", 1, {HEADER_CHARS})',
        where=f'"{column}" IS NOT NULL',
        params=[],
        batch=batch,
    ):
        for row in rows:
            head = row["value"]
            try:
                counts[key_id_of(head) if is_encrypted(head) else None] += 1
            except DecryptionFailed:
                counts[MALFORMED] += 1
    return counts
