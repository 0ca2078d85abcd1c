"""Severity of a personal data breach by the ENISA method (docs/regulatory.md §5.2).

ENISA, "Recommendations for a methodology of the assessment of severity of personal data
breaches", Working Document v1.0, December 2013:

    SE = DPC × EI + CB

DPC, the data processing context (1 to 4, adjusted by the assessor and kept within 1–4); EI,
the ease of identification (0.25 to 1); CB, the circumstances of the breach (loss of
confidentiality, integrity, availability, malicious intent), added up. Bands: SE < 2 low,
2 ≤ SE < 3 medium, 3 ≤ SE < 4 high, SE ≥ 4 very high; the maximum is 6.

Every score is a Decimal, so the band boundaries (2, 3, 4) are compared exactly.

The score supports, but is not, the test of art. 33 and art. 34 (§5.2): the result says so,
and the decision recorded on the breach is the controller's, on its DPO's advice.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from register.enums import label, labelled

DPC_MIN = Decimal(1)
DPC_MAX = Decimal(4)
HALF = Decimal("0.5")
MALICIOUS_INTENT = Decimal("0.5")


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
        "altered_recoverable": "Données modifiées, récupérables",
        "altered_unrecoverable": "Données modifiées, non récupérables",
    }
)
class IntegrityCircumstance(StrEnum):
    NONE = "none"
    ALTERED_RECOVERABLE = "altered_recoverable"
    ALTERED_UNRECOVERABLE = "altered_unrecoverable"

    @property
    def score(self) -> Decimal:
        return _INTEGRITY[self]


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
_INTEGRITY = {
    IntegrityCircumstance.NONE: Decimal(0),
    IntegrityCircumstance.ALTERED_RECOVERABLE: Decimal("0.25"),
    IntegrityCircumstance.ALTERED_UNRECOVERABLE: Decimal("0.5"),
}
_AVAILABILITY = {
    AvailabilityCircumstance.NONE: Decimal(0),
    AvailabilityCircumstance.TEMPORARY: Decimal("0.25"),
    AvailabilityCircumstance.FULL: Decimal("0.5"),
}
_BAND_FLOORS = (  # highest first: the first floor reached gives the band
    (Decimal(4), SeverityBand.VERY_HIGH),
    (Decimal(3), SeverityBand.HIGH),
    (Decimal(2), SeverityBand.MEDIUM),
)
_BY_BAND = {
    SeverityBand.LOW: Recommendation.DOCUMENT_ONLY,
    SeverityBand.MEDIUM: Recommendation.NOTIFY_CNIL,
    SeverityBand.HIGH: Recommendation.NOTIFY_CNIL_AND_INFORM,
    SeverityBand.VERY_HIGH: Recommendation.NOTIFY_CNIL_AND_INFORM,
}
_RANK = {r: i for i, r in enumerate(Recommendation)}

DECISION_NOTICE = (
    "Ce score éclaire la décision de notifier la CNIL (art. 33) et d'informer les personnes "
    "concernées (art. 34) mais ne la remplace pas : cette décision est prise par le "
    "responsable du traitement sur l'avis du délégué à la protection des données (DPO), "
    "et elle est motivée dans le registre des violations."
)


# Inputs and result -------------------------------------------------------------------------


def _decimal(value: Decimal | int | str | float) -> Decimal:
    if isinstance(value, bool):
        raise TypeError("ajustement : un nombre est attendu, pas un booléen")
    if isinstance(value, float):
        value = repr(value)  # 0.5 stays 0.5, 0.1 stays 0.1 (and is then refused)
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(f"ajustement : {value} n'est pas un nombre fini")
    return number


@dataclass(frozen=True)
class DpcAdjustment:
    """One reason to raise or lower the context score (ENISA: volume, the controller, vulnerable
    people, invalid or old data, data already public, nature of the data), in half steps."""

    delta: Decimal
    justification: str

    def __post_init__(self) -> None:
        delta = _decimal(self.delta)
        if delta % HALF != 0:
            raise ValueError(f"ajustement du contexte : {_fr(delta)} n'est pas un multiple de 0,5")
        if delta == 0:
            raise ValueError("ajustement du contexte : un ajustement nul n'a pas lieu d'être")
        if abs(delta) > DPC_MAX - DPC_MIN:
            raise ValueError(
                f"ajustement du contexte : {_signed(delta)} sort de l'échelle de 1 à 4"
            )
        justification = (self.justification or "").strip()
        if not justification:
            raise ValueError("ajustement du contexte : la justification est obligatoire")
        object.__setattr__(self, "delta", delta)
        object.__setattr__(self, "justification", justification)


@dataclass(frozen=True)
class EnisaScore:
    context: DataProcessingContext
    identification: EaseOfIdentification
    dpc_base: Decimal
    adjustments: tuple[DpcAdjustment, ...]
    dpc_final: Decimal  # base plus adjustments, kept within 1–4
    ei: Decimal
    cb_c: Decimal  # confidentiality
    cb_i: Decimal  # integrity
    cb_a: Decimal  # availability
    cb_malicious: Decimal
    cb: Decimal  # cb_c + cb_i + cb_a + cb_malicious
    se: Decimal  # dpc_final × ei + cb
    band: SeverityBand
    band_recommendation: Recommendation  # what the band alone gives
    special_categories: bool
    recommendation: Recommendation  # after the art. 9/10 floor
    notice: str  # the score supports, but does not replace, the art. 33/34 decision
    explanation: tuple[str, ...]  # French sentences showing the arithmetic, in order


def band_of(se: Decimal) -> SeverityBand:
    """SE < 2 low; 2 ≤ SE < 3 medium; 3 ≤ SE < 4 high; SE ≥ 4 very high (§5.2)."""
    for floor, band in _BAND_FLOORS:
        if se >= floor:
            return band
    return SeverityBand.LOW


def highest_context(*contexts: DataProcessingContext) -> DataProcessingContext:
    """Several kinds of data in one breach: the highest category wins (§5.2)."""
    if not contexts:
        raise ValueError("contexte de traitement : au moins une catégorie est attendue")
    return max((DataProcessingContext(c) for c in contexts), key=lambda c: c.score)


def enisa_score(
    *,
    context: DataProcessingContext,
    identification: EaseOfIdentification,
    confidentiality: ConfidentialityCircumstance = ConfidentialityCircumstance.NONE,
    integrity: IntegrityCircumstance = IntegrityCircumstance.NONE,
    availability: AvailabilityCircumstance = AvailabilityCircumstance.NONE,
    malicious: bool = False,
    adjustments: Sequence[DpcAdjustment] = (),
    special_categories: bool = False,
) -> EnisaScore:
    """SE = DPC × EI + CB, its band, and the recommendation that goes with it.

    Low → document only (art. 33(5)); medium → notify the CNIL; high and very high → notify
    the CNIL and inform the people (art. 34). Art. 9 or art. 10 data (`special_categories`, or
    the "sensitive" context) raise the recommendation to at least notifying the CNIL: for such
    data, damage "should be considered likely" (EDPB Guidelines 9/2022 §102).
    """
    context = DataProcessingContext(context)
    identification = EaseOfIdentification(identification)
    confidentiality = ConfidentialityCircumstance(confidentiality)
    integrity = IntegrityCircumstance(integrity)
    availability = AvailabilityCircumstance(availability)
    adjustments = tuple(adjustments)

    dpc_base = context.score
    dpc_raw = dpc_base + sum((a.delta for a in adjustments), Decimal(0))
    dpc_final = min(max(dpc_raw, DPC_MIN), DPC_MAX)
    ei = identification.score
    cb_c, cb_i, cb_a = confidentiality.score, integrity.score, availability.score
    cb_malicious = MALICIOUS_INTENT if malicious else Decimal(0)
    cb = cb_c + cb_i + cb_a + cb_malicious
    se = dpc_final * ei + cb
    band = band_of(se)

    band_recommendation = _BY_BAND[band]
    special = bool(special_categories) or context is DataProcessingContext.SENSITIVE
    recommendation = band_recommendation
    if special and _RANK[recommendation] < _RANK[Recommendation.NOTIFY_CNIL]:
        recommendation = Recommendation.NOTIFY_CNIL

    explanation = [
        f"Contexte de traitement : {label(context).lower()}, score de base {_fr(dpc_base)}."
    ]
    explanation += [
        f"Ajustement du contexte : {_signed(a.delta)} ({a.justification})." for a in adjustments
    ]
    if adjustments:
        sentence = f"Contexte ajusté : {_fr(dpc_base)}"
        sentence += "".join(f" {_signed(a.delta, spaced=True)}" for a in adjustments)
        sentence += f" = {_fr(dpc_raw)}"
        if dpc_final != dpc_raw:
            sentence += f", ramené à {_fr(dpc_final)} (le contexte reste entre 1 et 4)"
        explanation.append(sentence + ".")
    explanation.append(f"Facilité d'identification : {label(identification).lower()}, {_fr(ei)}.")
    explanation.append(
        f"Circonstances de la violation : confidentialité {_fr(cb_c)}"
        f" + intégrité {_fr(cb_i)} + disponibilité {_fr(cb_a)}"
        f" + intention malveillante {_fr(cb_malicious)} = {_fr(cb)}."
    )
    explanation.append(
        f"Gravité : {_fr(dpc_final)} × {_fr(ei)} + {_fr(cb)} = {_fr(se)} → {label(band).lower()}."
    )
    explanation.append(f"Selon la gravité : {_sentence(band_recommendation)}.")
    if recommendation is not band_recommendation:
        explanation.append(
            "Des données relevant de l'article 9 ou 10 du RGPD sont concernées : le dommage "
            "doit être considéré comme probable (CEPD, lignes directrices 9/2022, §102). "
            f"Recommandation relevée : {_sentence(recommendation)}."
        )
    explanation.append(DECISION_NOTICE)

    return EnisaScore(
        context=context,
        identification=identification,
        dpc_base=dpc_base,
        adjustments=adjustments,
        dpc_final=dpc_final,
        ei=ei,
        cb_c=cb_c,
        cb_i=cb_i,
        cb_a=cb_a,
        cb_malicious=cb_malicious,
        cb=cb,
        se=se,
        band=band,
        band_recommendation=band_recommendation,
        special_categories=special,
        recommendation=recommendation,
        notice=DECISION_NOTICE,
        explanation=tuple(explanation),
    )


# French numbers ----------------------------------------------------------------------------


def _fr(number: Decimal) -> str:
    """0.50 → '0,5', 2.0 → '2', -0.5 → '−0,5' (French decimal comma, typographic minus)."""
    text = f"{abs(number).normalize():f}".replace(".", ",")
    return f"−{text}" if number < 0 else text


def _signed(number: Decimal, *, spaced: bool = False) -> str:
    sign = "−" if number < 0 else "+"
    return f"{sign}{' ' if spaced else ''}{_fr(abs(number))}"


def _sentence(recommendation: Recommendation) -> str:
    text = label(recommendation)
    return text[0].lower() + text[1:]
