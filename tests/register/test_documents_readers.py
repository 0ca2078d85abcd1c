# ruff: noqa: F811 (the access fixtures, imported, are then named as arguments)
"""One rule for who reads an engagement and its documents (issue 16 review): a body that gets
404 on GET /subprocessors/{id} gets 404 on its documents and finds none of them in its
bundle; one that reads the engagement reads them. Chain: EPT → SIIM (hired under the
commune's convention) → a host hired by SIIM, two levels below the commune."""

from uuid import UUID

from register.documents.service import documents_for_body
from tests.access.conftest import client_as, make_user  # noqa: F401 (fixtures)
from tests.factories import API, attach_document, bodies, make_org, make_subprocessor


async def _chain_with_documents(client) -> dict:
    w = await bodies(client)
    siim = await make_org(client, kind="syndicat", legal_name="Syndicat informatique (essai)")
    first = await make_subprocessor(
        client,
        processor=w["ept"],
        name="Syndicat informatique",
        subprocessor_org_id=siim["id"],
        convention_ids=[w["convention"]["id"]],
    )
    deep = await make_subprocessor(client, processor=siim, parent_id=first["id"], name="Hôte")
    docs = {}
    for name, engagement in (("first", first), ("deep", deep)):
        sent = await attach_document(client, engagement=engagement, kind="audit_report")
        assert sent.status_code == 201, sent.text
        docs[name] = sent.json()["id"]
    return w | {"siim": siim, "first": first, "deep": deep, "docs": docs}


async def _in_bundle(organisation_id: str) -> set[str]:
    return {str(h.document.id) for h in await documents_for_body(UUID(organisation_id))}


async def test_the_documents_follow_the_engagement_s_readers(client, make_user, client_as):
    c = await _chain_with_documents(client)
    people = {
        body: await client_as(await make_user(f"dpd@{body}.fr", (c[body]["id"], "dpo")))
        for body in ("commune", "ept", "siim")
    }
    # Premise: the commune reads the engagement serving its convention, not the one below.
    commune = people["commune"]
    assert (await commune.get(f"{API}/subprocessors/{c['first']['id']}")).status_code == 200
    assert (await commune.get(f"{API}/subprocessors/{c['deep']['id']}")).status_code == 404
    for body, http in people.items():
        bundle = await _in_bundle(c[body]["id"])
        for name in ("first", "deep"):
            engagement, doc = c[name]["id"], c["docs"][name]
            reads = (await http.get(f"{API}/subprocessors/{engagement}")).status_code
            listed = await http.get(f"{API}/subprocessors/{engagement}/documents")
            one = await http.get(f"{API}/documents/{doc}/content")
            where = (body, name)
            assert reads in (200, 404), where
            assert listed.status_code == one.status_code == reads, where
            assert (doc in bundle) == (reads == 200), where


async def test_once_the_convention_has_ended_the_documents_follow_the_engagement_still(
    client, make_user, client_as
):
    c = await _chain_with_documents(client)
    commune = await client_as(await make_user("dpd@vitry.fr", (c["commune"]["id"], "dpo")))
    doc = c["docs"]["first"]
    assert (await commune.get(f"{API}/documents/{doc}")).status_code == 200  # premise
    ended = await client.patch(
        f"{API}/conventions/{c['convention']['id']}",
        json={
            "start_date": "2019-01-01",
            "end_date": "2021-07-31",
            "version": c["convention"]["version"],
        },
    )
    assert ended.status_code == 200, ended.text
    # Whatever register.subprocessors.visibility decides for an ended convention, the
    # documents, the list and the bundle decide the same.
    reads = (await commune.get(f"{API}/subprocessors/{c['first']['id']}")).status_code
    assert reads in (200, 404)
    assert (await commune.get(f"{API}/documents/{doc}")).status_code == reads
    listed = await commune.get(f"{API}/subprocessors/{c['first']['id']}/documents")
    assert listed.status_code == reads
    assert (doc in await _in_bundle(c["commune"]["id"])) == (reads == 200)
