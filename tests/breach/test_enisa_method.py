"""The ENISA method as its tables say (ENISA, "Recommendations for a methodology of the
assessment of severity of personal data breaches", 2013): each loss-of-integrity level with its
"possibly misused" condition, context adjustments in whole points per data category, and data
rendered unintelligible. Each rule at its boundary, in the domain and through the API."""

from decimal import Decimal

import pytest

from breach.assessment import (
    MISUSE_UNANSWERED,
    DataProcessingContext,
    DpcAdjustment,
    Recommendation,
    SeverityBand,
    adjustment_range,
    enisa_score,
)
from breach.breaches.models import Breach
from tests.factories import (
    ASSESS,
    ago,
    assert_refused,
    bodies,
    declare_on,
    done,
    post,
    read,
    with_facts,
)

D = Decimal
SIMPLE, BEHAVIOURAL, FINANCIAL, SENSITIVE = DataProcessingContext

# 1 × 0.5 + confidentiality 0.5 + availability 0.5 = 1.5: low; integrity's +0.5 makes it 2.
AT_THE_MEDIUM_FLOOR = {
    "context": SIMPLE,
    "identification": "limited",
    "confidentiality": "unknown_recipients",
    "availability": "full",
}


# Loss of integrity ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("integrity", "misused", "points", "band"),
    [
        # Not altered: nothing, whatever the misuse answer says.
        ("none", None, "0", SeverityBand.LOW),
        ("none", True, "0", SeverityBand.LOW),
        # Altered, the correct data obtained again before any use: 0 (the method's first row).
        ("altered_recoverable", False, "0", SeverityBand.LOW),
        ("altered_unrecoverable", False, "0", SeverityBand.LOW),
        # Altered and possibly used wrongly: 0.25 when recoverable, 0.5 when not.
        ("altered_recoverable", True, "0.25", SeverityBand.LOW),
        ("altered_unrecoverable", True, "0.5", SeverityBand.MEDIUM),
    ],
)
def test_each_integrity_level_scores_with_its_misuse_condition(integrity, misused, points, band):
    score = enisa_score(
        **AT_THE_MEDIUM_FLOOR, integrity=integrity, integrity_possibly_misused=misused
    )
    assert score.cb_i == D(points)
    assert score.se == D("1.5") + D(points)
    assert score.band is band


def test_altered_data_need_the_misuse_answer():
    with pytest.raises(ValueError, match="ont pu être utilisées"):
        enisa_score(context=SIMPLE, identification="limited", integrity="altered_recoverable")


def test_the_explanation_says_why_an_alteration_scores_nothing():
    score = enisa_score(
        context=SIMPLE,
        identification="maximum",
        integrity="altered_unrecoverable",
        integrity_possibly_misused=False,
    )
    assert score.cb_i == 0
    assert any(
        "n'ont pas été utilisées de façon incorrecte ou illicite : intégrité comptée 0" in s
        for s in score.explanation
    )


# Context adjustments: whole points, per data category --------------------------------------


@pytest.mark.parametrize(
    ("category", "lowest", "highest"),
    [(SIMPLE, 0, 3), (BEHAVIOURAL, -1, 2), (FINANCIAL, -2, 1), (SENSITIVE, -3, 0)],
)
def test_each_category_moves_within_1_to_4_on_its_own_scale(category, lowest, highest):
    assert adjustment_range(category) == (lowest, highest)
    for delta in (lowest, highest):
        if delta == 0:
            continue
        score = enisa_score(
            context=category,
            identification="maximum",
            adjustments=[DpcAdjustment(delta, "facteur de contexte")],
        )
        assert score.dpc_final == category.score + delta
    for delta in (lowest - 1, highest + 1):
        with pytest.raises(ValueError, match="sort de l'échelle"):
            enisa_score(
                context=category,
                identification="maximum",
                adjustments=[DpcAdjustment(delta, "au-delà de l'échelle")],
            )


def test_an_adjustment_applies_to_its_own_category_and_the_highest_counts():
    # Financial data (3) and a list of minors' names (simple 1, +3: vulnerable people): 4.
    score = enisa_score(
        context=FINANCIAL,
        identification="maximum",
        adjustments=[DpcAdjustment(3, "enfants placés : sécurité des personnes", SIMPLE)],
    )
    assert [(c.category, c.final) for c in score.categories] == [(FINANCIAL, 3), (SIMPLE, 4)]
    assert score.dpc_final == 4 and score.band is SeverityBand.VERY_HIGH
    assert "Contexte ajusté (données simples) : 1 + 3 = 4." in score.explanation
    # Lowering another category never lowers the context's own score.
    lower = enisa_score(
        context=FINANCIAL,
        identification="maximum",
        adjustments=[DpcAdjustment(-1, "annuaire déjà public", BEHAVIOURAL)],
    )
    assert lower.dpc_final == 3


@pytest.mark.parametrize("delta", ["0.5", "-0.5", "1.5", 2.5])
def test_a_half_point_is_refused(delta):
    with pytest.raises(ValueError, match="par points entiers"):
        DpcAdjustment(delta, "volume")


# Data rendered unintelligible ----------------------------------------------------------------


def test_unintelligible_data_score_0_and_are_low_even_sensitive():
    score = enisa_score(
        context=SENSITIVE,
        identification="maximum",
        confidentiality="unknown_recipients",
        unintelligible=True,
    )
    assert (score.ei, score.cb_c, score.se) == (0, 0, 0)
    assert score.band is SeverityBand.LOW
    # Encrypted health data with the key intact: no notification needed on that ground.
    assert score.recommendation is Recommendation.DOCUMENT_ONLY
    assert any("inintelligibles" in s for s in score.explanation)


def test_unintelligible_data_lost_still_count_their_loss():
    score = enisa_score(
        context=SENSITIVE,
        identification="maximum",
        availability="full",
        unintelligible=True,
    )
    assert (score.ei, score.cb_a, score.se) == (0, D("0.5"), D("0.5"))
    assert score.band is SeverityBand.LOW
    # Health data lost: damage is likely (EDPB 9/2022 §102), so at least the CNIL.
    assert score.recommendation is Recommendation.NOTIFY_CNIL


# Through the API -----------------------------------------------------------------------------


@pytest.fixture
async def breach(client):
    world = await bodies(client)
    declared = await declare_on(
        client, world["commune"], [world["activity"]["id"]], detected=ago(hours=3)
    )
    return await with_facts(client, declared)


async def test_the_api_refuses_a_half_point_naming_the_field(client, breach):
    response = await post(
        client,
        breach,
        "assessment",
        **ASSESS,
        adjustments=[{"delta": "0.5", "justification": "volume"}],
    )
    assert_refused(response, ["body", "adjustments"], "par points entiers")
    assert (await read(client, f"/breaches/{breach['id']}"))["assessment"] is None


async def test_the_api_refuses_an_adjustment_outside_the_categorys_scale(client, breach):
    response = await post(
        client,
        breach,
        "assessment",
        context="financial",
        identification="maximum",
        adjustments=[{"delta": "2", "justification": "volume"}],
    )
    assert_refused(response, ["body", "adjustments"], "de −2 à +1")
    response = await post(
        client,
        breach,
        "assessment",
        context="financial",
        identification="maximum",
        adjustments=[
            {"delta": "-1", "justification": "anciennes", "category": "financial"},
            {"delta": "1", "justification": "volume"},
        ],
    )
    assert_refused(response, ["body", "adjustments"], "déjà ajustée")


async def test_the_api_asks_whether_altered_data_were_misused(client, breach):
    response = await post(client, breach, "assessment", **ASSESS, integrity="altered_unrecoverable")
    assert_refused(response, ["body", "integrity_possibly_misused"], MISUSE_UNANSWERED)
    assessed = await done(
        client,
        breach,
        "assessment",
        **ASSESS,
        integrity="altered_unrecoverable",
        integrity_possibly_misused=False,
        adjustments=[{"delta": "1", "justification": "fichier de mineurs", "category": "simple"}],
    )
    stored = assessed["assessment"]
    # 2 × 0.5 + 0.25 (known recipients) + 0 (not misused) = 1.25
    assert (stored["dpc_final"], stored["cb"], stored["se"]) == ("2", "0.25", "1.25")
    assert stored["inputs"]["integrity_possibly_misused"] is False
    assert stored["inputs"]["adjustments"][0]["category"] == "simple"


async def test_the_api_scores_unintelligible_data_0(client, breach):
    assessed = await done(
        client, breach, "assessment", **ASSESS, malicious=False, unintelligible=True
    )
    assert (assessed["assessment"]["se"], assessed["severity_band"]) == ("0", "low")
    assert assessed["assessment"]["inputs"]["unintelligible"] is True


async def test_an_assessment_stored_before_these_rules_still_reads(client, breach):
    """Old JSON: half-point adjustments without a category, no misuse nor unintelligible."""
    old = {
        "inputs": {
            "context": "financial",
            "identification": "significant",
            "confidentiality": "unknown_recipients",
            "integrity": "altered_recoverable",
            "availability": "none",
            "malicious": True,
            "adjustments": [{"delta": "0.5", "justification": "volume"}],
        },
        "dpc_base": "3",
        "dpc_final": "3.5",
        "ei": "0.75",
        "cb": "1.25",
        "se": "3.875",
        "band": "high",
        "band_label": "Élevée",
        "recommendation": "notify_cnil_and_inform",
        "recommendation_label": "Notifier la CNIL (art. 33) et informer les personnes",
        "explanation": ["Ajustement du contexte : +0,5 (volume)."],
        "notice": "",
    }
    row = await Breach.get(id=breach["id"])
    row.assessment = old
    row.severity_band = "high"
    await row.save(update_fields=["assessment", "severity_band"])

    seen = await read(client, f"/breaches/{breach['id']}")
    assert seen["assessment"]["se"] == "3.875"
    preview = await read(client, f"/breaches/{breach['id']}/previews/cnil?phase=initial")
    assert "Gravité : Élevée (méthode ENISA, SE = 3.875)" in preview["body"]
    assert "inintelligibles" not in preview["body"]  # an old assessment does not say
