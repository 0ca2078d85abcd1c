"""What the CNIL's form asks beside art. 33(3): the other authorities told of the breach, and
whether the processing is cross-border (docs/regulatory.md §4, "Cross-border / other
authority"; §7 for NIS2).

Facts of the breach, each with three answers: not known yet (None: the document says « non
renseigné »), no (an empty list, False: « Non »), or yes with the details:
- `other_authorities`: ANSSI (CERT-FR: a significant incident under NIS2, or a voluntary
  report), a complaint filed with the police or the gendarmerie (which service, when, its
  number), another data protection authority (cross-border processing), another authority;
- `cross_border` and `other_member_states`: a processing in several Member States, or
  substantially affecting people in several (art. 4(23)). A French public body acting on its
  public tasks answers to the CNIL alone (art. 55(2), no one-stop shop): the other Member
  States say whose residents are hit, the other authorities whom the controller told.

A complete notification (everything known at once, the CNIL's « notification complète ») needs
every element of art. 33(3) known: `missing_for_complete` names those that are not.
"""

from datetime import date
from enum import StrEnum

from pydantic import model_validator

from breach.phases import unknown_facts
from core.clock import today_local
from core.errors import FieldError
from register.enums import labelled
from register.schemas_common import Shape, Text


@labelled(
    {
        "anssi": "ANSSI (CERT-FR) : incident signalé au titre de NIS 2 ou volontairement",
        "police": "Plainte déposée auprès de la police ou de la gendarmerie",
        "other_dpa": "Autre autorité de protection des données (traitement transfrontalier)",
        "other": "Autre autorité",
    }
)
class AuthorityKind(StrEnum):
    ANSSI = "anssi"
    POLICE = "police"
    OTHER_DPA = "other_dpa"
    OTHER = "other"


# The other Member States of the EEA (the GDPR applies in the EEA; France is the CNIL's).
@labelled(
    {
        "DE": "Allemagne",
        "AT": "Autriche",
        "BE": "Belgique",
        "BG": "Bulgarie",
        "CY": "Chypre",
        "HR": "Croatie",
        "DK": "Danemark",
        "ES": "Espagne",
        "EE": "Estonie",
        "FI": "Finlande",
        "GR": "Grèce",
        "HU": "Hongrie",
        "IE": "Irlande",
        "IS": "Islande",
        "IT": "Italie",
        "LV": "Lettonie",
        "LI": "Liechtenstein",
        "LT": "Lituanie",
        "LU": "Luxembourg",
        "MT": "Malte",
        "NO": "Norvège",
        "NL": "Pays-Bas",
        "PL": "Pologne",
        "PT": "Portugal",
        "CZ": "Tchéquie",
        "RO": "Roumanie",
        "SK": "Slovaquie",
        "SI": "Slovénie",
        "SE": "Suède",
    }
)
class MemberState(StrEnum):
    DE = "DE"
    AT = "AT"
    BE = "BE"
    BG = "BG"
    CY = "CY"
    HR = "HR"
    DK = "DK"
    ES = "ES"
    EE = "EE"
    FI = "FI"
    GR = "GR"
    HU = "HU"
    IE = "IE"
    IS = "IS"
    IT = "IT"
    LV = "LV"
    LI = "LI"
    LT = "LT"
    LU = "LU"
    MT = "MT"
    NO = "NO"
    NL = "NL"
    PL = "PL"
    PT = "PT"
    CZ = "CZ"
    RO = "RO"
    SK = "SK"
    SI = "SI"
    SE = "SE"


# What each kind needs said: a complaint names the service and the day it was filed.
_REQUIRED = {
    AuthorityKind.POLICE: ("name", "on"),
    AuthorityKind.OTHER_DPA: ("name",),
    AuthorityKind.OTHER: ("name",),
}
_MISSING = {
    "name": "indiquez le service ou l'autorité (par exemple : commissariat de Juvisy-sur-Orge)",
    "on": "indiquez la date de la plainte ou du signalement",
}


class OtherAuthority(Shape):
    """One other authority told of the breach."""

    kind: AuthorityKind
    name: Text | None = None  # the service or the authority (commissariat, BfDI…)
    on: date | None = None  # the day of the complaint or the report
    reference: Text | None = None  # the complaint's or the report's number

    @model_validator(mode="after")
    def _what_the_kind_needs(self) -> "OtherAuthority":
        for name in _REQUIRED.get(self.kind, ()):
            if getattr(self, name) is None:
                raise FieldError(name, _MISSING[name])
        if self.on is not None and self.on > today_local():
            raise FieldError("on", "date dans le futur : indiquez le jour où elle a été informée")
        return self


def check_cross_border(cross_border: bool | None, member_states: list) -> None:
    """Other Member States are named only for a cross-border processing."""
    if member_states and cross_border is not True:
        raise FieldError(
            "other_member_states",
            "d'autres États membres ne se citent que pour un traitement transfrontalier "
            "(cross_border : oui)",
        )
    repeated = sorted({str(s) for s in member_states if member_states.count(s) > 1})
    if repeated:
        raise FieldError(
            "other_member_states",
            f"État membre cité plusieurs fois : {', '.join(repeated)} ; citez chacun une fois",
        )


def missing_for_complete(breach) -> list[str]:
    """What a complete notification would still lack (`breach`: a Breach row): the art. 33(3)
    facts unknown (breach.phases.unknown_facts, the one list), then the form's other answers
    not given yet."""
    answers = (
        (breach.other_authorities is None, "autres autorités informées"),
        (breach.cross_border is None, "caractère transfrontalier"),
    )
    return unknown_facts(breach) + [text for missing, text in answers if missing]
