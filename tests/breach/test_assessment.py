"""ENISA severity (docs/regulatory.md §5.2): SE = DPC × EI + CB, its bands, and what it
recommends under art. 33 and art. 34, which it supports but does not decide."""

from decimal import Decimal

import pytest

from breach.assessment import (
    DECISION_NOTICE,
    AvailabilityCircumstance,
    ConfidentialityCircumstance,
    DataProcessingContext,
    DpcAdjustment,
    EaseOfIdentification,
    IntegrityCircumstance,
    Recommendation,
    SeverityBand,
    band_of,
    enisa_score,
    highest_context,
)
from register.enums import catalogue, label

D = Decimal
SIMPLE, BEHAVIOURAL, FINANCIAL, SENSITIVE = DataProcessingContext
NEGLIGIBLE, LIMITED, SIGNIFICANT, MAXIMUM = EaseOfIdentification


def test_the_worked_example_simple_data_limited_identification_known_recipients_is_low():
    score = enisa_score(
        context=SIMPLE,
        identification=LIMITED,
        confidentiality=ConfidentialityCircumstance.KNOWN_RECIPIENTS,
    )
    assert (score.dpc_base, score.dpc_final, score.ei, score.cb, score.se) == (
        D(1),
        D(1),
        D("0.5"),
        D("0.25"),
        D("0.75"),
    )
    assert score.band is SeverityBand.LOW
    assert score.recommendation is Recommendation.DOCUMENT_ONLY
    assert "Gravité : 1 × 0,5 + 0,25 = 0,75 → faible." in score.explanation


def test_the_circumstances_are_broken_down():
    score = enisa_score(
        context=SIMPLE,
        identification=MAXIMUM,
        confidentiality=ConfidentialityCircumstance.UNKNOWN_RECIPIENTS,
        integrity=IntegrityCircumstance.ALTERED_RECOVERABLE,
        integrity_possibly_misused=True,
        availability=AvailabilityCircumstance.TEMPORARY,
        malicious=True,
    )
    assert (score.cb_c, score.cb_i, score.cb_a, score.cb_malicious) == (
        D("0.5"),
        D("0.25"),
        D("0.25"),
        D("0.5"),
    )
    assert score.cb == D("1.5")
    assert score.se == D("2.5")
    assert (
        "Circonstances de la violation : confidentialité 0,5 + intégrité 0,25"
        " + disponibilité 0,25 + intention malveillante 0,5 = 1,5."
    ) in score.explanation


def test_malicious_intent_adds_half_a_point():
    without = enisa_score(context=BEHAVIOURAL, identification=SIGNIFICANT)
    with_intent = enisa_score(context=BEHAVIOURAL, identification=SIGNIFICANT, malicious=True)
    assert with_intent.se - without.se == D("0.5")
    assert (without.band, with_intent.band) == (SeverityBand.LOW, SeverityBand.MEDIUM)


# Bands -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "se", "band"),
    [
        # 1 × 1 + 0.25 + 0.5 = 1.75
        (
            {
                "context": SIMPLE,
                "identification": MAXIMUM,
                "confidentiality": "known_recipients",
                "malicious": True,
            },
            "1.75",
            SeverityBand.LOW,
        ),
        # 2 × 1 + 0 = 2, exactly
        ({"context": BEHAVIOURAL, "identification": MAXIMUM}, "2", SeverityBand.MEDIUM),
        # 1 × 0.5 + 0.5 + 0.5 + 0.5 = 2, reached through the circumstances
        (
            {
                "context": SIMPLE,
                "identification": LIMITED,
                "confidentiality": "unknown_recipients",
                "integrity": "altered_unrecoverable",
                "integrity_possibly_misused": True,
                "availability": "full",
            },
            "2",
            SeverityBand.MEDIUM,
        ),
        # 3 × 0.75 + 0.5 = 2.75, the highest score below 3 (whole-point contexts)
        (
            {
                "context": BEHAVIOURAL,
                "identification": SIGNIFICANT,
                "availability": "full",
                "adjustments": [DpcAdjustment(1, "volume : un an de données de badge")],
            },
            "2.75",
            SeverityBand.MEDIUM,
        ),
        # 3 × 1 + 0 = 3, exactly
        ({"context": FINANCIAL, "identification": MAXIMUM}, "3", SeverityBand.HIGH),
        # 3 × 1 + 0.5 + 0.25 = 3.75, the highest score below 4
        (
            {
                "context": FINANCIAL,
                "identification": MAXIMUM,
                "confidentiality": "unknown_recipients",
                "integrity": "altered_recoverable",
                "integrity_possibly_misused": True,
            },
            "3.75",
            SeverityBand.HIGH,
        ),
        # 4 × 1 + 0 = 4, exactly
        ({"context": SENSITIVE, "identification": MAXIMUM}, "4", SeverityBand.VERY_HIGH),
        # the maximum: 4 × 1 + 0.5 + 0.5 + 0.5 + 0.5 = 6
        (
            {
                "context": SENSITIVE,
                "identification": MAXIMUM,
                "confidentiality": "unknown_recipients",
                "integrity": "altered_unrecoverable",
                "integrity_possibly_misused": True,
                "availability": "full",
                "malicious": True,
            },
            "6",
            SeverityBand.VERY_HIGH,
        ),
    ],
)
def test_every_band_boundary_is_exact(arguments, se, band):
    score = enisa_score(**arguments)
    assert score.se == D(se)
    assert score.band is band


@pytest.mark.parametrize(
    ("se", "band"),
    [
        ("0", SeverityBand.LOW),
        ("1.999", SeverityBand.LOW),
        ("2", SeverityBand.MEDIUM),
        ("2.0", SeverityBand.MEDIUM),
        ("2.999", SeverityBand.MEDIUM),
        ("3.00", SeverityBand.HIGH),
        ("3.999", SeverityBand.HIGH),
        ("4", SeverityBand.VERY_HIGH),
        ("6", SeverityBand.VERY_HIGH),
    ],
)
def test_the_bands_low_below_2_medium_below_3_high_below_4_then_very_high(se, band):
    assert band_of(D(se)) is band


def test_scores_are_decimals_so_boundaries_do_not_drift():
    score = enisa_score(context=BEHAVIOURAL, identification=MAXIMUM)
    assert isinstance(score.se, Decimal)
    assert str(score.se) == "2"


# Adjusting the context ---------------------------------------------------------------------


def test_an_adjustment_moves_the_context_and_is_explained():
    score = enisa_score(
        context=BEHAVIOURAL,
        identification=LIMITED,
        adjustments=[DpcAdjustment(1, "profil de personnes vulnérables (mineurs)")],
    )
    assert (score.dpc_base, score.dpc_final, score.se) == (D(2), D(3), D("1.5"))
    assert (
        "Ajustement du contexte (données comportementales) : +1 "
        "(profil de personnes vulnérables (mineurs))."
    ) in score.explanation
    assert "Contexte ajusté (données comportementales) : 2 + 1 = 3." in score.explanation
    assert "Gravité : 3 × 0,5 + 0 = 1,5 → faible." in score.explanation


def test_the_context_of_a_category_cannot_be_adjusted_above_4():
    with pytest.raises(
        ValueError, match=r"\+1 sort de l'échelle de la méthode pour « Données sensibles »"
    ):
        enisa_score(
            context=SENSITIVE,
            identification=MAXIMUM,
            adjustments=[DpcAdjustment(1, "très grand volume")],
        )


def test_the_context_of_a_category_cannot_be_adjusted_below_1():
    with pytest.raises(
        ValueError, match=r"−1 sort de l'échelle de la méthode pour « Données simples »"
    ):
        enisa_score(
            context=SIMPLE,
            identification=MAXIMUM,
            adjustments=[DpcAdjustment(-1, "données déjà publiques")],
        )


def test_one_adjustment_per_data_category():
    with pytest.raises(ValueError, match="déjà ajustée"):
        enisa_score(
            context=FINANCIAL,
            identification=MAXIMUM,
            adjustments=[
                DpcAdjustment(D("-1"), "données anciennes"),
                DpcAdjustment(D("1"), "volume important", FINANCIAL),
            ],
        )


@pytest.mark.parametrize("delta", [D("0.5"), D("0.25"), 0.5, "1.5", "-0.5"])
def test_an_adjustment_goes_in_whole_points(delta):
    with pytest.raises(ValueError, match="n'est pas un nombre entier"):
        DpcAdjustment(delta, "volume")


def test_an_adjustment_given_as_a_float_whole_point_is_accepted_exactly():
    assert DpcAdjustment(1.0, "volume").delta == D(1)


@pytest.mark.parametrize("justification", ["", "   ", None])
def test_an_adjustment_must_be_justified(justification):
    with pytest.raises(ValueError, match="justification est obligatoire"):
        DpcAdjustment(D(1), justification)


def test_a_zero_or_out_of_scale_adjustment_is_refused():
    with pytest.raises(ValueError, match="nul"):
        DpcAdjustment(D(0), "rien")
    with pytest.raises(ValueError, match="sort de l'échelle"):
        DpcAdjustment(D(4), "trop")


def test_the_highest_data_category_wins():
    assert highest_context(SIMPLE, "financial", BEHAVIOURAL) is FINANCIAL


# Recommendation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "recommendation"),
    [
        ({"context": SIMPLE, "identification": MAXIMUM}, Recommendation.DOCUMENT_ONLY),
        ({"context": BEHAVIOURAL, "identification": MAXIMUM}, Recommendation.NOTIFY_CNIL),
        (
            {"context": FINANCIAL, "identification": MAXIMUM},
            Recommendation.NOTIFY_CNIL_AND_INFORM,
        ),
        (
            {"context": SENSITIVE, "identification": MAXIMUM},
            Recommendation.NOTIFY_CNIL_AND_INFORM,
        ),
    ],
)
def test_low_documents_medium_notifies_high_and_very_high_also_inform(arguments, recommendation):
    assert enisa_score(**arguments).recommendation is recommendation


def test_art_9_or_10_data_are_notified_to_the_cnil_even_when_the_score_is_low():
    score = enisa_score(context=SIMPLE, identification=NEGLIGIBLE, special_categories=True)
    assert score.band is SeverityBand.LOW
    assert score.band_recommendation is Recommendation.DOCUMENT_ONLY
    assert score.recommendation is Recommendation.NOTIFY_CNIL
    assert any("§102" in sentence for sentence in score.explanation)


def test_the_sensitive_context_counts_as_art_9_data_even_when_adjusted_down():
    score = enisa_score(
        context=SENSITIVE,
        identification=NEGLIGIBLE,
        adjustments=[DpcAdjustment(-2, "données partiellement chiffrées")],
    )
    assert score.se == D("0.5")
    assert score.special_categories
    assert score.recommendation is Recommendation.NOTIFY_CNIL


def test_art_9_data_never_lower_a_higher_recommendation():
    score = enisa_score(context=FINANCIAL, identification=MAXIMUM, special_categories=True)
    assert score.recommendation is Recommendation.NOTIFY_CNIL_AND_INFORM
    assert not any("§102" in sentence for sentence in score.explanation)


def test_the_result_says_the_score_does_not_replace_the_art_33_34_decision():
    score = enisa_score(context=SIMPLE, identification=LIMITED)
    assert score.notice == DECISION_NOTICE
    assert score.explanation[-1] == DECISION_NOTICE
    assert "ne la remplace pas" in DECISION_NOTICE
    assert "art. 33" in DECISION_NOTICE and "art. 34" in DECISION_NOTICE


def test_inputs_may_be_given_as_their_stored_values():
    score = enisa_score(context="financial", identification="significant", integrity="none")
    assert score.context is FINANCIAL
    assert score.se == D("2.25")


def test_the_result_is_frozen():
    score = enisa_score(context=SIMPLE, identification=LIMITED)
    with pytest.raises(AttributeError):
        score.se = D(5)


def test_every_list_has_french_labels_in_the_catalogue():
    lists = catalogue()
    for cls in (
        DataProcessingContext,
        EaseOfIdentification,
        ConfidentialityCircumstance,
        IntegrityCircumstance,
        AvailabilityCircumstance,
        SeverityBand,
        Recommendation,
    ):
        assert cls.__name__ in lists
    assert label(SeverityBand.VERY_HIGH) == "Très élevée"
