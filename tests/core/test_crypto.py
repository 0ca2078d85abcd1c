"""Field encryption at rest: AES-256-GCM values bound to their place, a key ring, rotation."""

import base64
import re
import uuid

import pytest
from tortoise import Tortoise, fields
from tortoise.context import tortoise_test_context
from tortoise.models import Model

from core.crypto import (
    UNREADABLE,
    DecryptionFailed,
    EncryptedJSONField,
    EncryptedTextField,
    decrypt,
    encrypt,
    key_id_of,
    needs_rotation,
    open_value,
    place,
    reencrypt,
    rotate_field,
)
from core.keys import (
    CryptoError,
    KeyConfigError,
    KeyRing,
    MissingKey,
    build_key_ring,
    generate_key,
    get_key_ring,
    parse_keys,
)
from tests.conftest import POSTGRES_URL, USE_POSTGRES, _drop_postgres_database

pytestmark = pytest.mark.engine

FACTS = "Clé USB perdue à Évry : fichier des bénéficiaires du CCAS, 142 personnes, RIB et NIR"
K1, K2 = generate_key(), generate_key()


class Note(Model):
    """The same, keyed by an integer the database makes on insert."""

    id = fields.IntField(primary_key=True)
    text = EncryptedTextField(null=True)
    items = EncryptedJSONField(default=list)

    class Meta:
        table = "crypto_test_note"


class Secret(Model):
    """A table of this test module only, with two encrypted columns."""

    id = fields.UUIDField(primary_key=True)
    facts = EncryptedTextField(null=True)
    notes = EncryptedTextField(null=True)

    class Meta:
        table = "crypto_test_secret"


def ring(*entries: tuple[str, str]) -> KeyRing:
    return build_key_ring(parse_keys(",".join(f"{kid}:{key}" for kid, key in entries)))


def flip_one_byte(value: str) -> str:
    head, _, payload = value.rpartition(":")
    blob = bytearray(base64.b64decode(payload))
    blob[len(blob) // 2] ^= 0x01
    return f"{head}:{base64.b64encode(bytes(blob)).decode()}"


@pytest.fixture
async def secrets_db(settings_env):
    settings_env(encryption_keys=f"k1:{K1}")
    if not USE_POSTGRES:
        async with tortoise_test_context([__name__], db_url="sqlite://:memory:"):
            yield
        return
    url = POSTGRES_URL.format(uuid.uuid4().hex)
    try:
        async with tortoise_test_context([__name__], db_url=url):
            yield
    finally:
        await _drop_postgres_database(url)


async def raw_row(row_id: uuid.UUID) -> dict:
    conn = Tortoise.get_connection("default")
    rows = await conn.execute_query_dict(
        f"SELECT facts, notes FROM crypto_test_secret WHERE id = '{row_id}'"
    )
    return rows[0]


async def raw_set(row_id: uuid.UUID, column: str, value: str) -> None:
    await Tortoise.get_connection("default").execute_query(
        f"UPDATE crypto_test_secret SET {column} = '{value}' WHERE id = '{row_id}'"
    )


# Values ---------------------------------------------------------------------------------------


def test_a_value_round_trips_with_its_accents():
    keys = ring(("k1", K1))
    value = encrypt(FACTS, place("breach", "facts"), keys)
    assert decrypt(value, place("breach", "facts"), keys) == FACTS


def test_a_stored_value_names_its_format_and_key_and_hides_the_text():
    keys = ring(("k1", K1))
    value = encrypt(FACTS, place("breach", "facts"), keys)
    assert value.startswith("enc:v1:k1:")
    assert key_id_of(value) == "k1"
    # Words of the text, long enough that random base64 cannot contain them by chance
    # (a three-letter word such as "142" turns up in about one ciphertext in 3,000).
    for word in ("Évry", "perdue", "bénéficiaires", "personnes"):
        assert word not in value


def test_the_same_text_encrypts_differently_each_time():
    keys = ring(("k1", K1))
    assert encrypt(FACTS, "t.c", keys) != encrypt(FACTS, "t.c", keys)


def test_one_flipped_byte_is_refused_with_a_clear_error():
    keys = ring(("k1", K1))
    value = encrypt(FACTS, "breach.facts", keys)
    with pytest.raises(DecryptionFailed, match=r"illisible \(breach.facts, clé « k1 »\) : altérée"):
        decrypt(flip_one_byte(value), "breach.facts", keys)


def test_a_truncated_or_garbled_value_is_refused():
    keys = ring(("k1", K1))
    with pytest.raises(DecryptionFailed, match="mal formée"):
        decrypt("enc:v1:k1:QUJD", "t.c", keys)
    with pytest.raises(DecryptionFailed, match="mal formée"):
        decrypt("enc:v1:k1:pas du base64 !", "t.c", keys)
    with pytest.raises(DecryptionFailed, match="en-tête"):
        decrypt("enc:v1:", "t.c", keys)


def test_a_value_moved_to_another_row_or_column_does_not_decrypt():
    keys = ring(("k1", K1))
    row_a, row_b = uuid.uuid4(), uuid.uuid4()
    value = encrypt(FACTS, place("attachment", "content", row_a), keys)
    assert decrypt(value, place("attachment", "content", row_a), keys) == FACTS
    with pytest.raises(DecryptionFailed, match="copiée depuis une autre fiche ou colonne"):
        decrypt(value, place("attachment", "content", row_b), keys)
    with pytest.raises(DecryptionFailed):
        decrypt(value, place("attachment", "summary", row_a), keys)


def test_the_header_is_authenticated_too():
    keys = ring(("k1", K1), ("k2", K1))  # same key under two ids: only the header differs
    value = encrypt(FACTS, "t.c", keys)
    with pytest.raises(DecryptionFailed):
        decrypt(value.replace("enc:v1:k1:", "enc:v1:k2:"), "t.c", keys)


@pytest.mark.parametrize("text", ["enc:v1:k1:abc", "enc:v2:k1:abc"])
def test_a_text_that_looks_like_a_stored_value_is_refused(text):
    with pytest.raises(CryptoError, match="ne peut pas commencer"):
        encrypt(text, "t.c", ring(("k1", K1)))


def test_a_clear_text_with_the_prefix_and_an_unknown_key_id_is_malformed_not_a_missing_key():
    # Not a stored value at all (its payload is no ciphertext): unreadable, not "key missing".
    with pytest.raises(DecryptionFailed, match="mal formée"):
        decrypt("enc:v1:note:à relire demain", "t.c", ring(("k1", K1)))


# Rotation -------------------------------------------------------------------------------------


def test_old_values_still_decrypt_after_a_new_current_key_is_added():
    row = place("breach", "facts", uuid.uuid4())
    old = ring(("k1", K1))
    value = encrypt(FACTS, row, old)
    assert value.startswith("enc:v2:k1:")
    new = ring(("k2", K2), ("k1", K1))
    assert decrypt(value, row, new) == FACTS
    assert needs_rotation(value, new)
    assert not needs_rotation(value, old)

    rotated = reencrypt(value, row, new)
    assert key_id_of(rotated) == "k2"
    assert not needs_rotation(rotated, new)
    assert decrypt(rotated, row, ring(("k2", K2))) == FACTS
    assert reencrypt(rotated, row, new) == rotated


def test_a_value_bound_to_its_column_only_is_rewritten_bound_to_its_row():
    keys = ring(("k1", K1))
    row = place("breach", "facts", uuid.uuid4())
    old = encrypt(FACTS, "breach.facts", keys)  # enc:v1:, as written before rows were bound
    assert old.startswith("enc:v1:k1:")
    assert needs_rotation(old, keys)  # same key, but bound to its column only
    rotated = reencrypt(old, row, keys)
    assert rotated.startswith("enc:v2:k1:")
    assert decrypt(rotated, row, keys) == FACTS
    with pytest.raises(DecryptionFailed):
        decrypt(rotated, place("breach", "facts", uuid.uuid4()), keys)


def test_a_missing_key_is_named_and_its_loss_said_unrecoverable():
    value = encrypt(FACTS, "t.c", ring(("k2024", K1)))
    with pytest.raises(MissingKey) as caught:
        decrypt(value, "t.c", ring(("k2025", K2)))
    assert "clé de chiffrement « k2024 » absente" in str(caught.value)
    assert "irrécupérables sans elle" in str(caught.value)
    assert caught.value.kid == "k2024"


# Key configuration ----------------------------------------------------------------------------


def test_a_generated_key_is_32_random_bytes_in_base64():
    assert len(base64.b64decode(generate_key())) == 32
    assert generate_key() != generate_key()


def test_the_settings_give_the_ring_the_first_key_writing(settings_env):
    settings_env(encryption_keys=f"new:{K2}, old:{K1}")
    keys = get_key_ring()
    assert keys.current == "new"
    assert set(keys.keys) == {"new", "old"}


def test_the_settings_come_before_the_key_file(settings_env, tmp_path):
    path = tmp_path / "keys"
    path.write_text(f"# keys of the instance\n\nfile1:{K1}\n")
    settings_env(encryption_keys=f"env1:{K2}", encryption_key_file=path)
    keys = get_key_ring()
    assert keys.current == "env1"
    assert set(keys.keys) == {"env1", "file1"}

    settings_env(encryption_keys="")
    assert get_key_ring().current == "file1"


def test_no_key_configured_says_how_to_make_one(settings_env):
    # PostgreSQL: no embedded key file to fall back on (data/rgpd.keys may exist here).
    settings_env(encryption_keys="", database_url="postgres://postgres@127.0.0.1/rgpd")
    with pytest.raises(KeyConfigError, match="aucune clé de chiffrement configurée"):
        get_key_ring()


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("sans-separateur", "format attendu"),
        (f"clé avec espace:{K1}", "identifiant de clé « clé avec espace » invalide"),
        ("k3:pas-du-base64!", "la clé « k3 » n.est pas du base64 valide"),
        (
            f"k3:{base64.b64encode(b'too short').decode()}",
            "la clé « k3 » fait 9 octets, il en faut 32",
        ),
    ],
    ids=["no-separator", "space-in-id", "not-base64", "too-short"],  # K1 is random
)
def test_a_bad_line_of_the_key_file_is_named(settings_env, tmp_path, line, error):
    path = tmp_path / "keys"
    path.write_text(f"# rotated 2025-01\nk1:{K1}\n\n{line}\n")
    settings_env(encryption_key_file=path)
    with pytest.raises(
        KeyConfigError, match=re.escape(f"fichier de clés {path}, ligne 4 : ") + error
    ):
        get_key_ring()


def test_a_missing_key_file_is_reported(settings_env, tmp_path):
    settings_env(encryption_key_file=tmp_path / "absent")
    with pytest.raises(KeyConfigError, match="illisible"):
        get_key_ring()


def test_a_bad_entry_of_the_settings_is_named_without_its_key(settings_env):
    settings_env(encryption_keys=f"k1:{K1},k2:{K1[:10]}")
    with pytest.raises(KeyConfigError, match="RGPD_ENCRYPTION_KEYS, entrée 2") as caught:
        get_key_ring()
    assert K1[:10] not in str(caught.value)


def test_one_key_id_cannot_name_two_keys():
    with pytest.raises(KeyConfigError, match="« k1 » donné deux fois"):
        ring(("k1", K1), ("k1", K2))


# The field ------------------------------------------------------------------------------------


async def test_the_field_reads_in_clear_and_stores_unreadable(secrets_db):
    secret = await Secret.create(id=uuid.uuid4(), facts=FACTS)
    raw = await raw_row(secret.id)
    assert raw["facts"].startswith("enc:v2:k1:")  # bound to its row
    assert decrypt(raw["facts"], place("crypto_test_secret", "facts", secret.id)) == FACTS
    assert "Évry" not in raw["facts"] and "CCAS" not in raw["facts"]
    assert raw["notes"] is None
    assert (await Secret.get(id=secret.id)).facts == FACTS


async def test_the_field_is_written_encrypted_by_a_query_set_update(secrets_db):
    secret = await Secret.create(id=uuid.uuid4(), facts="avant")
    other = await Secret.create(id=uuid.uuid4(), facts="avant")
    assert await Secret.filter(id=secret.id).update(facts=FACTS) == 1
    stored = (await raw_row(secret.id))["facts"]
    assert decrypt(stored, place("crypto_test_secret", "facts", secret.id)) == FACTS
    assert (await Secret.get(id=secret.id)).facts == FACTS
    # Several rows at once: each value bound to its own row.
    assert await Secret.filter(facts__isnull=False).update(notes="vu") == 2
    for row in (secret, other):
        assert (await Secret.get(id=row.id)).notes == "vu"
    assert (await raw_row(secret.id))["notes"] != (await raw_row(other.id))["notes"]
    # A condition that no longer holds writes nothing, as one UPDATE would.
    assert await Secret.filter(id=secret.id, notes__isnull=True).update(facts="non") == 0


async def test_filtering_on_an_encrypted_column_is_refused_not_silently_empty(secrets_db):
    secret = await Secret.create(id=uuid.uuid4(), facts=FACTS)
    with pytest.raises(TypeError, match=r"crypto_test_secret\.facts is encrypted"):
        await Secret.exists(facts=FACTS)
    with pytest.raises(TypeError, match="cannot be filtered"):
        await Secret.filter(facts__in=[FACTS]).count()
    assert await Secret.filter(facts__isnull=False).count() == 1
    assert [s.id for s in await Secret.filter(notes__isnull=True)] == [secret.id]


async def test_a_value_altered_in_the_database_reads_unreadable_and_is_logged(secrets_db, caplog):
    secret = await Secret.create(id=uuid.uuid4(), facts=FACTS, notes="rien")
    altered = flip_one_byte((await raw_row(secret.id))["facts"])
    await raw_set(secret.id, "facts", altered)
    read = await Secret.get(id=secret.id)
    assert read.facts == UNREADABLE == "[valeur illisible : déplacée ou altérée]"
    assert read.notes == "rien"  # the rest of the row reads
    assert "crypto_test_secret.facts" in caplog.text and "altérée" in caplog.text
    # Saving the row again keeps what was stored: the evidence is not overwritten.
    read.notes = "relu"
    await read.save()
    assert (await raw_row(secret.id))["facts"] == altered
    # Given back as read (a record merged with a patch), it is left out of the update.
    assert await Secret.filter(id=secret.id).update(facts=str(read.facts)) == 1
    assert await Secret.filter(id=secret.id).update(facts=read.facts, notes="vu") == 1
    assert (await raw_row(secret.id))["facts"] == altered
    assert (await Secret.get(id=secret.id)).notes == "vu"
    # Copied into another row, it is the words the reader saw: no error either.
    copy = await Secret.create(id=uuid.uuid4(), facts=read.facts)
    stored = (await raw_row(copy.id))["facts"]
    assert decrypt(stored, place("crypto_test_secret", "facts", copy.id)) == UNREADABLE


async def test_a_value_copied_into_another_column_reads_unreadable(secrets_db, caplog):
    secret = await Secret.create(id=uuid.uuid4(), facts=FACTS, notes="rien")
    await raw_set(secret.id, "notes", (await raw_row(secret.id))["facts"])
    read = await Secret.get(id=secret.id)
    assert (read.facts, read.notes) == (FACTS, UNREADABLE)
    assert "crypto_test_secret.notes" in caplog.text


async def test_a_value_copied_into_another_row_reads_unreadable(secrets_db, caplog):
    body_a = await Secret.create(id=uuid.uuid4(), facts="fiche A")
    body_b = await Secret.create(id=uuid.uuid4(), facts=FACTS)
    await raw_set(body_a.id, "facts", (await raw_row(body_b.id))["facts"])
    assert (await Secret.get(id=body_a.id)).facts == UNREADABLE
    assert (await Secret.get(id=body_b.id)).facts == FACTS
    assert [s.facts for s in await Secret.all().order_by("id")].count(FACTS) == 1
    assert f"crypto_test_secret.facts#{body_a.id}" in caplog.text


async def test_a_row_whose_key_the_database_makes_is_bound_to_it_after_the_insert(secrets_db):
    first = await Note.create(text=FACTS, items=["a", "é"])
    second = await Note.create(text="autre", items=["b"])
    conn = Tortoise.get_connection("default")
    rows = await conn.execute_query_dict("SELECT id, text, items FROM crypto_test_note ORDER BY id")
    assert [r["text"][:7] for r in rows] == ["enc:v2:", "enc:v2:"]
    assert (await Note.get(id=first.id)).items == ["a", "é"]
    await conn.execute_query(
        f"UPDATE crypto_test_note SET text = '{rows[1]['text']}', items = '{rows[1]['items']}' "
        f"WHERE id = {first.id}"
    )
    moved = await Note.get(id=first.id)
    assert moved.text == UNREADABLE
    assert moved.items == []  # a JSON value that cannot be null reads as its default
    assert (await Note.get(id=second.id)).text == "autre"


async def test_a_stored_clear_text_starting_with_the_prefix_reads_unreadable(secrets_db):
    secret = await Secret.create(id=uuid.uuid4())
    for text in ("enc:v1:note:à relire", "enc:v2:", "enc:v1:k1:QUJD"):
        await raw_set(secret.id, "facts", text)
        assert (await Secret.get(id=secret.id)).facts == UNREADABLE


async def test_a_value_written_before_rows_were_bound_still_reads(secrets_db):
    secret = await Secret.create(id=uuid.uuid4())
    await raw_set(secret.id, "facts", encrypt(FACTS, "crypto_test_secret.facts"))  # enc:v1:
    assert (await Secret.get(id=secret.id)).facts == FACTS


async def test_a_partial_read_opens_its_values_with_the_row_key_it_adds(secrets_db):
    secret = await Secret.create(id=uuid.uuid4(), facts=FACTS, notes="rien")
    partial = await Secret.filter(id=secret.id).only("facts").first()
    assert (partial.pk, partial.facts) == (secret.id, FACTS)
    await secret.refresh_from_db(fields=["notes"])
    assert secret.notes == "rien"


async def test_values_read_without_their_model_are_opened_with_their_row(secrets_db):
    secret = await Secret.create(id=uuid.uuid4(), facts=FACTS, notes="rien")
    assert await Secret.all().values_list("id", "facts") == [(secret.id, FACTS)]
    assert await Secret.all().values_list("notes", flat=True) == ["rien"]
    assert await Secret.filter(id=secret.id).values("facts", texte="notes") == [
        {"facts": FACTS, "texte": "rien"}
    ]
    assert (await Secret.all().values())[0]["facts"] == FACTS
    assert await Secret.filter(id=secret.id).first().values_list("facts", flat=True) == FACTS
    assert await Secret.filter(id=uuid.uuid4()).first().values("facts") is None
    # Raw SQL gives the stored value: open_value opens it with its row's id.
    stored = (await raw_row(secret.id))["facts"]
    field = Secret._meta.fields_map["facts"]
    assert open_value(field, stored, str(secret.id)) == FACTS
    assert open_value(field, stored, uuid.uuid4()) == UNREADABLE


async def test_rotating_a_column_rewrites_old_and_clear_values_with_the_current_key(
    secrets_db, settings_env
):
    old = await Secret.create(id=uuid.uuid4(), facts=FACTS)
    clear = await Secret.create(id=uuid.uuid4())
    await raw_set(clear.id, "facts", "écrit avant le chiffrement")
    column_bound = await Secret.create(id=uuid.uuid4())
    await raw_set(column_bound.id, "facts", encrypt("lié à sa colonne", "crypto_test_secret.facts"))
    await Secret.create(id=uuid.uuid4())  # NULL stays NULL

    settings_env(encryption_keys=f"k2:{K2},k1:{K1}")
    assert (await Secret.get(id=old.id)).facts == FACTS  # readable before rotation
    assert await rotate_field(Secret, "facts") == 3
    assert await rotate_field(Secret, "facts") == 0

    for row_id, text in (
        (old.id, FACTS),
        (clear.id, "écrit avant le chiffrement"),
        (column_bound.id, "lié à sa colonne"),
    ):
        stored = (await raw_row(row_id))["facts"]
        assert stored.startswith("enc:v2:k2:")
        assert decrypt(stored, place("crypto_test_secret", "facts", row_id)) == text
        assert (await Secret.get(id=row_id)).facts == text
    settings_env(encryption_keys=f"k2:{K2}")  # the old key can go now
    assert (await Secret.get(id=old.id)).facts == FACTS


async def test_rotation_goes_batch_by_batch_and_skips_what_the_current_key_wrote(
    secrets_db, settings_env
):
    old = [await Secret.create(id=uuid.uuid4(), facts=f"{FACTS} n°{n}") for n in range(5)]
    settings_env(encryption_keys=f"k2:{K2},k1:{K1}")
    current = await Secret.create(id=uuid.uuid4(), facts="déjà chiffré avec k2")
    written = (await raw_row(current.id))["facts"]

    assert await rotate_field(Secret, "facts", batch=2) == 5
    assert (await raw_row(current.id))["facts"] == written  # not rewritten
    for n, secret in enumerate(old):
        assert key_id_of((await raw_row(secret.id))["facts"]) == "k2"
        assert (await Secret.get(id=secret.id)).facts == f"{FACTS} n°{n}"


async def test_rotation_binds_old_values_to_their_rows_and_leaves_unreadable_ones(
    secrets_db, caplog
):
    body_a = await Secret.create(id=uuid.uuid4())
    body_b = await Secret.create(id=uuid.uuid4())
    v1 = encrypt(FACTS, "crypto_test_secret.facts")
    await raw_set(body_a.id, "facts", v1)
    await raw_set(body_b.id, "facts", "enc:v1:k1:QUJD")  # broken: left as evidence
    assert await rotate_field(Secret, "facts") == 1
    assert (await raw_row(body_b.id))["facts"] == "enc:v1:k1:QUJD"
    assert "mal formée" in caplog.text
    # Once rotated, the value no longer reads in another row.
    await raw_set(body_b.id, "facts", (await raw_row(body_a.id))["facts"])
    assert (await Secret.get(id=body_a.id)).facts == FACTS
    assert (await Secret.get(id=body_b.id)).facts == UNREADABLE


async def test_reading_a_row_whose_key_was_removed_names_the_key(secrets_db, settings_env):
    secret = await Secret.create(id=uuid.uuid4(), facts=FACTS)
    settings_env(encryption_keys=f"k2:{K2}")
    with pytest.raises(MissingKey, match="« k1 » absente"):
        await Secret.get(id=secret.id)
