"""What `rgpd restore` refuses, before writing anything, and what `rgpd backup` never leaves
behind; an older backup is brought to this code's schema."""

import tarfile
from pathlib import Path

import pytest

from core.schema_guard import known_migrations
from tests.backup.helpers import (
    ENGINE,
    TEST_KEY_ID,
    applied,
    backup,
    empty_database,
    instance_env,
    migrate_to,
    pretend_newer_version_migrated,
    require_postgres_tools,
    restore,
    sql,
    tables,
)
from tests.cli import rgpd

pytestmark = pytest.mark.engine


@pytest.fixture(autouse=True)
def _tools():
    require_postgres_tools()


async def demo_backup(tmp_path: Path, url: str) -> tuple[dict, Path]:
    env = instance_env(url)
    rgpd("migrate", env=env, check=True, timeout=180)
    rgpd("demo", env=env, check=True, timeout=180)
    target = tmp_path / "demo.tar"
    made = backup(env, str(target))
    assert made.returncode == 0, made.stderr
    return env, target


async def organisation_names(url: str) -> list[str]:
    return sorted(name for (name,) in await sql(url, "SELECT legal_name FROM organisation"))


async def test_a_corrupted_or_truncated_backup_is_refused_and_restores_nothing(tmp_path):
    async with (
        empty_database(tmp_path, "live") as live_url,
        empty_database(tmp_path, "target") as target_url,
    ):
        _, target = await demo_backup(tmp_path, live_url)
        with tarfile.open(target) as tar:
            (dump,) = [m for m in tar.getmembers() if m.name != "manifest.json"]
        corrupted = tmp_path / "corrompue.tar"
        data = bytearray(target.read_bytes())
        data[dump.offset_data + dump.size // 2] ^= 0x01  # one byte flipped in the dump
        corrupted.write_bytes(bytes(data))

        refused = restore(instance_env(target_url), str(corrupted))
        assert refused.returncode == 1
        assert "empreinte SHA-256 du dump" in refused.stderr
        assert "sauvegarde corrompue ou incomplète, rien n'a été restauré" in refused.stderr
        assert await tables(target_url) == []

        truncated = tmp_path / "tronquee.tar"
        truncated.write_bytes(target.read_bytes()[: dump.offset_data + dump.size // 2])
        refused = restore(instance_env(target_url), str(truncated))
        assert refused.returncode == 1
        assert "restauration refusée" in refused.stderr
        assert await tables(target_url) == []


async def test_restore_into_a_database_that_is_not_empty_is_refused(tmp_path):
    async with empty_database(tmp_path, "live") as live_url:
        env, target = await demo_backup(tmp_path, live_url)  # back into the demo database
        before = await organisation_names(live_url)

        refused = restore(env, str(target))
        assert refused.returncode == 1
        assert "n'est pas vide" in refused.stderr
        assert "une sauvegarde se restaure dans une base vide" in refused.stderr
        assert await organisation_names(live_url) == before, "left as it was"


async def test_a_backup_of_a_newer_version_is_refused(tmp_path):
    newer = "0999_from_a_newer_version"
    async with (
        empty_database(tmp_path, "live") as live_url,
        empty_database(tmp_path, "target") as target_url,
    ):
        env = instance_env(live_url)
        rgpd("migrate", env=env, check=True, timeout=180)
        await pretend_newer_version_migrated(live_url, newer)
        target = tmp_path / "recente.tar"
        made = backup(env, str(target))  # backing up is harmless: allowed
        assert made.returncode == 0, made.stderr
        assert f"schéma {newer}" in made.stdout

        refused = restore(instance_env(target_url), str(target))
        assert refused.returncode == 1
        assert f"version plus récente de registre-rgpd ({newer})" in refused.stderr
        assert await tables(target_url) == []


async def test_an_older_backup_is_restored_then_migrated_to_head(tmp_path):
    *older, last = known_migrations()
    async with (
        empty_database(tmp_path, "old") as old_url,
        empty_database(tmp_path, "target") as target_url,
    ):
        env = instance_env(old_url)
        migrate_to(env, old_url, older[-1])
        target = tmp_path / "ancienne.tar"
        assert backup(env, str(target)).returncode == 0

        restored = restore(instance_env(target_url), str(target))
        assert restored.returncode == 0, restored.stderr
        assert f"schéma mis à jour : {last}" in restored.stdout
        assert await applied(target_url) == sorted([*older, last])


async def test_a_backup_restores_only_into_its_own_engine(tmp_path):
    other = (
        "sqlite://" + str(tmp_path / "autre.sqlite3")
        if ENGINE == "postgres"
        else "postgres://postgres@127.0.0.1:5432/rgpd_backup_never_created"
    )
    async with empty_database(tmp_path, "live") as live_url:
        _, target = await demo_backup(tmp_path, live_url)
        refused = restore(instance_env(other), str(target))
        assert refused.returncode == 1
        assert "une sauvegarde se restaure dans le même moteur" in refused.stderr
    assert not (tmp_path / "autre.sqlite3").exists()


async def test_restore_names_the_keys_it_needs_when_they_are_not_configured(tmp_path):
    async with (
        empty_database(tmp_path, "live") as live_url,
        empty_database(tmp_path, "target") as target_url,
    ):
        _, target = await demo_backup(tmp_path, live_url)
        other_key = "autre:" + "A" * 43 + "="
        restored = restore(instance_env(target_url, encryption_keys=other_key), str(target))
        assert restored.returncode == 0, restored.stderr
        assert f"clé de chiffrement {TEST_KEY_ID} absente de la configuration" in restored.stderr


async def test_a_failed_backup_leaves_no_file_and_an_existing_one_is_kept(tmp_path):
    missing = (
        f"sqlite://{tmp_path / 'absente.sqlite3'}"
        if ENGINE == "sqlite"
        else "postgres://postgres@127.0.0.1:5432/rgpd_backup_never_created"
    )
    target = tmp_path / "echec.tar"
    failed = backup(instance_env(missing), str(target))
    assert failed.returncode == 1
    assert "sauvegarde non faite" in failed.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [], "no file, no .partial, no dump"

    async with empty_database(tmp_path, "live") as live_url:
        env, target = await demo_backup(tmp_path, live_url)
        first = target.read_bytes()
        again = backup(env, str(target))
        assert again.returncode == 1
        assert "existe déjà" in again.stderr
        assert target.read_bytes() == first
        assert backup(env, str(target), "--replace").returncode == 0
