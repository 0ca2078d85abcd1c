"""A backup taken while the instance runs and writes restores the same register, breaches and
outbox into an empty database, with a journal that verifies; and it holds no key.

The instance: a real `rgpd serve` (with its scheduler) on a fresh database loaded with
`rgpd migrate` and `rgpd demo`, then, through the API, the demo breach's notice e-mailed to
the controller and three more incidents; the SMTP server is unreachable, so every message
stays pending (retried in an hour). The backup runs while a client creates activities
through the API one after another.
"""

import asyncio
import base64
import json
import stat
import tarfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from core.schema_guard import known_migrations
from tests.backup.helpers import (
    DEMO_ADMIN,
    ENGINE,
    TEST_KEY,
    TEST_KEY_ID,
    backup_async,
    empty_database,
    instance_env,
    require_postgres_tools,
    restore,
    tables,
)
from tests.cli import rgpd
from tests.factories import FACTS
from tests.scheduler.processes import SchedulerProcess, wait_until
from tests.smtp_server import free_port

pytestmark = pytest.mark.engine

API = "/api/v1"
GOSB_SIREN = "200058014"


def iso_ago(**delta) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


async def get(api: httpx.AsyncClient, path: str, **params) -> dict | list:
    response = await api.get(f"{API}{path}", params=params)
    assert response.status_code == 200, f"{path}: {response.text}"
    return response.json()


async def items(api: httpx.AsyncClient, path: str, **params) -> list[dict]:
    page = await get(api, path, limit=500, **params)
    assert page["total"] <= 500
    return page["items"]


async def declare(api: httpx.AsyncClient, organisation_id: str, activity_id: str, hours: int):
    response = await api.post(
        f"{API}/incidents",
        json={
            "organisation_id": organisation_id,
            "title": f"Incident déclaré {hours} h avant la sauvegarde",
            "description": "Accès illégitime au partage de fichiers constaté par le support.",
            "detected_at": iso_ago(hours=hours),
            "nature": ["confidentiality"],
            "origin": "hacking_malware_phishing",
            "cause": "external_malicious",
            "activity_ids": [activity_id],
        },
    )
    assert response.status_code == 201, response.text


def steady(breach: dict) -> dict:
    """A breach as stored: its clocks without what moves with the time of reading."""
    kept = dict(breach)
    kept["countdowns"] = [
        (c["kind"], c["label"], c["due_at"], c["due_local"]) for c in breach["countdowns"]
    ]
    return kept


def steady_deadline(clock: dict) -> tuple:
    return tuple(
        clock[k]
        for k in ("breach_id", "breach_ref", "controller_id", "kind", "due_at", "due_local")
    )


async def outbox(api: httpx.AsyncClient) -> list[dict]:
    """Every message in full (Message-ID and body included), by id."""
    listed = await items(api, "/messages")
    details = [await get(api, f"/messages/{m['id']}") for m in listed]
    return sorted(details, key=lambda m: m["id"])


async def state(api: httpx.AsyncClient) -> dict:
    return {
        "organisations": sorted(await items(api, "/organisations"), key=lambda o: o["id"]),
        "conventions": sorted(await items(api, "/conventions"), key=lambda c: c["id"]),
        "activities": {a["id"]: a for a in await items(api, "/activities")},
        "breaches": sorted(
            (steady(b) for b in await items(api, "/breaches")), key=lambda b: b["id"]
        ),
        "deadlines": sorted(steady_deadline(c) for c in await get(api, "/deadlines")),
        "outbox": await outbox(api),
    }


async def serving(env: dict, log: Path, *args: str) -> tuple[SchedulerProcess, str]:
    port = free_port()
    server = SchedulerProcess(env, log, "serve", "--port", str(port), *args)
    await server.wait_for_log("Uvicorn running", timeout=90)
    return server, f"http://127.0.0.1:{port}"


async def load_instance(api: httpx.AsyncClient) -> str:
    """Open breaches and pending messages on top of the demo; Juvisy's id."""
    organisations = await items(api, "/organisations")
    gosb = next(o for o in organisations if o["siren"] == GOSB_SIREN)
    juvisy = next(o for o in organisations if "Juvisy" in o["legal_name"])
    activity = next(
        a
        for a in await items(api, "/activities", controller_id=juvisy["id"])
        if a["ref"] == "JUV-01"
    )

    # The demo breach (the EPT is Juvisy's processor): its notice e-mailed to Juvisy.
    (demo,) = await items(api, "/breaches", controller_id=juvisy["id"], open_only=True)
    patched = await api.patch(
        f"{API}/breaches/{demo['id']}", json={"version": demo["version"], **FACTS}
    )
    assert patched.status_code == 200, patched.text
    sent = await api.post(
        f"{API}/breaches/{demo['id']}/controller-notice",
        json={"version": patched.json()["version"]},
    )
    assert sent.status_code == 200, sent.text

    # More breaches: two of the EPT's, late enough for reminders, and one of Juvisy's own.
    await declare(api, gosb["id"], activity["id"], hours=30)
    await declare(api, gosb["id"], activity["id"], hours=60)
    await declare(api, juvisy["id"], activity["id"], hours=20)
    return juvisy["id"]


async def outbox_at_rest(api: httpx.AsyncClient) -> bool:
    """The notice and at least two reminders written, each tried once and waiting an hour."""
    messages = await items(api, "/messages")
    kinds = [m["kind"] for m in messages]
    return (
        "breach.controller_notice" in kinds
        and len(messages) >= 3
        and all(m["status"] == "pending" and m["attempts"] >= 1 for m in messages)
    )


async def test_a_backup_of_a_running_instance_restores_register_breaches_outbox_and_journal(
    tmp_path,
):
    require_postgres_tools()
    signing_key = tmp_path / "signature.pem"
    async with (
        empty_database(tmp_path, "live") as live_url,
        empty_database(tmp_path, "restored") as restored_url,
    ):
        env = instance_env(live_url, signing_key=signing_key)
        made = rgpd("audit", "keygen", str(signing_key), env=env, timeout=180)
        assert made.returncode == 0, made.stderr
        signing_key_id = made.stderr.split("clé ", 1)[1].split()[0]
        rgpd("migrate", env=env, check=True, timeout=180)
        rgpd("demo", env=env, check=True, timeout=180)
        token = rgpd(
            "token", "create", DEMO_ADMIN, "--name", "sauvegarde", env=env, check=True, timeout=180
        ).stdout
        headers = {"Authorization": f"Bearer {token.strip().splitlines()[-1]}"}

        live, live_base = await serving(env, tmp_path / "live.log")
        restored_server = None
        try:
            async with httpx.AsyncClient(base_url=live_base, headers=headers, timeout=60) as api:
                juvisy = await load_instance(api)
                await wait_until(lambda: outbox_at_rest(api), 120, "the messages tried once")
                # Signed checkpoints in the journal.
                rgpd("audit", "checkpoint", env=env, check=True, timeout=180)

                # A client writes while the backup runs.
                written: list[str] = []
                stop = asyncio.Event()

                async def writer() -> None:
                    while not stop.is_set():
                        response = await api.post(
                            f"{API}/activities",
                            json={
                                "controller_id": juvisy,
                                "name": f"Écrit pendant la sauvegarde {len(written):04d}",
                            },
                        )
                        assert response.status_code == 201, response.text
                        written.append(response.json()["id"])

                writing = asyncio.create_task(writer())
                await wait_until(lambda: len(written) >= 3 or writing.done(), 60, "writes")
                written_before = len(written)
                target = tmp_path / "sauvegarde.tar"
                code, out, err = await backup_async(env, str(target))
                written_during = len(written) - written_before
                await wait_until(
                    lambda: len(written) >= written_before + written_during + 2 or writing.done(),
                    60,
                    "writes after the backup",
                )
                stop.set()
                await writing
                assert code == 0, err

                live_state = await state(api)

            # The file: whole, the owner's only, telling where the keys are and which.
            assert stat.S_IMODE(target.stat().st_mode) == 0o600
            assert not Path(f"{target}.partial").exists()
            assert "Les clés ne sont PAS dans la sauvegarde" in out
            assert f"il faudra les clés de chiffrement : {TEST_KEY_ID}" in out
            assert signing_key_id in out
            assert "RGPD_ENCRYPTION_KEYS" in out and str(signing_key) in out
            with tarfile.open(target) as tar:
                assert tar.getnames()[0] == "manifest.json"
                manifest = json.load(tar.extractfile("manifest.json"))
            assert manifest["engine"] == ENGINE
            assert manifest["schema_version"] == known_migrations()[-1]
            assert manifest["encryption_key_ids"] == [TEST_KEY_ID]
            assert manifest["signing_key_id"] == signing_key_id
            assert signing_key_id in manifest["checkpoint_key_ids"]

            # No key material: neither the field key (base64 or raw) nor the signing key.
            content = target.read_bytes()
            assert TEST_KEY.encode() not in content
            assert base64.b64decode(TEST_KEY) not in content
            assert b"PRIVATE KEY" not in content
            assert signing_key.read_bytes().splitlines()[1] not in content

            # Restored into an empty database, on a server of its own (no scheduler: nothing
            # moves in it while it is compared).
            assert await tables(restored_url) == []
            restored_env = instance_env(restored_url, signing_key=signing_key)
            result = restore(restored_env, str(target))
            assert result.returncode == 0, result.stderr
            assert "base restaurée" in result.stdout
            assert "attention" not in result.stderr

            verified = rgpd("audit", "verify", env=restored_env, timeout=180)
            assert verified.returncode == 0, verified.stdout + verified.stderr
            assert "journal intègre" in verified.stdout

            restored_server, restored_base = await serving(
                restored_env, tmp_path / "restored.log", "--no-scheduler"
            )
            async with httpx.AsyncClient(
                base_url=restored_base, headers=headers, timeout=60
            ) as api:  # the same token: the accounts are in the backup
                restored_state = await state(api)
        finally:
            assert live.stop() in (0, -15), live.log()
            if restored_server is not None:
                assert restored_server.stop() in (0, -15), restored_server.log()

        # The register.
        assert restored_state["organisations"] == live_state["organisations"]
        assert restored_state["conventions"] == live_state["conventions"]
        live_activities, restored_activities = (
            live_state["activities"],
            restored_state["activities"],
        )
        others = {k: v for k, v in live_activities.items() if k not in written}
        assert {k: v for k, v in restored_activities.items() if k not in written} == others
        # Of the activities written during the backup, a consistent snapshot holds the first
        # ones in order, with no gap: each was committed before the next began.
        kept = [a for a in written if a in restored_activities]
        assert kept == written[: len(kept)]
        assert written_before <= len(kept) <= written_before + written_during
        assert all(restored_activities[a] == live_activities[a] for a in kept)

        # The breaches and their clocks, the outbox (same ids, states, Message-IDs, bodies).
        assert len(live_state["breaches"]) == 4
        assert restored_state["breaches"] == live_state["breaches"]
        assert restored_state["deadlines"] == live_state["deadlines"]
        assert len(live_state["deadlines"]) >= 4
        assert restored_state["outbox"] == live_state["outbox"]
        assert {m["status"] for m in restored_state["outbox"]} == {"pending"}
        assert all(m["message_id"] for m in restored_state["outbox"])
