"""Where the keys come from: the settings, a key file, or, for the embedded default (a SQLite
file and nothing configured), a key file beside the database made on first start."""

import stat
from pathlib import Path

import pytest

from core.keys import KeyConfigError, get_key_ring, prepare_keys


def test_a_sqlite_file_with_no_key_keeps_its_keys_beside_it(settings_env, tmp_path):
    database = tmp_path / "rgpd.sqlite3"
    settings = settings_env(encryption_keys="", database_url=f"sqlite://{database}")
    assert settings.encryption_key_file == tmp_path / "rgpd.keys"
    assert settings.key_file_is_embedded_default

    with pytest.raises(KeyConfigError, match="aucune clé de chiffrement configurée"):
        get_key_ring()  # not made yet: only a start makes it
    assert prepare_keys() == tmp_path / "rgpd.keys"
    assert stat.S_IMODE((tmp_path / "rgpd.keys").stat().st_mode) == 0o600
    ring = get_key_ring()
    assert prepare_keys() is None, "made once"
    assert get_key_ring() == ring


def test_a_configured_key_or_file_is_never_replaced_by_the_default(settings_env, tmp_path):
    database = f"sqlite://{tmp_path / 'rgpd.sqlite3'}"
    settings = settings_env(database_url=database)  # the tests' RGPD_ENCRYPTION_KEYS
    assert settings.encryption_key_file is None

    absent = tmp_path / "monte-ailleurs.keys"  # e.g. a volume not mounted
    settings = settings_env(encryption_keys="", encryption_key_file=absent)
    assert not settings.key_file_is_embedded_default
    with pytest.raises(KeyConfigError, match="illisible"):
        prepare_keys()
    assert not absent.exists(), "an explicit key file is not made up"


@pytest.mark.parametrize("database", ["postgres://rgpd@db.exemple.fr/rgpd", "sqlite://:memory:"])
def test_no_key_and_no_sqlite_file_refuses_to_start(settings_env, database):
    settings = settings_env(encryption_keys="", database_url=database)
    assert settings.encryption_key_file is None
    with pytest.raises(KeyConfigError, match=r"RGPD_ENCRYPTION_KEYS.*refuse de démarrer"):
        prepare_keys()
    assert prepare_keys(required=False) is None  # a migration needs no key


def test_the_default_database_keeps_its_keys_in_data(settings_env, monkeypatch):
    monkeypatch.delenv("RGPD_DATABASE_URL", raising=False)
    settings = settings_env(encryption_keys="")
    assert settings.encryption_key_file == Path("data") / "rgpd.keys"
