"""The ENISA method's scales (docs/regulatory.md §5.2): the closed lists an assessment chooses
from, and the points each level scores, as the method's annexes give them.

ENISA, "Recommendations for a methodology of the assessment of severity of personal data
breaches", Working Document v1.0, December 2013: Annex 1 and Assessment Table 1 (the data
processing context), Annex 2 (the ease of identification), Annex 3 (the circumstances of the
breach). breach.assessment computes the severity from them.
"""

from decimal import Decimal
from enum import StrEnum

from register.enums import labelled

DPC_MIN = Decimal(1)
DPC_MAX = Decimal(4)
MALICIOUS_INTENT = Decimal("0.5")
UNINTELLIGIBLE_EI = Decimal(0)


# The closed lists --------------------------------------------------------------------------


@labelled(
    {
        "simple": "Données simples",
        "behavioural": "Données comportementales",
        "financial": "Données financières",
        "sensitive": "Données sensibles",
    }
)
class DataProcessingContext(StrEnum):
    """Highest category wins; credentials count as the data they unlock (§5.2)."""

    SIMPLE = "simple"
    BEHAVIOURAL = "behavioural"
    FINANCIAL = "financial"
    SENSITIVE = "sensitive"

    @property
    def score(self) -> Decimal:
        return _DPC_BASE[self]


@labelled(
    {
        "negligible": "Négligeable",
        "limited": "Limitée",
        "significant": "Importante",
        "maximum": "Maximale",
    }
)
class EaseOfIdentification(StrEnum):
    """All means reasonably likely to be used count, cross-matching included (§5.2)."""

    NEGLIGIBLE = "negligible"
    LIMITED = "limited"
    SIGNIFICANT = "significant"
    MAXIMUM = "maximum"

    @property
    def score(self) -> Decimal:
        return _EI[self]


@labelled(
    {
        "none": "Données exposées sans indice de traitement illicite",
        "known_recipients": "Données exposées à des destinataires connus",
        "unknown_recipients": "Données exposées à un nombre inconnu de destinataires",
    }
)
class ConfidentialityCircumstance(StrEnum):
    NONE = "none"
    KNOWN_RECIPIENTS = "known_recipients"
    UNKNOWN_RECIPIENTS = "unknown_recipients"

    @property
    def score(self) -> Decimal:
        return _CONFIDENTIALITY[self]


@labelled(
    {
        "none": "Pas d'atteinte à l'intégrité",
        "altered_recoverable": "Données modifiées, les données correctes peuvent être rétablies",
        "altered_unrecoverable": "Données modifiées, sans possibilité de rétablir les données "
        "correctes",
    }
)
class IntegrityCircumstance(StrEnum):
    """Whether the data were altered and can be restored. The score also depends on whether the
    altered data may have been used in an incorrect or illegal way (`integrity_score`)."""

    NONE = "none"
    ALTERED_RECOVERABLE = "altered_recoverable"
    ALTERED_UNRECOVERABLE = "altered_unrecoverable"

    @property
    def altered(self) -> bool:
        return self is not IntegrityCircumstance.NONE


def integrity_score(integrity: "IntegrityCircumstance", possibly_misused: bool | None) -> Decimal:
    """The method's loss of integrity (Annex 3, "Circumstances of breach"):

    - 0: data altered but without any identified incorrect or illegal use (the correct data
      obtained again before the altered data were used), and of course no alteration at all;
    - +0.25: data altered and possibly used in an incorrect or illegal way, but with the
      possibility to recover the correct data;
    - +0.5: data altered and possibly used in an incorrect or illegal way, without the
      possibility to recover them.

    Altered data need the answer to "possibly misused" (None is refused): without it the
    score would be a guess.
    """
    integrity = IntegrityCircumstance(integrity)
    if not integrity.altered:
        return Decimal(0)
    if possibly_misused is None:
        raise ValueError(MISUSE_UNANSWERED)
    if not possibly_misused:
        return Decimal(0)
    return _INTEGRITY_MISUSED[integrity]


MISUSE_UNANSWERED = (
    "perte d'intégrité : indiquez si les données modifiées ont pu être utilisées de façon "
    "incorrecte ou illicite (méthode ENISA, annexe 3)"
)


@labelled(
    {
        "none": "Données récupérables sans difficulté",
        "temporary": "Données temporairement indisponibles",
        "full": "Données totalement indisponibles",
    }
)
class AvailabilityCircumstance(StrEnum):
    NONE = "none"
    TEMPORARY = "temporary"
    FULL = "full"

    @property
    def score(self) -> Decimal:
        return _AVAILABILITY[self]


@labelled({"low": "Faible", "medium": "Moyenne", "high": "Élevée", "very_high": "Très élevée"})
class SeverityBand(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    VERY_HIGH = "very_high"


@labelled(
    {
        "document_only": "Documenter dans le registre des violations (art. 33(5))",
        "notify_cnil": "Notifier la CNIL (art. 33)",
        "notify_cnil_and_inform": (
            "Notifier la CNIL (art. 33) et informer les personnes concernées (art. 34)"
        ),
    }
)
class Recommendation(StrEnum):
    """In increasing order: each one includes the ones before it."""

    DOCUMENT_ONLY = "document_only"
    NOTIFY_CNIL = "notify_cnil"
    NOTIFY_CNIL_AND_INFORM = "notify_cnil_and_inform"


_DPC_BASE = {
    DataProcessingContext.SIMPLE: Decimal(1),
    DataProcessingContext.BEHAVIOURAL: Decimal(2),
    DataProcessingContext.FINANCIAL: Decimal(3),
    DataProcessingContext.SENSITIVE: Decimal(4),
}
_EI = {
    EaseOfIdentification.NEGLIGIBLE: Decimal("0.25"),
    EaseOfIdentification.LIMITED: Decimal("0.5"),
    EaseOfIdentification.SIGNIFICANT: Decimal("0.75"),
    EaseOfIdentification.MAXIMUM: Decimal(1),
}
_CONFIDENTIALITY = {
    ConfidentialityCircumstance.NONE: Decimal(0),
    ConfidentialityCircumstance.KNOWN_RECIPIENTS: Decimal("0.25"),
    ConfidentialityCircumstance.UNKNOWN_RECIPIENTS: Decimal("0.5"),
}
_INTEGRITY_MISUSED = {
    IntegrityCircumstance.ALTERED_RECOVERABLE: Decimal("0.25"),
    IntegrityCircumstance.ALTERED_UNRECOVERABLE: Decimal("0.5"),
}
_AVAILABILITY = {
    AvailabilityCircumstance.NONE: Decimal(0),
    AvailabilityCircumstance.TEMPORARY: Decimal("0.25"),
    AvailabilityCircumstance.FULL: Decimal("0.5"),
}
BAND_FLOORS = (  # highest first: the first floor reached gives the band
    (Decimal(4), SeverityBand.VERY_HIGH),
    (Decimal(3), SeverityBand.HIGH),
    (Decimal(2), SeverityBand.MEDIUM),
)
BY_BAND = {
    SeverityBand.LOW: Recommendation.DOCUMENT_ONLY,
    SeverityBand.MEDIUM: Recommendation.NOTIFY_CNIL,
    SeverityBand.HIGH: Recommendation.NOTIFY_CNIL_AND_INFORM,
    SeverityBand.VERY_HIGH: Recommendation.NOTIFY_CNIL_AND_INFORM,
}
RANK = {r: i for i, r in enumerate(Recommendation)}


def adjustment_range(category: "DataProcessingContext") -> tuple[int, int]:
    """The whole points a category's basic score may move on the method's scale (Assessment
    Table 1): simple +1 to +3, behavioural −1 to +2, financial −2 to +1, sensitive −3 to −1."""
    base = int(DataProcessingContext(category).score)
    return int(DPC_MIN) - base, int(DPC_MAX) - base


def band_of(se: Decimal) -> "SeverityBand":
    """SE < 2 low; 2 ≤ SE < 3 medium; 3 ≤ SE < 4 high; SE ≥ 4 very high (§5.2)."""
    for floor, band in BAND_FLOORS:
        if se >= floor:
            return band
    return SeverityBand.LOW
