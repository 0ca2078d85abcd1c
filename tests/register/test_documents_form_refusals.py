"""What an upload form may get wrong is refused in French, naming the field, and nothing is
written: `file` sent as a text, two files for one document (the API used to keep the last one
silently)."""

from tests.factories import API, PDF_BYTES, PNG_BYTES, bodies, problem_at


async def _listed(client, convention_id: str) -> list:
    return (await client.get(f"{API}/conventions/{convention_id}/documents")).json()


async def test_a_text_in_the_file_field_is_named_in_french(client):
    w = await bodies(client)
    path = f"{API}/conventions/{w['convention']['id']}/documents"
    sent = await client.post(path, data={"kind": "annex", "title": "Annexe", "file": "texte"})
    assert problem_at(sent, ["body", "file"]) == "envoyez un fichier dans ce champ, pas un texte"
    assert await _listed(client, w["convention"]["id"]) == []


async def test_two_files_for_one_document_are_refused_not_one_dropped(client):
    w = await bodies(client)
    path = f"{API}/conventions/{w['convention']['id']}/documents"
    form = {"kind": "annex", "title": "Annexe"}
    one = await client.post(path, data=form, files=[("file", ("a.pdf", PDF_BYTES, "x/y"))])
    assert one.status_code == 201, one.text  # premise: one file is attached
    two = await client.post(
        path,
        data=form,
        files=[("file", ("a.pdf", PDF_BYTES, "x/y")), ("file", ("b.png", PNG_BYTES, "x/y"))],
    )
    assert problem_at(two, ["body", "file"]) == "un seul fichier par envoi : choisissez-en un"
    assert [d["id"] for d in await _listed(client, w["convention"]["id"])] == [one.json()["id"]]
