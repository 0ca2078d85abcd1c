"""The register-wide search answered by its index (SQLite FTS5 trigram, PostgreSQL pg_trgm)
finds exactly the rows the previous search found: every folded term a substring of the
folded text (`search_text LIKE '%term%'`, as Tortoise's `__contains` wrote it). The corpus
has accents, capitals, ligatures, apostrophes, hyphens, LIKE wildcards and short words."""

import pytest
from tortoise import connections

from core.text import search_terms
from register.activities import search
from register.activities.models import ProcessingActivity
from tests.factories import API, make_activity, make_org

NAMES = [
    "Tenue des registres d'état civil",
    "ÉTAT DES LIEUX des logements communaux",
    "Gestion de l’état civil (apostrophe typographique)",
    "Œuvres sociales du personnel",
    "Cœur de ville : stationnement résidentiel",
    "Cantine : repas et facturation",
    "Repas des aînés à domicile",
    "Vidéoprotection de la voie publique",
    "Accès aux documents administratifs — CADA",
    "Taux de 100 % de remise_en_état",
    "Île-de-France Mobilités : cartes scolaires",
    "Straße und Maß (ß replié en ss)",
    "Lettre d'information municipale",
    "L'accueil de loisirs sans hébergement",
]
QUERIES = [
    "etat",
    "ÉTAT",
    "État civil",
    "civil état",
    "d'état",
    "l’état",
    "d'information",
    "L'ACCUEIL",
    "oeuvres",
    "œuvres",
    "coeur",
    "repas cantine",
    "repas aines",
    "video",
    "voie publique",
    "ile-de-france",
    "strasse",
    "maß",
    "100 %",
    "%",
    "_",
    "remise_en",
    "ci",
    "é",
    "a",
    "d'",
    "zzz",
    "cada documents",
    "   ",
]


async def _previous_search(q: str) -> set[str]:
    """The search as it was before the index: one substring filter per folded term."""
    query = ProcessingActivity.all()
    for term in search_terms(q):
        query = query.filter(search_text__contains=term)
    return {str(i) for i in await query.values_list("id", flat=True)}


async def _found(client, q: str) -> set[str]:
    response = await client.get(f"{API}/activities", params={"q": q, "limit": 500})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["items"])
    return {item["id"] for item in body["items"]}


async def _same_rows_for_every_query(client) -> int:
    nonempty = 0
    for q in QUERIES:
        expected = await _previous_search(q)
        assert await _found(client, q) == expected, q
        nonempty += bool(expected)
    return nonempty


@pytest.mark.parametrize("indexed", [True, False], ids=["with the index", "without it"])
async def test_the_search_finds_the_same_rows_as_the_substring_search(client, indexed):
    connection = connections.get("default")
    if indexed:
        await search.install(connection)
    org = await make_org(client)
    activities = [await make_activity(client, controller=org, name=name) for name in NAMES]
    first = activities[0]
    await make_activity(client, controller=org, name="Paie", purposes=["Calcul des états"])
    await make_activity(client, controller=org, name="Paie", software="Logiciel État-civil")

    if indexed and connection.capabilities.dialect == "sqlite":  # the triggers filled it
        rows = await connection.execute_query_dict("SELECT count(*) AS n FROM activity_search")
        assert rows[0]["n"] == len(NAMES) + 2
    # The premise: the corpus exercises the search (most queries find something, not all).
    nonempty = await _same_rows_for_every_query(client)
    assert 15 <= nonempty < len(QUERIES) - 2
    assert len(await _found(client, "etat")) >= 5

    # Edits and deletions reach the index in the same transaction.
    renamed = await client.patch(
        f"{API}/activities/{first['id']}", json={"version": first["version"], "name": "Paie"}
    )
    assert renamed.status_code == 200, renamed.text
    deleted = await client.delete(f"{API}/activities/{activities[5]['id']}")
    assert deleted.status_code == 204, deleted.text
    await _same_rows_for_every_query(client)
    assert first["id"] not in await _found(client, "registres")
    assert await _found(client, "cantine") == set()


async def test_the_index_is_filled_with_the_rows_written_before_it(client):
    org = await make_org(client)
    for name in NAMES:
        await make_activity(client, controller=org, name=name)
    await search.install(connections.get("default"))  # what the migration does on a register
    assert await search.has_index(connections.get("default"))
    await _same_rows_for_every_query(client)
