"""Field encryption at rest: AES-256-GCM, one random 96-bit nonce per value.

A stored value describes itself: `enc:v2:<kid>:<base64(nonce || ciphertext+tag)>`, so rotation
can tell which key wrote it. The associated data binds the ciphertext to its header and to its
place: `table.column#row id` for `enc:v2:`, `table.column` only for the older `enc:v1:` (still
read, rewritten as `enc:v2:` by `rgpd keys rotate`). A value copied into another column or
another row no longer decrypts: the row reads « [valeur illisible : déplacée ou altérée] » and
the log says where. Losing a key makes what it encrypted unrecoverable: there is no copy of the
keys in the database, on purpose.

Tortoise gives a field no row when it reads (`to_python_value(value)`) nor when a query set
writes (`filter(...).update(...)`), so the row binding is done around the field, for every model
that declares an `EncryptedTextField` (bound when Tortoise gives the field its model, see
`bind_rows`; no model has to inherit anything):

- reading: `to_python_value` leaves an encrypted value sealed, and the model's `_init_from_db`
  opens it once the row, and so its primary key, is built (`open_row`);
- writing a row (`save`, `create`, `bulk_create`): `to_db_value` gets the instance and its
  primary key; a key the database generates (an integer) is not known before the insert, so
  the value is written bound to its column, then rebound to its row right after (`_post_save`);
- a query set's `update(...)` of an encrypted field is run row by row with each row's id
  (`RowBoundQuerySet`); `seal_values` seals the values beforehand when the caller knows the
  row (`core.persistence.update_versioned`), which saves the read of the ids.

`.values()` / `.values_list()` read the primary key along and open the values with it; a
query that must not (grouped, distinct) or raw SQL gives stored values, which `open_value`
opens with their rows' ids.
"""

import base64
import binascii
import json
import logging
import os
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from tortoise import Tortoise, connections, fields
from tortoise.manager import Manager
from tortoise.models import Model
from tortoise.queryset import QuerySet

from core.keys import CryptoError, KeyRing, get_key_ring

V1 = "enc:v1:"  # bound to table.column
V2 = "enc:v2:"  # bound to table.column#row
PREFIX = V1  # the first format, kept for the code that names it
PREFIXES = (V1, V2)
NONCE_BYTES = 12
TAG_BYTES = 16
UNREADABLE = "[valeur illisible : déplacée ou altérée]"

log = logging.getLogger("rgpd.crypto")


class DecryptionFailed(CryptoError):
    """A stored value that does not decrypt: altered, truncated, or moved from elsewhere."""


def place(table: str, column: str, row_id: Any = None) -> str:
    """Where a value lives, as bound into its associated data."""
    return f"{table}.{column}" if row_id is None else f"{table}.{column}#{row_id}"


def is_encrypted(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIXES)


def _header(value: str) -> tuple[str, str, str]:
    """(format prefix, key id, payload) of a stored value."""
    prefix = V2 if value.startswith(V2) else V1
    kid, sep, payload = value[len(prefix) :].partition(":")
    if not value.startswith(prefix) or not sep or not kid:
        raise DecryptionFailed("valeur chiffrée mal formée : en-tête « enc:v2:<clé>: » attendu")
    return prefix, kid, payload


def key_id_of(value: str) -> str:
    return _header(value)[1]


def _associated_data(prefix: str, kid: str, where: str) -> bytes:
    # The header is authenticated too: editing the key id or the version breaks the tag.
    return f"{prefix}{kid}|{where}".encode()


def encrypt(plaintext: str, where: str, ring: KeyRing | None = None) -> str:
    """Encrypt with the current key; `where` is `place(...)` and must be given again to read.
    A place with a row writes `enc:v2:`, a place without one `enc:v1:`."""
    if plaintext.startswith(PREFIXES):
        # Such a text would be taken for a stored value when a model is built from it.
        raise CryptoError(f"un texte à chiffrer ne peut pas commencer par « {plaintext[:7]} »")
    ring = ring or get_key_ring()
    prefix = V2 if "#" in where else V1
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(ring.current_key).encrypt(
        nonce, plaintext.encode("utf-8"), _associated_data(prefix, ring.current, where)
    )
    return f"{prefix}{ring.current}:{base64.b64encode(nonce + sealed).decode('ascii')}"


def _blob(payload: str) -> bytes:
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        return b""


def decrypt(value: str, where: str, ring: KeyRing | None = None) -> str:
    """Decrypt with whichever key of the ring wrote it; a missing key raises `MissingKey`
    (a value that is not even well formed, e.g. a clear text that happens to start with the
    prefix, raises `DecryptionFailed` first)."""
    prefix, kid, payload = _header(value)
    blob = _blob(payload)
    if len(blob) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionFailed(f"valeur chiffrée mal formée ({where}, clé « {kid} »)")
    key = (ring or get_key_ring()).key(kid)
    try:
        plain = AESGCM(key).decrypt(
            blob[:NONCE_BYTES], blob[NONCE_BYTES:], _associated_data(prefix, kid, where)
        )
    except InvalidTag:
        raise DecryptionFailed(
            f"valeur chiffrée illisible ({where}, clé « {kid} ») : altérée dans la base, "
            "ou copiée depuis une autre fiche ou colonne"
        ) from None
    try:
        return plain.decode("utf-8")
    except UnicodeDecodeError:
        raise DecryptionFailed(f"valeur chiffrée illisible ({where}) : pas du texte") from None


def read_place(value: str, where: str) -> str:
    """The place an `enc:v1:` value was bound to: the column of `where`, without its row."""
    return where.partition("#")[0] if value.startswith(V1) else where


def needs_rotation(value: str, ring: KeyRing | None = None) -> bool:
    """True for a value not written with the current key as `enc:v2:` (so `enc:v1:` values,
    bound to their column only, and clear values too)."""
    if not is_encrypted(value) or not value.startswith(V2):
        return True
    return key_id_of(value) != (ring or get_key_ring()).current


def reencrypt(value: str, where: str, ring: KeyRing | None = None) -> str:
    """The value written with the current key for `where` (a row's place: an `enc:v1:` value
    is read from its column's, a plaintext is encrypted); unchanged if it needs nothing."""
    ring = ring or get_key_ring()
    if not needs_rotation(value, ring) and "#" in where:
        return value
    plain = decrypt(value, read_place(value, where), ring) if is_encrypted(value) else value
    return encrypt(plain, where, ring)


# Values on their way ------------------------------------------------------------------------


class Ciphertext(str):
    """A value this module encrypted for one place (`where`): written to the database as is."""

    where: str


class Sealed(str):
    """A stored value read from the database, opened once its row is built (`open_row`)."""


class Unreadable(str):
    """What an encrypted text that does not decrypt reads as. Written back to its own row, the
    stored value is kept instead (`EncryptedTextField.to_db_value`, `seal_values`); copied
    into another row, it is the words the reader saw."""

    def __new__(cls) -> "Unreadable":
        return super().__new__(cls, UNREADABLE)


def seal(plaintext: str, where: str, ring: KeyRing | None = None) -> Ciphertext:
    value = Ciphertext(encrypt(plaintext, where, ring))
    value.where = where
    return value


# The fields ---------------------------------------------------------------------------------


class EncryptedTextField(fields.TextField):
    """Text stored encrypted, read in clear. It cannot be searched, filtered or sorted on in
    the database (an equality or `__in` filter raises TypeError). A row still holding clear
    text (a column turned encrypted) reads as it is until rotate_field encrypts it."""

    @property
    def model(self) -> Any:
        return self.__dict__.get("_model")

    @model.setter
    def model(self, model: Any) -> None:
        # Tortoise sets this when it gives the field its model class: bind that class's rows.
        self.__dict__["_model"] = model
        self.__dict__.pop("_where", None)  # a copy of a field made for another model
        if isinstance(model, type) and issubclass(model, Model):
            bind_rows(model)

    @property
    def column(self) -> str:
        return self.source_field or self.model_field_name

    @property
    def where(self) -> str:
        where = self.__dict__.get("_where")
        if where is None:  # the model's table and the column are fixed once it is initialised
            where = self.__dict__["_where"] = place(self.model._meta.db_table, self.column)
        return where

    def row_where(self, row_id: Any) -> str:
        """The place of this field in one row; the id as the primary key reads it (a UUID given
        as text or as `uuid.UUID` binds the same)."""
        return f"{self.where}#{_row_key(self.model, row_id)}"

    def encode(self, value: Any) -> str:
        return str(value)

    def decode(self, text: str) -> Any:
        return text

    def unreadable(self) -> Any:
        """What a value that does not decrypt reads as."""
        return Unreadable()

    def to_db_value(self, value: Any, instance: Any) -> str | None:
        self._refuse_filter(instance)
        kept = _kept_value(instance, self.model_field_name, value)
        if kept is not None:
            return kept  # an unreadable value left as read: the stored value stays, as evidence
        if value is None:
            return None
        if isinstance(value, Ciphertext) and value.where.partition("#")[0] == self.where:
            return str(value)
        row_id = None if instance is None else instance.pk
        if row_id is None:
            _note_unbound(instance, self)
            return encrypt(self.encode(value), self.where)
        return encrypt(self.encode(value), self.row_where(row_id))

    def _refuse_filter(self, instance: Any) -> None:
        # Tortoise encodes a filter's value with the model class as `instance` (a write gives
        # a row or None). A fresh encryption never equals a stored one (random nonce): such a
        # filter would match nothing, silently. `__isnull` does not come here and works.
        if isinstance(instance, type):
            raise TypeError(
                f"{self.where} is encrypted: it cannot be filtered on in the database, "
                "compare the values once read"
            )

    def to_python_value(self, value: Any) -> Any:
        # Called on values read from the database (opened by `open_row` once the row is built)
        # and on values given to a model's constructor.
        if value is None or isinstance(value, Sealed):
            return value
        if is_encrypted(value):
            return Sealed(value)
        return self.read_clear(value)

    def read_clear(self, value: Any) -> Any:
        return str(value)

    def open(self, stored: str, row_id: Any) -> Any:
        """The value of a stored one in the row `row_id`; raises DecryptionFailed."""
        if stored.startswith(V2):
            if row_id is None:
                raise DecryptionFailed(f"{self.where} : ligne sans clé primaire, valeur non lue")
            return self.decode(decrypt(stored, self.row_where(row_id)))
        if stored.startswith(V1):
            return self.decode(decrypt(stored, self.where))
        return self.read_clear(stored)


class EncryptedJSONField(EncryptedTextField):
    """A JSON value (addresses, a history of changes) stored encrypted as text, read as Python
    values. A row still holding clear JSON (a JSON column turned encrypted, its values cast to
    text) reads as it is until rotate_field encrypts it. A value that does not decrypt reads
    as None, or as the field's default when it cannot be null (an empty list or mapping)."""

    def encode(self, value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def decode(self, text: str) -> Any:
        try:
            return json.loads(text)
        except ValueError:
            raise DecryptionFailed(f"{self.where} : JSON illisible") from None

    def unreadable(self) -> Any:
        if self.null or self.default is None:
            return None
        return self.default() if callable(self.default) else self.default

    def to_python_value(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value  # None, or a Python value given to a model's constructor
        if is_encrypted(value):
            return Sealed(value)
        try:
            return json.loads(value)
        except ValueError:
            return Sealed(value)  # not JSON: open_row reports it unreadable

    def read_clear(self, value: Any) -> Any:
        return self.decode(value)


def _row_key(model: type[Model], row_id: Any) -> Any:
    if isinstance(row_id, (UUID, int)):
        return row_id
    try:
        return model._meta.pk.to_python_value(row_id)
    except (TypeError, ValueError, AttributeError):
        return row_id


# Rows ---------------------------------------------------------------------------------------

_UNREADABLE_ATTR = "_crypto_unreadable"  # {field: (what it reads as, the stored value)}
_UNBOUND_ATTR = "_crypto_unbound"  # fields written before the row had its generated key


def _encrypted_of(model: type[Model]) -> list[tuple[str, EncryptedTextField]]:
    found = model.__dict__.get("_crypto_fields")
    if found is None:
        found = [
            (name, field)
            for name, field in model._meta.fields_map.items()
            if isinstance(field, EncryptedTextField)
        ]
        model._crypto_fields = found  # type: ignore[attr-defined]
    return found


def _open(field: EncryptedTextField, stored: Any, row_id: Any) -> tuple[Any, bool]:
    try:
        return field.open(stored, row_id), True
    except DecryptionFailed as exc:
        log.error("lue comme « %s » : %s", UNREADABLE, exc)
        return field.unreadable(), False


def open_value(field: EncryptedTextField, stored: Any, row_id: Any) -> Any:
    """One stored value of `field` (as `.values()` reads it) in the row `row_id`, in clear; a
    value that does not decrypt (moved, altered) reads as the field's unreadable value, and is
    logged. A missing key raises `MissingKey`: that is the configuration, not the row."""
    return _open(field, stored, row_id)[0]


def open_row(obj: Model) -> Model:
    """Open the sealed values of a row built from the database, with its primary key."""
    for name, field in _encrypted_of(type(obj)):
        stored = obj.__dict__.get(name)
        if not isinstance(stored, Sealed):
            continue
        value, readable = _open(field, str(stored), obj.pk)
        if not readable:
            obj.__dict__.setdefault(_UNREADABLE_ATTR, {})[name] = (value, str(stored))
        object.__setattr__(obj, name, value)
    return obj


def _kept_value(instance: Any, name: str, value: Any) -> str | None:
    kept = getattr(instance, _UNREADABLE_ATTR, None) if instance is not None else None
    if not kept or name not in kept:
        return None
    shown, stored = kept[name]
    return stored if value is shown else None


def _note_unbound(instance: Any, field: EncryptedTextField) -> None:
    if instance is None:
        # A write that names no row (an update built without the query set below).
        log.warning("%s écrit sans sa ligne : lié à sa colonne seulement", field.where)
        return
    instance.__dict__.setdefault(_UNBOUND_ATTR, set()).add(field.model_field_name)


def seal_values(model: type[Model], row_id: Any, values: dict[str, Any]) -> dict[str, Any]:
    """`values` with those of encrypted fields encrypted for the row `row_id`, for a query
    set's `update(...)` of that row (values already sealed, None and expressions kept; an
    unreadable value given back as it was read is left out, so the stored one stays)."""
    sealed = dict(values)
    for name, field in _encrypted_of(model):
        value = values.get(name)
        if value is None or isinstance(value, Ciphertext):
            continue
        if value == UNREADABLE or value is field.unreadable():
            # An unreadable value written back as read (a whole record merged with a patch):
            # the stored value stays as it is, as evidence, instead of the words shown for it.
            del sealed[name]
            continue
        sealed[name] = seal(field.encode(value), field.row_where(row_id))
    return sealed


async def _rebind_inserted(obj: Model, using_db: Any) -> None:
    """Values written before the database gave the row its key: bind them to it now."""
    names = obj.__dict__.pop(_UNBOUND_ATTR, None)
    if not names or obj.pk is None:
        return
    values = seal_values(type(obj), obj.pk, {name: getattr(obj, name) for name in names})
    query = type(obj).filter(pk=obj.pk)
    await (query.using_db(using_db) if using_db is not None else query).update(**values)


class RowBoundQuerySet(QuerySet):
    """`update(...)` of an encrypted field runs row by row, each value bound to its row; the
    other updates are Tortoise's own. `values(...)`, `values_list(...)` and `only(...)` read
    the primary key too, and open the encrypted values with it (not with `distinct()` or
    `group_by()`, where reading the key would change the rows: there, stored values)."""

    def update(self, **kwargs: Any) -> Any:
        unsealed = [
            name
            for name, field in _encrypted_of(self.model)
            if kwargs.get(name) is not None and not isinstance(kwargs[name], Ciphertext)
        ]
        if not unsealed:
            return super().update(**kwargs)
        return self._update_row_by_row(kwargs)

    def values_list(self, *fields_: str, flat: bool = False) -> Any:
        """As Tortoise's, the encrypted values opened with their row's key (read along)."""
        names = fields_ or tuple(f for f in self.model._meta.fields_map if f in self._db_fields)
        found = [(i, self._opens(name)) for i, name in enumerate(names) if self._opens(name)]
        if not found or self._group_bys or self._distinct:
            return super().values_list(*fields_, flat=flat)

        def opened(row: tuple) -> Any:
            *values, row_id = row
            for i, field in found:
                values[i] = _open_read(field, values[i], row_id)
            return values[0] if flat else tuple(values)

        query = super().values_list(*names, self.model._meta.pk_attr)
        return _mapped(query, opened, self._single)

    def values(self, *args: str, **kwargs: str) -> Any:
        """As Tortoise's, the encrypted values opened with their row's key (read along)."""
        if not args and not kwargs:
            args = tuple(f for f in self.model._meta.fields_map if f in self._db_fields)
        wanted = {name: name for name in args} | kwargs
        found = [(key, self._opens(name)) for key, name in wanted.items() if self._opens(name)]
        if not found or self._group_bys or self._distinct:
            return super().values(*args, **kwargs)

        def opened(row: dict) -> dict:
            row_id = row.pop(_ROW_KEY)
            for key, field in found:
                row[key] = _open_read(field, row[key], row_id)
            return row

        query = super().values(*args, **kwargs, **{_ROW_KEY: self.model._meta.pk_attr})
        return _mapped(query, opened, self._single)

    @property
    def _db_fields(self) -> Any:
        return self.model._meta.fields_db_projection

    def _opens(self, name: str) -> EncryptedTextField | None:
        field = self.model._meta.fields_map.get(name)
        return field if isinstance(field, EncryptedTextField) else None

    def only(self, *fields_for_select: str) -> Any:
        # The primary key is read too: an encrypted value is opened with it.
        pk = self.model._meta.pk_attr
        extra = () if pk in fields_for_select or "pk" in fields_for_select else (pk,)
        return super().only(*fields_for_select, *extra)

    async def _update_row_by_row(self, kwargs: dict[str, Any]) -> int:
        # Each row's UPDATE keeps the query set's own conditions: a row changed in between
        # is not written, and the count says so, as one UPDATE would.
        pk = self.model._meta.pk_attr
        count = 0
        for row_id in await self.values_list(pk, flat=True):
            values = seal_values(self.model, row_id, kwargs)
            row = self.filter(**{pk: row_id})
            count += await (QuerySet.update(row, **values) if values else row.count())
        return count


_ROW_KEY = "_crypto_row_id"


def _open_read(field: EncryptedTextField, value: Any, row_id: Any) -> Any:
    return open_value(field, str(value), row_id) if isinstance(value, Sealed) else value


async def _mapped(query: Any, opened: Callable, single: bool) -> Any:
    result = await query
    if single:
        return None if result is None else opened(result)
    return [opened(row) for row in result]


class RowBoundManager(Manager):
    def get_queryset(self) -> QuerySet:
        return RowBoundQuerySet(self._model)


def bind_rows(model: type[Model]) -> None:
    """Make `model` bind its encrypted values to their rows (once per class): rows built from
    the database are opened with their key (read with them by `only` and `refresh_from_db`),
    inserted rows rebound to their generated key, and its query sets update encrypted fields
    row by row."""
    if model.__dict__.get("_crypto_rows_bound"):
        return
    model._crypto_rows_bound = True  # type: ignore[attr-defined]
    build: Callable = model._init_from_db.__func__  # type: ignore[attr-defined]
    post_save: Callable = model._post_save

    def _init_from_db(cls: type[Model], **kwargs: Any) -> Model:
        return open_row(build(cls, **kwargs))

    async def _post_save(
        self: Model, using_db: Any = None, created: bool = False, update_fields: Any = None
    ) -> None:
        if created:
            await _rebind_inserted(self, using_db)
        await post_save(self, using_db, created, update_fields)

    refresh: Callable = model.refresh_from_db

    async def refresh_from_db(self: Model, fields: Any = None, using_db: Any = None) -> None:
        # Tortoise reads `fields` only, without the primary key the values are opened with.
        pk = self._meta.pk_attr
        await refresh(self, [*fields, pk] if fields and pk not in fields else fields, using_db)

    model._init_from_db = classmethod(_init_from_db)  # type: ignore[method-assign,assignment]
    model._post_save = _post_save  # type: ignore[method-assign]
    model.refresh_from_db = refresh_from_db  # type: ignore[method-assign]
    if type(model._meta.manager) is Manager:
        model._meta.manager = RowBoundManager(model)


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
HEADER_CHARS = len(V2) + 32 + 1  # enc:v2:<kid of 32 characters at most>:


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
    """Re-encrypt as `enc:v2:`, with the current key and bound to its row, every value of one
    `EncryptedTextField` column that needs it (`enc:v1:` values, bound to their column only,
    and clear values included), batch by batch; return how many rows were rewritten.
    Safe while the instance runs: each row is rewritten only if it still holds the value read
    (an edit in between wins, and it was written with the current key). A value that does not
    decrypt (moved, altered) is left as it is, and logged: rotation never hides evidence."""
    ring = get_key_ring()
    field = model._meta.fields_map[field_name]
    table, column = model._meta.db_table, field.source_field or field_name
    pk = model._meta.pk.source_field or model._meta.pk_attr
    current = f"{V2}{ring.current}:"
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
            new = _rotated(field, row["value"], row["pk"], ring)
            if new is not None:
                count, _ = await conn.execute_query(update, [new, row["pk"], row["value"]])
                rewritten += count
    return rewritten


def _rotated(field: EncryptedTextField, old: str, row_id: Any, ring: KeyRing) -> str | None:
    if not needs_rotation(old, ring):
        return None
    try:
        return reencrypt(old, field.row_where(row_id), ring)
    except DecryptionFailed as exc:
        log.error("rotation : valeur laissée telle quelle, %s", exc)
        return None


class Census(Counter):
    """`key_census`'s answer: how many values each key id wrote (None: clear, MALFORMED:
    broken), and in `v1` how many of them are still `enc:v1:`, bound to their column only."""

    def __init__(self) -> None:
        super().__init__()
        self.v1: Counter = Counter()


async def key_census(model: type[Model], field_name: str, *, batch: int = 2000) -> Census:
    """How many values of one encrypted column each key id wrote; None counts clear values.
    `.v1` counts, per key id, those still in the `enc:v1:` format (`rotate_field` rewrites
    them as `enc:v2:`, even under the current key)."""
    field = model._meta.fields_map[field_name]
    column = field.source_field or field_name
    counts = Census()
    async for _, rows in _batches(
        model,
        field_name,
        f'substr("{column}", 1, {HEADER_CHARS})',
        where=f'"{column}" IS NOT NULL',
        params=[],
        batch=batch,
    ):
        for row in rows:
            _count(counts, row["value"])
    return counts


def _count(counts: Census, head: str) -> None:
    if not is_encrypted(head):
        counts[None] += 1
        return
    try:
        prefix, kid, _ = _header(head)
    except DecryptionFailed:
        counts[MALFORMED] += 1
        return
    counts[kid] += 1
    if prefix == V1:
        counts.v1[kid] += 1
