"""HSTS follows the rule of the session cookie's Secure flag (api/security/headers.py
`over_tls`): sent when the request's own scheme is https, which uvicorn sets from
X-Forwarded-Proto for a trusted proxy only, or when RGPD_BASE_URL is https. A raw
X-Forwarded-Proto from a client that is not a trusted proxy gets none: a real `rgpd serve`."""

import httpx

from tests.conftest import USE_POSTGRES
from tests.ops.serving import Served
from tests.scheduler.processes import fresh_database, scheduler_env
from tests.smtp_server import free_port

ENGINE = "postgres" if USE_POSTGRES else "sqlite"
HSTS = "strict-transport-security"
FORWARDED = {"X-Forwarded-Proto": "https"}


async def _answer(served: Served, headers: dict[str, str] | None = None) -> httpx.Response:
    await served.wait_until_up()
    async with httpx.AsyncClient(base_url=served.base_url) as http:
        answer = await http.get("/healthz", headers=headers)
    assert answer.status_code == 200
    return answer


async def test_hsts_from_a_trusted_proxy_never_from_a_forged_header(tmp_path):
    async with fresh_database(tmp_path, ENGINE) as url:
        env = scheduler_env(
            url, free_port(), base_url="http://127.0.0.1:8000", scheduler_enabled="false"
        )
        # The default: proxy headers trusted from 127.0.0.1 (nginx on the host), as here.
        trusted = Served(env, tmp_path, name="trusted")
        try:
            assert HSTS not in (await _answer(trusted)).headers  # plain http, no proxy said TLS
            behind_tls = await _answer(trusted, FORWARDED)
            assert behind_tls.headers[HSTS] == "max-age=31536000; includeSubDomains"
        finally:
            assert trusted.stop() == 0, trusted.stderr()
        # The same header from a client that is not the trusted proxy: no HSTS.
        untrusted = Served(env, tmp_path, "--forwarded-allow-ips", "192.0.2.1", name="untrusted")
        try:
            assert HSTS not in (await _answer(untrusted, FORWARDED)).headers
        finally:
            assert untrusted.stop() == 0, untrusted.stderr()


async def test_hsts_on_every_answer_when_the_instance_is_served_over_https(tmp_path):
    async with fresh_database(tmp_path, ENGINE) as url:
        env = scheduler_env(
            url, free_port(), base_url="https://rgpd.exemple.fr", scheduler_enabled="false"
        )
        served = Served(env, tmp_path, "--forwarded-allow-ips", "192.0.2.1")
        try:
            answer = await _answer(served)  # the proxy's own hop, as the base URL says https
            assert answer.headers[HSTS] == "max-age=31536000; includeSubDomains"
        finally:
            assert served.stop() == 0, served.stderr()
