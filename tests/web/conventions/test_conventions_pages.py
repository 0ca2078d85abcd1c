"""Conventions pages: the list of the user's conventions, and one convention with its dates,
clauses and chain drawn as a picture (with its text alternative)."""

import xml.etree.ElementTree as ET
from datetime import date, timedelta
from html.parser import HTMLParser

from markupsafe import escape

from core.clock import today_local
from register.conventions.terms import add_months
from tests.factories import bodies, make_convention, make_org, make_subprocessor, party, read

SVG = "{http://www.w3.org/2000/svg}"


def svg_of(html: str) -> ET.Element:
    start, end = html.index("<svg"), html.index("</svg>") + len("</svg>")
    return ET.fromstring(html[start:end])


def box_texts(svg: ET.Element) -> list[tuple[int, float, str]]:
    """(level, x, name) of each box: the name's lines joined back with a space."""
    boxes = []
    for group in svg.iter(f"{SVG}g"):
        if group.get("class") != "chain-node":
            continue
        rect = group.find(f"{SVG}rect")
        name = next(t for t in group.iter(f"{SVG}text") if t.get("class") == "chain-name")
        text = " ".join(part.strip() for part in name.itertext() if part.strip())
        boxes.append((int(group.get("data-level")), float(rect.get("x")), text))
    return boxes


def all_svg_text(svg: ET.Element) -> str:
    return " | ".join(" ".join(t.itertext()) for t in svg.iter(f"{SVG}text"))


class ChainList(HTMLParser):
    """Text of the nested list `ul.chain-list`, each piece with its list depth."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.pieces: list[tuple[int, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "ul" and (self.depth or ("class", "chain-list") in attrs):
            self.depth += 1

    def handle_endtag(self, tag):
        if tag == "ul" and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth and data.strip():
            self.pieces.append((self.depth, data.strip()))

    def depth_of(self, text: str) -> int:
        return next(depth for depth, piece in self.pieces if text in piece)


def chain_list(html: str) -> ChainList:
    reader = ChainList()
    reader.feed(html)
    return reader


async def test_the_list_shows_only_the_conventions_of_the_users_bodies(browser, make_user, client):
    world = await bodies(client, breach_notice_channels=["email", "phone"])
    neighbour = await make_org(client, legal_name="Commune de Fresnes")
    syndicate = await make_org(client, kind="syndicat", legal_name="Syndicat du numérique")
    other = await make_convention(
        client,
        processor=syndicate,
        controller=neighbour,
        title="Convention d'hébergement de Fresnes",
    )
    dpo = await make_user("dpd@vitry.fr", (world["commune"]["id"], "dpo"))

    answer = await (await browser(dpo)).get("/conventions")
    assert answer.status_code == 200
    page = answer.text
    assert "<h1>Conventions</h1>" in page
    assert f'href="/conventions/{world["convention"]["id"]}"' in page
    assert "Convention de services informatiques partagés" in page
    assert 'EPT Grand-Orly Seine Bièvre (essai) <span class="role">(Sous-traitant)</span>' in page
    assert 'Commune de Vitry-sur-Seine <span class="role">(Responsable de traitement)' in page
    assert "Contrat de sous-traitance (art. 28)" in page
    assert "01/01/2024" in page
    assert "sans objet" in page  # open-ended: no notice date, no term end
    assert "24 h, courriel et téléphone" in page
    assert other["id"] not in page and "Fresnes" not in page
    assert "Consultation seulement" in page  # nothing to edit here, and said so

    stranger = await make_user("dpd@fresnes.fr", (neighbour["id"], "dpo"))
    page = (await (await browser(stranger)).get("/conventions")).text
    assert other["id"] in page and str(escape("Convention d'hébergement de Fresnes")) in page
    assert world["convention"]["id"] not in page and "Vitry" not in page


async def test_the_list_filters_by_type_and_marks_a_near_notice_date_in_words(
    browser, make_user, client
):
    world = await bodies(client)
    today = today_local()
    # One year, renewable, one month's notice, the term ending in about 45 days: the last
    # day to give notice falls in about 15 days.
    start = add_months(today + timedelta(days=45), -12)
    near = await make_convention(
        client,
        processor=world["ept"],
        controller=world["commune"],
        title="Convention de télégestion",
        kind="prestation_de_services",
        start_date=start.isoformat(),
        duration_months=12,
        tacit_renewals=2,
        notice_months=1,
    )
    computed = await read(client, f"/conventions/{near['id']}")
    deadline = date.fromisoformat(computed["next_notice_deadline"])
    assert 0 < (deadline - today).days <= 30
    dpo = await make_user("dpd@vitry.fr", (world["commune"]["id"], "dpo"))
    http = await browser(dpo)

    page = (await http.get("/conventions?type=prestation_de_services")).text
    assert "Convention de télégestion" in page
    assert "Convention de services informatiques partagés" not in page
    assert deadline.strftime("%d/%m/%Y") in page
    assert f'<span class="badge red">dans {(deadline - today).days} jours</span>' in page
    assert '<option value="prestation_de_services" selected>' in page
    # An unknown type is ignored rather than refused; a convention past its end says so.
    await make_convention(
        client,
        processor=world["ept"],
        controller=world["commune"],
        title="Convention ancienne",
        start_date="2020-01-01",
        duration_months=12,
    )
    page = (await http.get("/conventions?type=nimporte&page=abc")).text
    assert "Convention de télégestion" in page and "Convention de services informatiques" in page
    assert '31/12/2020 <span class="badge">échue</span>' in page


async def test_the_detail_page_shows_parties_dates_clauses_and_the_chain(
    browser, make_user, client
):
    world = await bodies(client)
    ept, commune = world["ept"], world["commune"]
    today = today_local()
    start = add_months(today + timedelta(days=100), -12)
    convention = await make_convention(
        client,
        processor=ept,
        controller=commune,
        title="Convention « SIG & cartographie » mutualisée",
        legal_basis="CGCT L5211-4-1 III",
        start_date=start.isoformat(),
        duration_months=12,
        tacit_renewals=3,
        notice_months=2,
        subprocessor_authorisation="general",
        subprocessor_notice_days=30,
        breach_notice_hours=48,
        breach_notice_channels=["email", "phone"],
        breach_lead_id=commune["id"],
        audit_right=True,
        end_of_service="return_then_delete",
        end_of_service_proof=True,
    )
    host = await make_org(client, kind="other", legal_name="Hébergeur <Nuage> & Cie")
    hosting = await make_subprocessor(
        client,
        processor=ept,
        subprocessor_org_id=host["id"],
        name="Hébergeur <Nuage> & Cie",
        services="Hébergement des serveurs",
        data_locations=["FR", "DE"],
        convention_ids=[convention["id"]],
        contract_start=str(today_local() + timedelta(days=31)),  # after the period to object
    )
    await make_subprocessor(
        client,
        processor=ept,
        name="Prestataire de sauvegarde",
        authorisation="specific",
        contract_start=str(today_local() + timedelta(days=31)),
    )
    elsewhere = await make_convention(client, processor=ept, controller=commune)
    await make_subprocessor(
        client, processor=ept, name="Éditeur hors convention", convention_ids=[elsewhere["id"]]
    )
    dpo = await make_user("dpd@vitry.fr", (commune["id"], "dpo"))
    answer = await (await browser(dpo)).get(f"/conventions/{convention['id']}")
    assert answer.status_code == 200
    page = answer.text
    api = await read(client, f"/conventions/{convention['id']}")

    # Parties with their French role, the legal basis.
    assert "<td>EPT Grand-Orly Seine Bièvre (essai)</td><td>Sous-traitant</td>" in page
    assert "<td>Commune de Vitry-sur-Seine</td><td>Responsable de traitement — chef de file" in page
    assert "CGCT L5211-4-1 III" in page
    # The dates computed by the same terms as the JSON API.
    for key in ("current_term_end", "last_possible_end", "next_notice_deadline"):
        assert date.fromisoformat(api[key]).strftime("%d/%m/%Y") in page, key
    notice = date.fromisoformat(api["next_notice_deadline"])
    shown = page[page.index('<dd class="notice-deadline">') :]
    assert shown[: shown.index("</dd>")].startswith(
        f'<dd class="notice-deadline"><time datetime="{notice.isoformat()}">'
        f"{notice.strftime('%d/%m/%Y')}</time>"
    )
    assert "Dernier jour pour dénoncer la convention avant sa reconduction tacite" in page
    assert "Restitution ou destruction des données à la fin de la convention" in page
    assert "(encore 3 possibles)" in page and "2 mois" in page
    # The clauses, in French.
    assert "<dt>Autorisation</dt><dd>Autorisation générale</dd>" in page
    assert "<dd>30 jours</dd>" in page
    assert "<dd>48 heures</dd>" in page and "<dd>Courriel, Téléphone</dd>" in page
    assert "<dt>Droit d'audit</dt><dd>Prévu</dd>" in page
    assert "<dt>Sort des données</dt><dd>Restitution puis destruction</dd>" in page
    assert "<dt>Preuve de la destruction</dt><dd>Exigée</dd>" in page
    assert "<dt>Chef de file</dt><dd>Commune de Vitry-sur-Seine</dd>" in page

    # The picture: a named, described image whose texts give every party and sub-processor.
    svg = svg_of(page)
    assert svg.get("role") == "img" and svg.get("width") == "100%" and svg.get("viewBox")
    assert svg.get("aria-labelledby") == "chaine-titre chaine-desc"
    assert "SIG & cartographie" in svg.find(f"{SVG}title").text
    description = svg.find(f"{SVG}desc").text
    assert description.startswith(
        "Commune de Vitry-sur-Seine (responsable de traitement) confie le traitement à "
        "EPT Grand-Orly Seine Bièvre (essai) (sous-traitant)."
    )
    assert "recourt à Hébergeur <Nuage> & Cie (sous-traitant ultérieur)" in description
    names = {text for _, _, text in box_texts(svg)}
    assert names == {
        "Commune de Vitry-sur-Seine",
        "EPT Grand-Orly Seine Bièvre (essai)",
        "Hébergeur <Nuage> & Cie",
        "Prestataire de sauvegarde",  # linked to no convention: serves them all
    }
    texts = all_svg_text(svg)
    assert "Responsable de traitement" in texts and "Sous-traitant ultérieur" in texts
    assert "Éditeur hors convention" not in page  # serves another convention only

    # The same chain as a nested list, right below.
    listed = chain_list(page)
    assert listed.depth_of("Commune de Vitry-sur-Seine") == 1
    assert listed.depth_of("EPT Grand-Orly Seine Bièvre (essai)") == 2
    assert listed.depth_of("Hébergeur <Nuage> & Cie") == 3
    assert page.index("</svg>") < page.index('class="chain-list"')

    # The sub-processors of the processor for this convention.
    # Each links to its page, with where it stands (notified: the period to object runs).
    sheet = f'<a href="/sous-traitants/{hosting["id"]}">Hébergeur &lt;Nuage&gt; &amp; Cie</a>'
    assert f"<td>{sheet}</td>" in page
    assert "<td>FR, DE</td>" in page and "<td>Autorisation spécifique</td>" in page
    assert "<td>Notifié, délai d&#39;opposition en cours</td>" in page


async def test_a_three_level_chain_is_drawn_on_three_levels(browser, make_user, client):
    world = await bodies(client)
    ept, commune = world["ept"], world["commune"]
    long_name = (  # 99 characters: the longest names run on three or four lines
        "Syndicat Intercommunal de la Périphérie de Paris pour les Énergies et les Réseaux de "
        "Communication"
    )
    cloud = await make_org(client, kind="other", legal_name=long_name)
    first = await make_subprocessor(
        client,
        processor=ept,
        subprocessor_org_id=cloud["id"],
        name=long_name,
        convention_ids=[world["convention"]["id"]],
    )
    await make_subprocessor(
        client,
        processor=cloud,
        parent_id=first["id"],
        name="Datacentre Marcoussis",
        services="Baies et énergie",
    )
    dpo = await make_user("dpd@vitry.fr", (commune["id"], "dpo"))
    page = (await (await browser(dpo)).get(f"/conventions/{world['convention']['id']}")).text

    boxes = {name: (level, x) for level, x, name in box_texts(svg_of(page))}
    assert boxes["Commune de Vitry-sur-Seine"][0] == 0
    assert boxes["EPT Grand-Orly Seine Bièvre (essai)"][0] == 1
    assert boxes[long_name][0] == 2  # wrapped on several lines, read back whole
    assert boxes["Datacentre Marcoussis"][0] == 3
    xs = [boxes[n][1] for n in ("EPT Grand-Orly Seine Bièvre (essai)", long_name)]
    assert xs[0] < xs[1] < boxes["Datacentre Marcoussis"][1]
    assert "Sous-traitant ultérieur de rang 2" in all_svg_text(svg_of(page))
    listed = chain_list(page)
    assert listed.depth_of("EPT Grand-Orly Seine Bièvre (essai)") == 2
    assert listed.depth_of(long_name) == 3
    assert listed.depth_of("Datacentre Marcoussis") == 4
    # The activity under this convention, linked to its page in the register.
    assert (
        f'<a href="/registre/{world["activity"]["id"]}">VIT-07 — Inscriptions périscolaires</a>'
        in page
    )


async def test_a_service_commun_draws_its_host_and_members_with_their_roles(
    browser, make_user, client
):
    host = await make_org(client, kind="epci_fp", legal_name="Métropole du Grand Nancy")
    essey = await make_org(client, legal_name="Commune d'Essey-lès-Nancy")
    seichamps = await make_org(client, legal_name="Commune de Seichamps")
    convention = await make_convention(
        client,
        parties=[
            party(host, "service_commun_host"),
            party(essey, "service_commun_member"),
            party(seichamps, "service_commun_member"),
        ],
        title="Convention de mutualisation des systèmes d'informations",
        kind="service_commun",
        legal_basis="CGCT L5211-4-2",
    )
    dpo = await make_user("dpd@essey.fr", (essey["id"], "dpo"))
    page = (await (await browser(dpo)).get(f"/conventions/{convention['id']}")).text
    svg = svg_of(page)
    boxes = {name: level for level, _, name in box_texts(svg)}
    assert boxes == {
        "Commune d'Essey-lès-Nancy": 0,
        "Commune de Seichamps": 0,
        "Métropole du Grand Nancy": 1,
    }
    texts = all_svg_text(svg)
    assert "Porteur du service commun" in texts and "Adhérent du service commun" in texts
    assert svg.find(f"{SVG}desc").text.startswith(
        "Commune d'Essey-lès-Nancy (adhérent du service commun) et Commune de Seichamps "
        "(adhérent du service commun) adhèrent au service commun porté par Métropole du Grand "
        "Nancy (porteur du service commun)."
    )
    assert "qui adhèrent au service commun porté par" in page
    assert "Service commun (CGCT L5211-4-2)" in page


async def test_another_bodys_convention_answers_404(browser, make_user, client):
    world = await bodies(client)
    neighbour = await make_org(client, legal_name="Commune de Fresnes")
    stranger = await make_user("dpd@fresnes.fr", (neighbour["id"], "dpo"))
    http = await browser(stranger)
    answer = await http.get(f"/conventions/{world['convention']['id']}")
    assert answer.status_code == 404
    assert "Page introuvable" in answer.text and "Vitry" not in answer.text
    assert (await http.get("/conventions/pas-un-identifiant")).status_code == 404


async def test_a_user_without_a_role_is_refused(browser, make_user, client):
    await bodies(client)
    nobody = await make_user("sans-role@exemple.fr")
    answer = await (await browser(nobody)).get("/conventions")
    assert answer.status_code == 403 and "Accès refusé" in answer.text
