"""Severity of a personal data breach by the ENISA method (docs/regulatory.md §5.2).

ENISA, "Recommendations for a methodology of the assessment of severity of personal data
breaches", Working Document v1.0, December 2013:

    SE = DPC × EI + CB

DPC, the data processing context (1 to 4): each data category hit starts at its basic score and
may be adjusted by whole points on the scale of the method's Assessment Table 1 (DPC scoring,
steps 1 and 2, and Annex 1: "the DPC scoring of any data type can always vary from 1 to 4");
several categories, the highest DPC counts. EI, the ease of identification (0.25 to 1, Annex 2).
CB, the circumstances of the breach (loss of confidentiality, integrity, availability, malicious
intent, Annex 3), added up. Bands: SE < 2 low, 2 ≤ SE < 3 medium, 3 ≤ SE < 4 high, SE ≥ 4 very
high; the maximum is 6.

Data rendered unintelligible (state-of-the-art encryption, the key not compromised) cannot be
matched to anyone by whoever holds them: the method names this criterion among those left
outside the formula, to weigh at the end of the assessment ("number of individuals and
unintelligibility of data"); when it holds, the ease of identification is nil. So here EI = 0
(DPC × EI = 0) and nothing can have been disclosed (confidentiality 0); a loss of integrity or
availability of those data still counts, since encryption does not protect them from being
altered or lost (EDPB Guidelines 9/2022 §II.D; art. 34(3)(a)).

Every score is a Decimal, so the band boundaries (2, 3, 4) are compared exactly.

The score supports, but is not, the test of art. 33 and art. 34 (§5.2): the result says so,
and the decision recorded on the breach is the controller's, on its DPO's advice.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from breach.enisa_scales import (
    BY_BAND,
    DPC_MAX,
    DPC_MIN,
    MALICIOUS_INTENT,
    MISUSE_UNANSWERED,
    RANK,
    UNINTELLIGIBLE_EI,
    AvailabilityCircumstance,
    ConfidentialityCircumstance,
    DataProcessingContext,
    EaseOfIdentification,
    IntegrityCircumstance,
    Recommendation,
    SeverityBand,
    adjustment_range,
    band_of,
    integrity_score,
)
from register.enums import label

__all__ = [
    "DECISION_NOTICE",
    "DPC_MAX",
    "DPC_MIN",
    "MALICIOUS_INTENT",
    "MISUSE_UNANSWERED",
    "UNINTELLIGIBLE_EI",
    "AvailabilityCircumstance",
    "CategoryDpc",
    "ConfidentialityCircumstance",
    "DataProcessingContext",
    "DpcAdjustment",
    "EaseOfIdentification",
    "EnisaScore",
    "IntegrityCircumstance",
    "Recommendation",
    "SeverityBand",
    "adjustment_range",
    "band_of",
    "category_scores",
    "enisa_score",
    "highest_context",
    "integrity_score",
]

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
        value = repr(value)  # 0.5 stays 0.5 (and is then refused: the method has no halves)
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(f"ajustement : {value} n'est pas un nombre fini")
    return number


@dataclass(frozen=True)
class DpcAdjustment:
    """The adjustment of one data category's DPC by the method's "contextual factors to be
    considered in DPC scoring" (volume, special characteristics of the controller or of the
    people; invalid or inaccurate data, data already public, nature of the data). Whole
    points, as in the method's Assessment Table 1, justified. `category`: the data category
    it adjusts; None means the category of the assessment's context."""

    delta: Decimal
    justification: str
    category: DataProcessingContext | None = None

    def __post_init__(self) -> None:
        delta = _decimal(self.delta)
        if delta != delta.to_integral_value():
            raise ValueError(
                f"ajustement du contexte : {_fr(delta)} n'est pas un nombre entier ; la "
                "méthode ENISA ajuste le contexte par points entiers (+1, −1…), pas par "
                "demi-points"
            )
        if delta == 0:
            raise ValueError("ajustement du contexte : un ajustement nul n'a pas lieu d'être")
        if abs(delta) > DPC_MAX - DPC_MIN:
            raise ValueError(
                f"ajustement du contexte : {_signed(delta)} sort de l'échelle de 1 à 4"
            )
        justification = (self.justification or "").strip()
        if not justification:
            raise ValueError("ajustement du contexte : la justification est obligatoire")
        category = DataProcessingContext(self.category) if self.category else None
        object.__setattr__(self, "delta", delta.quantize(Decimal(1)))
        object.__setattr__(self, "justification", justification)
        object.__setattr__(self, "category", category)


@dataclass(frozen=True)
class CategoryDpc:
    """One data category's DPC: its basic score and the score after its adjustment."""

    category: DataProcessingContext
    base: Decimal
    adjustment: DpcAdjustment | None
    final: Decimal


@dataclass(frozen=True)
class EnisaScore:
    context: DataProcessingContext
    identification: EaseOfIdentification
    dpc_base: Decimal  # the basic score of the context's category
    adjustments: tuple[DpcAdjustment, ...]
    categories: tuple[CategoryDpc, ...]  # every category scored, the context's first
    dpc_final: Decimal  # the highest category's DPC (DPC scoring, step 2)
    ei: Decimal  # 0 when the data were unintelligible
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
    integrity_possibly_misused: bool | None = None
    unintelligible: bool = False


def highest_context(*contexts: DataProcessingContext) -> DataProcessingContext:
    """Several kinds of data in one breach: the highest category wins (§5.2)."""
    if not contexts:
        raise ValueError("contexte de traitement : au moins une catégorie est attendue")
    return max((DataProcessingContext(c) for c in contexts), key=lambda c: c.score)


def category_scores(
    context: DataProcessingContext, adjustments: Sequence[DpcAdjustment]
) -> tuple[CategoryDpc, ...]:
    """Each category's DPC (DPC scoring, step 2: "the above steps have to be followed for each
    category"): the context's category, then each other category an adjustment names. One
    adjustment per category, within the method's scale for that category (ValueError, in
    French, naming the adjustment's row otherwise)."""
    by_category: dict[DataProcessingContext, DpcAdjustment] = {}
    for row, adjustment in enumerate(adjustments, start=1):
        category = adjustment.category or context
        if category.score > context.score:
            raise ValueError(
                f"ajustement {row} : « {label(category)} » a un score de base plus élevé que "
                f"le contexte « {label(context)} » ; le contexte est la catégorie la plus "
                "élevée des données violées : choisissez-la comme contexte, ou ajustez une "
                "catégorie de données moins sensible présente dans la violation"
            )
        if category in by_category:
            raise ValueError(
                f"ajustement {row} : « {label(category)} » est déjà ajustée ; la méthode "
                "donne un seul niveau par catégorie de données : réunissez les motifs dans "
                "une seule justification"
            )
        low, high = adjustment_range(category)
        if not low <= adjustment.delta <= high:
            raise ValueError(
                f"ajustement {row} : {_signed(adjustment.delta)} sort de l'échelle de la "
                f"méthode pour « {label(category)} » (score de base {_fr(category.score)}, "
                f"ajustement de {_signed(Decimal(low))} à {_signed(Decimal(high))} : le "
                "contexte reste entre 1 et 4)"
            )
        by_category[category] = adjustment
    order = [context] + [c for c in by_category if c is not context]
    return tuple(
        CategoryDpc(
            category=c,
            base=c.score,
            adjustment=by_category.get(c),
            final=c.score + (by_category[c].delta if c in by_category else Decimal(0)),
        )
        for c in order
    )


def enisa_score(
    *,
    context: DataProcessingContext,
    identification: EaseOfIdentification,
    confidentiality: ConfidentialityCircumstance = ConfidentialityCircumstance.NONE,
    integrity: IntegrityCircumstance = IntegrityCircumstance.NONE,
    integrity_possibly_misused: bool | None = None,
    availability: AvailabilityCircumstance = AvailabilityCircumstance.NONE,
    malicious: bool = False,
    unintelligible: bool = False,
    adjustments: Sequence[DpcAdjustment] = (),
    special_categories: bool = False,
) -> EnisaScore:
    """SE = DPC × EI + CB, its band, and the recommendation that goes with it.

    Low → document only (art. 33(5)); medium → notify the CNIL; high and very high → notify
    the CNIL and inform the people (art. 34). Art. 9 or art. 10 data (`special_categories`, or
    the "sensitive" context) raise the recommendation to at least notifying the CNIL: for such
    data, damage "should be considered likely" (EDPB Guidelines 9/2022 §102), unless the data
    were unintelligible and neither altered nor lost (§II.D, art. 34(3)(a)).
    """
    context = DataProcessingContext(context)
    identification = EaseOfIdentification(identification)
    confidentiality = ConfidentialityCircumstance(confidentiality)
    integrity = IntegrityCircumstance(integrity)
    availability = AvailabilityCircumstance(availability)
    adjustments = tuple(adjustments)
    misused = integrity_possibly_misused if integrity.altered else None

    categories = category_scores(context, adjustments)
    dpc_final = max(c.final for c in categories)
    ei = UNINTELLIGIBLE_EI if unintelligible else identification.score
    cb_c = Decimal(0) if unintelligible else confidentiality.score
    cb_i = integrity_score(integrity, misused)
    cb_a = availability.score
    cb_malicious = MALICIOUS_INTENT if malicious else Decimal(0)
    cb = cb_c + cb_i + cb_a + cb_malicious
    se = dpc_final * ei + cb
    band = band_of(se)

    band_recommendation = BY_BAND[band]
    special = bool(special_categories) or context is DataProcessingContext.SENSITIVE
    neutralised = unintelligible and cb_i == 0 and cb_a == 0
    recommendation = band_recommendation
    if special and not neutralised and RANK[recommendation] < RANK[Recommendation.NOTIFY_CNIL]:
        recommendation = Recommendation.NOTIFY_CNIL

    explanation = _explain(
        context=context,
        identification=identification,
        categories=categories,
        dpc_final=dpc_final,
        ei=ei,
        circumstances=(cb_c, cb_i, cb_a, cb_malicious, cb),
        integrity=integrity,
        misused=misused,
        unintelligible=unintelligible,
        se=se,
        band=band,
    )
    explanation.append(f"Selon la gravité : {_sentence(band_recommendation)}.")
    if recommendation is not band_recommendation:
        explanation.append(
            "Des données relevant de l'article 9 ou 10 du RGPD sont concernées : le dommage "
            "doit être considéré comme probable (CEPD, lignes directrices 9/2022, §102). "
            f"Recommandation relevée : {_sentence(recommendation)}."
        )
    elif special and neutralised and band_recommendation is Recommendation.DOCUMENT_ONLY:
        explanation.append(
            "Des données relevant de l'article 9 ou 10 du RGPD sont concernées, mais elles "
            "étaient inintelligibles et n'ont été ni modifiées ni perdues : la notification "
            "n'est pas requise à ce titre (CEPD, lignes directrices 9/2022, §II.D ; art. 34.3.a)."
        )
    explanation.append(DECISION_NOTICE)

    return EnisaScore(
        context=context,
        identification=identification,
        dpc_base=context.score,
        adjustments=adjustments,
        categories=categories,
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
        integrity_possibly_misused=misused,
        unintelligible=bool(unintelligible),
    )


def _explain_context(
    context: DataProcessingContext, categories: tuple[CategoryDpc, ...], dpc_final: Decimal
) -> list[str]:
    sentences = [
        f"Contexte de traitement : {label(context).lower()}, score de base {_fr(context.score)}."
    ]
    for c in categories:
        a = c.adjustment
        if a is None:
            continue
        sentences.append(
            f"Ajustement du contexte ({label(c.category).lower()}) : {_signed(a.delta)} "
            f"({a.justification})."
        )
        sentences.append(
            f"Contexte ajusté ({label(c.category).lower()}) : {_fr(c.base)} "
            f"{_signed(a.delta, spaced=True)} = {_fr(c.final)}."
        )
    if len(categories) > 1:
        highest = max(categories, key=lambda c: c.final)
        sentences.append(
            f"Plusieurs catégories de données : le contexte le plus élevé est retenu, "
            f"{_fr(dpc_final)} ({label(highest.category).lower()})."
        )
    return sentences


def _explain_integrity(integrity: IntegrityCircumstance, misused: bool | None) -> list[str]:
    if not integrity.altered:
        return []
    if misused:
        how = "ont pu être utilisées de façon incorrecte ou illicite"
    else:
        how = "n'ont pas été utilisées de façon incorrecte ou illicite : intégrité comptée 0"
    return [f"Intégrité : {label(integrity).lower()} ; les données modifiées {how}."]


def _explain(
    *,
    context: DataProcessingContext,
    identification: EaseOfIdentification,
    categories: tuple[CategoryDpc, ...],
    dpc_final: Decimal,
    ei: Decimal,
    circumstances: tuple[Decimal, Decimal, Decimal, Decimal, Decimal],
    integrity: IntegrityCircumstance,
    misused: bool | None,
    unintelligible: bool,
    se: Decimal,
    band: SeverityBand,
) -> list[str]:
    cb_c, cb_i, cb_a, cb_malicious, cb = circumstances
    explanation = _explain_context(context, categories, dpc_final)
    if unintelligible:
        explanation.append(
            "Données inintelligibles pour qui les détient (chiffrement à l'état de l'art, clé "
            "non compromise) : facilité d'identification 0 et aucune perte de confidentialité "
            "(méthode ENISA : inintelligibilité des données, critère laissé hors de la formule)."
        )
    else:
        explanation.append(
            f"Facilité d'identification : {label(identification).lower()}, {_fr(ei)}."
        )
    explanation += _explain_integrity(integrity, misused)
    explanation.append(
        f"Circonstances de la violation : confidentialité {_fr(cb_c)}"
        f" + intégrité {_fr(cb_i)} + disponibilité {_fr(cb_a)}"
        f" + intention malveillante {_fr(cb_malicious)} = {_fr(cb)}."
    )
    explanation.append(
        f"Gravité : {_fr(dpc_final)} × {_fr(ei)} + {_fr(cb)} = {_fr(se)} → {label(band).lower()}."
    )
    return explanation


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
