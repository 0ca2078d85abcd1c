"""The chain picture on its own: well-formed whatever the names, a name too long for its box
cut with its whole self kept in a tooltip, and a sentence for a convention with no processor."""

import xml.etree.ElementTree as ET
from uuid import uuid4

from api.web.svg_chain import chain_picture
from register.chains.convention import ChainNode, ConventionChain, Party
from register.enums import PartyRole

SVG = "{http://www.w3.org/2000/svg}"


def node(name: str, role: PartyRole, level: int) -> ChainNode:
    party = Party(uuid4(), name, role)
    return ChainNode(name, party.role_label, level, party=party)


def test_any_name_gives_well_formed_svg_and_a_cut_name_keeps_a_tooltip():
    odd = 'Régie « A&B » <script>alert("x")</script> l\'Haÿ-les-Roses'
    huge = " ".join(["Établissement"] * 40)
    controller = node(odd, PartyRole.CONTROLLER, 0)
    processor = node(huge, PartyRole.PROCESSOR, 1)
    chain = ConventionChain([], [controller], [processor], [])
    picture = chain_picture(chain, title="Chaîne « <b> »")
    svg = ET.fromstring(str(picture.svg))
    assert svg.find(f"{SVG}title").text == "Chaîne « <b> »"
    names = [
        " ".join(t.itertext()) for t in svg.iter(f"{SVG}text") if t.get("class") == "chain-name"
    ]
    assert names[0] == odd
    assert names[1].endswith("…") and len(names[1]) < len(huge)
    tooltips = [
        g.find(f"{SVG}title") for g in svg.iter(f"{SVG}g") if g.get("class") == "chain-node"
    ]
    assert tooltips[0] is None and tooltips[1].text == huge
    assert "<script>" not in str(picture.svg)


def test_joint_controllers_without_processor_are_described_as_such():
    chain = ConventionChain(
        [],
        [
            node("Ville de Sceaux", PartyRole.JOINT_CONTROLLER, 0),
            node("Ville de Bourg-la-Reine", PartyRole.JOINT_CONTROLLER, 0),
        ],
        [],
        [],
    )
    picture = chain_picture(chain, title="Chaîne")
    assert picture.description == (
        "Ville de Sceaux (responsable conjoint) et Ville de Bourg-la-Reine (responsable "
        "conjoint) sont parties à la convention ; aucun sous-traitant n'y figure."
    )
    svg = ET.fromstring(str(picture.svg))
    assert not list(svg.iter(f"{SVG}line"))  # nobody acts for anybody: no arrow
