"""`rgpd serve` as an operator runs it: JSON logs a collector can read without personal data,
the client's address behind a reverse proxy, several workers refused on SQLite, and a clean
stop (exit 0) on SIGTERM."""

import os

import httpx
import pytest

from tests.cli import rgpd
from tests.conftest import USE_POSTGRES
from tests.ops.serving import EMAIL, Served, admin_token, json_lines
from tests.scheduler.processes import fresh_database, orm, scheduler_env
from tests.smtp_server import free_port

pytestmark = pytest.mark.engine

ENGINE = "postgres" if USE_POSTGRES else "sqlite"
ADMIN = "exploitation@juvisy-exemple.fr"
PERSON = "jean.dupont@exemple.fr"


async def test_json_logs_one_object_per_line_without_query_strings_or_personal_data(tmp_path):
    async with fresh_database(tmp_path, ENGINE) as url:
        async with orm(url):
            token = await admin_token(ADMIN)
        env = scheduler_env(url, free_port(), log_format="json", metrics_enabled="true")
        web = Served(env, tmp_path)
        try:
            await web.wait_until_up()
            bearer = {"Authorization": f"Bearer {token}"}
            async with httpx.AsyncClient(base_url=web.base_url, timeout=30) as http:
                search = await http.get(
                    "/api/v1/activities?q=Dupont&csrf_token=secret", headers=bearer
                )
                assert search.status_code == 200
                assert (await http.get("/healthz?q=Dupont&csrf_token=secret")).status_code == 200
                assert (await http.get("/api/v1/organisations?q=Dupont")).status_code == 401
                login = await http.post(
                    "/api/v1/auth/login", json={"email": PERSON, "password": "Dupont-secret"}
                )
                assert login.status_code == 401
                refused = await http.post(
                    "/api/v1/organisations",
                    headers=bearer,
                    json={"legal_name": "Dupont", "kind": "commune", "siren": "123456789"},
                )
                assert refused.status_code == 422
                assert (await http.get("/metrics")).status_code == 200
        finally:
            code = web.stop()
        assert code == 0, web.stderr()  # a clean stop on SIGTERM, not -15

    text = web.stderr()
    entries = json_lines(text)
    for entry in entries:
        assert {"time", "level", "logger", "pid", "message"} <= set(entry), entry
        assert entry["time"].endswith("+00:00"), entry  # UTC
    loggers = {entry["logger"] for entry in entries}
    assert {"uvicorn.error", "rgpd.scheduler", "rgpd.access"} <= loggers
    assert any(e["message"].startswith("Uvicorn running on") for e in entries)

    access = [e for e in entries if e["logger"] == "rgpd.access"]
    seen = {(e["method"], e["path"], e["status"]) for e in access}
    assert {
        ("GET", "/api/v1/activities", 200),
        ("GET", "/healthz", 200),
        ("GET", "/api/v1/organisations", 401),
        ("POST", "/api/v1/auth/login", 401),
        ("POST", "/api/v1/organisations", 422),
        ("GET", "/metrics", 200),
    } <= seen
    for entry in access:
        assert isinstance(entry["duration_ms"], int | float) and entry["duration_ms"] >= 0
        assert "client" not in entry  # an IP address is personal data: off by default
    # Neither the query string (a search for a person, a CSRF token), nor a body, nor an
    # address, nor the bearer token, anywhere in the stream.
    for secret in ("Dupont", "secret", "csrf_token", "?q=", token, "Bearer"):
        assert secret not in text, secret
    assert not EMAIL.search(text), EMAIL.search(text)[0]


async def test_text_logs_and_the_client_address_behind_the_proxy(tmp_path):
    forwarded = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    async with fresh_database(tmp_path, ENGINE) as url:
        env = scheduler_env(url, free_port(), log_client_address="true", scheduler_enabled="false")
        # The default: text lines, proxy headers trusted from 127.0.0.1 (nginx on the host).
        web = Served(env, tmp_path, name="trusted")
        try:
            await web.wait_until_up()
            async with httpx.AsyncClient(base_url=web.base_url) as http:
                answer = await http.get("/healthz?q=Dupont", headers=forwarded)
                assert answer.status_code == 200
        finally:
            assert web.stop() == 0, web.stderr()
        # A proxy that is not trusted: its headers are ignored.
        untrusted = Served(env, tmp_path, "--forwarded-allow-ips", "192.0.2.1", name="untrusted")
        try:
            await untrusted.wait_until_up()
            async with httpx.AsyncClient(base_url=untrusted.base_url) as http:
                assert (await http.get("/healthz", headers=forwarded)).status_code == 200
        finally:
            assert untrusted.stop() == 0, untrusted.stderr()

    trusted_log = web.stderr()
    (line,) = [x for x in trusted_log.splitlines() if "rgpd.access" in x and "203.0.113.7" in x]
    assert " INFO rgpd.access [" in line and "] 203.0.113.7 GET /healthz 200 " in line
    assert line.endswith(" ms")
    assert "Dupont" not in trusted_log
    assert not any(x.lstrip().startswith("{") for x in trusted_log.splitlines())  # text
    untrusted_log = untrusted.stderr()
    assert "] 127.0.0.1 GET /healthz 200 " in untrusted_log
    assert "203.0.113.7" not in untrusted_log


def test_several_workers_are_refused_on_sqlite(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("RGPD_")}
    env.update(
        RGPD_DATABASE_URL=f"sqlite://{tmp_path / 'rgpd.sqlite3'}",
        RGPD_ENCRYPTION_KEYS=os.environ["RGPD_ENCRYPTION_KEYS"],
    )
    result = rgpd("serve", "--workers", "2", "--port", str(free_port()), env=env)
    assert result.returncode == 2
    assert "--workers 2 demande PostgreSQL" in result.stderr
    assert "une base SQLite ne sert qu'un seul processus" in result.stderr
    assert not (tmp_path / "rgpd.sqlite3").exists()  # refused before anything was opened
