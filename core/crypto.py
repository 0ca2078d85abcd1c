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
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from tortoise import connections, fields
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
    the database. A row still holding clear text (a column turned encrypted) reads as it is
    until rotate_field encrypts it."""

    @property
    def where(self) -> str:
        return place(self.model._meta.db_table, self.source_field or self.model_field_name)

    def to_db_value(self, value: Any, instance: Any) -> str | None:
        if value is None:
            return None
        return encrypt(str(value), self.where)

    def to_python_value(self, value: Any) -> str | None:
        # Called on values read from the database and on values given to a model's constructor.
        if value is None:
            return None
        if is_encrypted(value):
            return decrypt(value, self.where)
        return str(value)


async def rotate_field(model: type[Model], field_name: str) -> int:
    """Re-encrypt with the current key every value of one `EncryptedTextField` column that
    needs it; return how many rows were rewritten. Safe while the instance runs: each row is
    rewritten only if it still holds the value read (an edit in between wins)."""
    field = model._meta.fields_map[field_name]
    if not isinstance(field, EncryptedTextField):
        raise TypeError(f"{model.__name__}.{field_name} is not an EncryptedTextField")
    ring = get_key_ring()
    table, column = model._meta.db_table, field.source_field or field_name
    pk = model._meta.pk.source_field or model._meta.pk_attr
    conn = connections.get(model._meta.default_connection)
    rows = await conn.execute_query_dict(
        f'SELECT "{pk}" AS pk, "{column}" AS value FROM "{table}" WHERE "{column}" IS NOT NULL'
    )
    # Raw SQL: through the model, the old value would be decrypted (or a clear one encrypted)
    # before the comparison, and the conditional UPDATE could not name it.
    mark = (lambda n: f"${n}") if conn.capabilities.dialect == "postgres" else (lambda n: "?")
    update = (
        f'UPDATE "{table}" SET "{column}" = {mark(1)} '
        f'WHERE "{pk}" = {mark(2)} AND "{column}" = {mark(3)}'
    )
    rewritten = 0
    for row in rows:
        old = row["value"]
        if needs_rotation(old, ring):
            count, _ = await conn.execute_query(
                update, [reencrypt(old, field.where, ring), row["pk"], old]
            )
            rewritten += count
    return rewritten
