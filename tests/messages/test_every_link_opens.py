"""Every link a message carries opens its page for the person it is addressed to.

Every template of templates/mail/ (listed from the directory, so a new one without a producer
here fails the test) is produced through the code path that sends it: the breach reminders
and the NIS2 reminders (the reminder pass), the processor's notice to the controller and the
reminder to phone, the CNIL document, the communication to the people, the sub-processor
notice, the convention alerts, a party's notice under a convention, the NIS2 report draft.
Each link on the instance is opened, signed in as each recipient (a user of the body whose DPO
or RSSI address it is, with that role): 200. A link outside the instance must be one of the
public addresses the messages may quote (the CNIL's). The calendar feed of each body is checked
the same way.
"""

import re
from urllib.parse import urlsplit
from uuid import UUID

import httpx
import pytest

from breach.reminders import write_due_reminders
from core.clock import utcnow
from core.config import get_settings
from core.outbox.models import OutboxMessage
from core.templating import TEMPLATES_DIR, environment
from register.conventions.alerts import (
    events_of,
    next_alert_at,
    write_due_convention_alerts,
)
from register.conventions.models import Convention
from tests.access.conftest import new_client
from tests.factories import (
    API,
    ASSESS_FINANCIAL,
    COMMUNE_DPO,
    COMMUNE_RSSI,
    DECIDE_HIGH,
    EPT_DPO,
    EPT_RSSI,
    ago,
    bodies,
    declare_on,
    done,
    iso,
    make_convention,
    make_subprocessor,
    read,
    with_facts,
)
from tests.web.conftest import sign_in

URL = re.compile(r"https?://[^\s<>\"'()\[\]]+")
# Public pages a message may quote: the CNIL's notification service and site.
PUBLIC_HOSTS = {"notifications.cnil.fr", "www.cnil.fr", "cnil.fr"}
PEOPLE = ["claire.martin@usagers-exemple.fr", "jose.garcia@usagers-exemple.fr"]


def mail_templates() -> set[str]:
    return {f"mail/{p.name}" for p in (TEMPLATES_DIR / "mail").glob("*.j2")}


def links(text: str) -> list[str]:
    return [u.rstrip(".,;:!?»") for u in URL.findall(text)]


def on_instance(url: str) -> str | None:
    """The path of a link to this instance, or None for a link elsewhere."""
    base = get_settings().base_url.strip().rstrip("/")
    if base and url.startswith(base + "/"):
        return url[len(base) :]
    return None


@pytest.fixture
def rendered(monkeypatch) -> set[str]:
    """The message templates rendered while the test runs (a spy: the real rendering runs)."""
    seen: set[str] = set()
    env = environment()
    original = env.get_template

    def spy(name, *args, **kwargs):
        seen.add(str(name))
        return original(name, *args, **kwargs)

    monkeypatch.setattr(env, "get_template", spy)
    return seen


class Recipients:
    """A signed-in browser per address of the world: the body's DPO or RSSI."""

    def __init__(self, make_user, bodies_by_address: dict[str, tuple[str, str]]):
        self.make_user = make_user
        self.bodies = bodies_by_address
        self.browsers: dict[str, httpx.AsyncClient] = {}

    async def browser(self, address: str) -> httpx.AsyncClient:
        if address not in self.browsers:
            org_id, role = self.bodies[address]
            await self.make_user(address, (org_id, role))
            http = new_client()
            answer = await sign_in(http, address)
            assert answer.status_code == 303, answer.text
            self.browsers[address] = http
        return self.browsers[address]

    async def close(self) -> None:
        for http in self.browsers.values():
            await http.aclose()


async def opens_for(recipients: Recipients, addresses: list[str], url: str, where: str) -> None:
    path = on_instance(url)
    if path is None:
        assert urlsplit(url).hostname in PUBLIC_HOSTS, f"{where}: lien externe inattendu {url}"
        return
    for address in addresses:
        if address in PEOPLE:  # the people have no account: a link to them must be public
            async with new_client() as anonymous:
                page = await anonymous.get(path)
        else:
            assert address in recipients.bodies, f"{where}: destinataire sans compte {address}"
            page = await (await recipients.browser(address)).get(path)
        assert page.status_code == 200, (where, address, url, page.status_code)


async def _world(client) -> dict:
    """The EPT processing for the commune under a convention that asks for e-mail and phone,
    with a general authorisation of sub-processors; the commune an essential NIS2 entity."""
    world = await bodies(
        client,
        breach_notice_channels=["email", "phone"],
        subprocessor_authorisation="general",
        subprocessor_notice_days=30,
        duration_months=12,
        tacit_renewals=3,
        notice_months=3,
    )
    commune = world["commune"]
    essential = await client.patch(
        f"{API}/organisations/{commune['id']}",
        json={"version": commune["version"], "nis2_status": "essential"},
    )
    assert essential.status_code == 200, essential.text
    activity = world["activity"]
    review = await client.patch(
        f"{API}/activities/{activity['id']}",
        json={"version": activity["version"], "next_review": "2027-03-01"},
    )
    assert review.status_code == 200, review.text
    return world


async def _produce(client, world) -> tuple[list[tuple[str, list[str], str]], dict]:
    """Every message, through its code path: (where, recipients, text)."""
    ept, commune, activity = world["ept"], world["commune"], world["activity"]
    texts: list[tuple[str, list[str], str]] = []

    # The EPT's breach of the commune's data: its notice to the commune is overdue (24 h).
    hosted = await with_facts(
        client, await declare_on(client, ept, [activity["id"]], detected=ago(hours=30))
    )
    assert hosted["path"] == "processor"
    # The commune's own breach, 70 h after awareness: its CNIL clock has 2 h left.
    own = await declare_on(client, commune, [activity["id"]], detected=ago(hours=70))
    # NIS2: significant, aware 23 h ago: the early warning (24 h) is 1 h away.
    decided = await client.post(
        f"{API}/incidents/{own['incident_id']}/nis2/decision",
        json={
            "significant": True,
            "reasons": "Services à la population arrêtés.",
            "aware_at": iso(ago(hours=23)),
        },
    )
    assert decided.status_code == 200, decided.text
    draft = await read(client, f"/incidents/{own['incident_id']}/nis2/draft")
    texts.append(("nis2_report", [COMMUNE_RSSI, COMMUNE_DPO], draft["body"]))

    reminders = await write_due_reminders(now=utcnow())
    assert reminders.written >= 3, reminders  # the notice, the CNIL clock, the early warning

    # The notice to the commune, and the reminder to phone it (the convention says so).
    await done(client, hosted, "controller-notice", late_reason="Astreinte prévenue tard.")

    # The CNIL document and the communication to the people.
    own = await with_facts(client, own)
    own = await done(client, own, "assessment", **ASSESS_FINANCIAL)
    own = await done(client, own, "decision", **DECIDE_HIGH)
    own = await done(client, own, "notifications", sent_at=iso(ago(minutes=10)))
    (cnil,) = [n for n in own["notifications"] if n["recipient"] == "cnil"]
    texts.append(("cnil_notification", [COMMUNE_DPO], cnil["message_body"]))
    await done(
        client,
        own,
        "notifications",
        recipient="data_subjects",
        channel="email",
        sent_at=iso(ago(minutes=5)),
        addresses=PEOPLE,
    )

    # A sub-processor under the general authorisation: the commune is told (art. 28(2)).
    await make_subprocessor(
        client,
        processor=ept,
        name="Hébergeur Cloud Sud",
        convention_ids=[world["convention"]["id"]],
        activity_ids=[activity["id"]],
        contract_start=str(ago(days=-60).date()),  # after the 30 days to object
    )

    # The convention's next alert, written at its moment.
    convention = await Convention.get(id=UUID(world["convention"]["id"]))
    today = utcnow().date()
    moments = [m for e in events_of(convention, today) if (m := next_alert_at(e.day, utcnow()))]
    assert moments, "the convention has a date to remind"
    alerts = await write_due_convention_alerts(now=min(moments))
    assert alerts.written >= 1, alerts

    # The commune gives notice under the clause: the EPT is told.
    current = await read(client, f"/conventions/{world['convention']['id']}")
    noticed = await client.post(
        f"{API}/conventions/{current['id']}/notice",
        json={
            "version": current["version"],
            "organisation_id": commune["id"],
            "given_on": str(today),
        },
    )
    assert noticed.status_code == 200, noticed.text

    # A convention ended last year whose data the EPT was to destroy: its steps are overdue.
    await make_convention(
        client,
        processor=ept,
        controller=commune,
        start_date="2024-01-01",
        end_date="2025-06-30",
        end_of_service="delete",
    )
    steps = await write_due_convention_alerts(now=utcnow())
    assert steps.written >= 1, steps
    fates = [m async for m in OutboxMessage.filter(kind="convention_reminder")]
    assert any("sort des données à la fin" in m.body_text for m in fates), "steps reminded"

    for message in await OutboxMessage.all().order_by("created_at"):
        texts.append((message.kind, [*message.to_addrs, *message.cc_addrs], message.body_text))
    return texts, {"hosted": hosted, "own": own}


async def test_every_link_of_every_message_template_opens_for_its_recipients(
    client, make_user, rendered
):
    world = await _world(client)
    texts, _ = await _produce(client, world)

    missing = mail_templates() - rendered
    assert not missing, f"modèles de message sans producteur dans ce test : {sorted(missing)}"

    recipients = Recipients(
        make_user,
        {
            EPT_DPO: (world["ept"]["id"], "dpo"),
            EPT_RSSI: (world["ept"]["id"], "security_officer"),
            COMMUNE_DPO: (world["commune"]["id"], "dpo"),
            COMMUNE_RSSI: (world["commune"]["id"], "security_officer"),
        },
    )
    opened = 0
    try:
        for where, addresses, text in texts:
            assert addresses, f"{where}: sans destinataire"
            for url in links(text):
                await opens_for(recipients, addresses, url, where)
                opened += on_instance(url) is not None
    finally:
        await recipients.close()
    # The premise: the reminders and alerts carry links to the instance, and they were opened.
    kinds_with_links = {w for w, _, t in texts if any(on_instance(u) for u in links(t))}
    assert {"breach_reminder", "convention_reminder", "nis2_reminder"} <= kinds_with_links
    assert opened >= 4


async def test_every_link_of_each_bodys_calendar_opens_for_its_people(client, make_user, client_as):
    world = await _world(client)
    activity = [world["activity"]["id"]]
    # A notice the EPT owes the commune, and the commune's own CNIL clock, both running.
    await declare_on(client, world["ept"], activity, detected=ago(hours=3))
    await declare_on(client, world["commune"], activity, detected=ago(hours=2))
    for org, address, role in (
        (world["ept"], EPT_RSSI, "security_officer"),
        (world["commune"], COMMUNE_DPO, "dpo"),
    ):
        user = await make_user(address, (org["id"], role))
        feed = await (await client_as(user)).get(f"{API}/organisations/{org['id']}/calendar.ics")
        assert feed.status_code == 200, feed.text
        text = feed.text.replace("\r\n ", "").replace("\\n", "\n").replace("\\,", ",")
        urls = [u for u in links(text) if on_instance(u)]
        pages = {urlsplit(u).path.split("/")[1] for u in urls}
        expected = {"violations", "conventions"} | (
            {"registre"} if org is world["commune"] else set()
        )
        assert pages == expected, (org["legal_name"], pages)
        async with new_client() as http:
            assert (await sign_in(http, address)).status_code == 303
            for url in set(urls):
                page = await http.get(on_instance(url))
                assert page.status_code == 200, (org["legal_name"], url, page.status_code)
