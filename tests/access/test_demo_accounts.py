"""`rgpd demo` accounts: one per role, idempotent, each seeing what its role allows."""

from api.demo_accounts import DEMO_ACCOUNTS, load_demo_accounts
from breach.demo import load_demo_incident
from core.accounts.models import Membership, User
from core.clock import utcnow
from core.scope import Scope
from register.demo import load_demo
from tests.access.conftest import new_client

V1 = "/api/v1"


async def _login(http, email: str, password: str) -> None:
    response = await http.post(f"{V1}/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text


async def test_demo_accounts_sign_in_and_see_their_bodies(db):
    summary = await load_demo(scope=Scope.everything())
    await load_demo_incident(scope=Scope.everything(), now=utcnow())
    await load_demo_accounts(summary.bodies)
    await load_demo_accounts(summary.bodies)  # idempotent
    assert await User.all().count() == len(DEMO_ACCOUNTS)
    assert await Membership.all().count() == 4
    admin, shared_dpo, rssi_gosb, auditor = DEMO_ACCOUNTS
    juvisy, gosb = str(summary.bodies["juvisy"]), str(summary.bodies["gosb"])

    async with new_client() as http:
        await _login(http, shared_dpo.email, shared_dpo.password)
        orgs = {o["id"] for o in (await http.get(f"{V1}/organisations")).json()["items"]}
        assert orgs == {juvisy, gosb}

    async with new_client() as http:
        await _login(http, rssi_gosb.email, rssi_gosb.password)
        (breach,) = (await http.get(f"{V1}/breaches")).json()["items"]
        assert breach["controller_id"] == juvisy  # the breach GOSB must report to Juvisy
        activities = (await http.get(f"{V1}/activities")).json()["items"]
        assert activities and {a["controller_id"] for a in activities} == {gosb}

    async with new_client() as http:
        await _login(http, auditor.email, auditor.password)
        orgs = {o["id"] for o in (await http.get(f"{V1}/organisations")).json()["items"]}
        assert orgs == {juvisy}

    async with new_client() as http:
        await _login(http, admin.email, admin.password)
        total = (await http.get(f"{V1}/organisations")).json()["total"]
        assert total == summary.organisations
