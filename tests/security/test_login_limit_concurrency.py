"""The login limit holds when the attempts arrive together: a real `rgpd serve` process on a
real database (a SQLite file, or a PostgreSQL database in the PostgreSQL run), and real
concurrent HTTP requests. Each attempt is counted by one atomic statement before its password
is checked, so at most the limit of them are ever answered « identifiants incorrects »."""

import asyncio
from collections import Counter

import httpx
import pytest

from core.accounts.service import create_user
from tests.conftest import USE_POSTGRES
from tests.ops.serving import Served
from tests.scheduler.processes import fresh_database, orm, scheduler_env
from tests.smtp_server import free_port

pytestmark = pytest.mark.engine

ENGINE = "postgres" if USE_POSTGRES else "sqlite"
TARGET = "cible@commune-exemple.fr"
PASSWORD = "le vrai mot de passe de la cible"
LOGIN = "/api/v1/auth/login"
OFFICE = "192.0.2.44"


async def _burst(http: httpx.AsyncClient, bodies: list[dict], address: str) -> Counter:
    """Every login at once, from `address` (X-Forwarded-For: the server trusts its proxy on
    127.0.0.1, as behind nginx); the count of each status."""
    headers = {"X-Forwarded-For": address}
    answers = await asyncio.gather(*(http.post(LOGIN, json=b, headers=headers) for b in bodies))
    for answer in answers:
        if answer.status_code == 429:
            assert "trop de tentatives" in answer.json()["detail"]
            assert int(answer.headers["retry-after"]) > 0
    return Counter(answer.status_code for answer in answers)


async def test_concurrent_wrong_passwords_stay_within_each_limit(tmp_path):
    async with fresh_database(tmp_path, ENGINE) as url:
        async with orm(url):
            await create_user(email=TARGET, name="Cible", password=PASSWORD)
        env = scheduler_env(url, free_port(), scheduler_enabled="false")
        web = Served(env, tmp_path)
        try:
            await web.wait_until_up()
            # A connection per request, none kept: an idle one the server closes after its
            # keep-alive delay would fail the next request that tried to reuse it.
            limits = httpx.Limits(max_connections=100, max_keepalive_connections=0)
            async with httpx.AsyncClient(base_url=web.base_url, timeout=120, limits=limits) as http:
                # The owner signs in from their office: that address is theirs for a while.
                owner = {"email": TARGET, "password": PASSWORD}
                office = {"X-Forwarded-For": OFFICE}
                assert (await http.post(LOGIN, json=owner, headers=office)).status_code == 200
                # 80 wrong passwords on one account from one address: 5 checked at most.
                wrong = {"email": TARGET, "password": "mauvais mot de passe"}
                one_account = await _burst(http, [wrong] * 80, "203.0.113.10")
                # 40 wrong passwords on 40 accounts from one other address: 20 at most.
                many = [
                    {"email": f"agent{n}@commune-exemple.fr", "password": "x"} for n in range(40)
                ]
                one_address = await _burst(http, many, "203.0.113.20")
                # 80 addresses at once on one account it never signed in from: 50 at most.
                spread = await asyncio.gather(
                    *(_burst(http, [wrong], f"198.51.100.{n}") for n in range(1, 81))
                )
                spread_total = sum(spread, Counter())
                # The owner is not locked out by any of it from the office; a new address
                # waits for the window to pass.
                at_office = await http.post(LOGIN, json=owner, headers=office)
                elsewhere = await http.post(
                    LOGIN, json=owner, headers={"X-Forwarded-For": "192.0.2.99"}
                )
        finally:
            assert web.stop() == 0, web.stderr()

    assert set(one_account) <= {401, 429} and one_account.total() == 80, one_account
    assert 1 <= one_account[401] <= 5, one_account
    assert set(one_address) <= {401, 429} and one_address.total() == 40, one_address
    assert 1 <= one_address[401] <= 20, one_address
    assert set(spread_total) <= {401, 429} and spread_total.total() == 80, spread_total
    assert spread_total[429] >= 80 - 50, spread_total
    assert at_office.status_code == 200, at_office.text
    assert elsewhere.status_code == 429, elsewhere.text
