"""Inputs that contradict themselves are refused naming the field, or normalised, never
stored as given with a 200: a misuse answer without a loss of integrity (null: it means
nothing), another authority told on a day still to come, a Member State named twice, an
adjustment of a data category above the context (the context is the highest category of the
data breached, ENISA §5.2)."""

from datetime import timedelta

import pytest

from core.clock import today_local
from tests.factories import (
    ASSESS,
    BREACHES,
    ago,
    assert_refused,
    bodies,
    declare_on,
    done,
    post,
    read,
    with_facts,
)


@pytest.fixture
async def breach(client):
    world = await bodies(client)
    declared = await declare_on(
        client, world["commune"], [world["activity"]["id"]], detected=ago(hours=3)
    )
    return await with_facts(client, declared)


async def _patch(client, breach: dict, **facts):
    return await client.patch(
        f"{BREACHES}/{breach['id']}", json={"version": breach["version"], **facts}
    )


async def test_a_misuse_answer_without_a_loss_of_integrity_is_stored_as_null(client, breach):
    assessed = await done(
        client, breach, "assessment", **ASSESS, integrity="none", integrity_possibly_misused=True
    )
    stored = assessed["assessment"]
    assert stored["inputs"]["integrity"] == "none"
    assert stored["inputs"]["integrity_possibly_misused"] is None


async def test_another_authority_told_tomorrow_is_refused(client, breach):
    today = today_local()
    told = {"kind": "police", "name": "Commissariat de Vitry-sur-Seine", "on": str(today)}
    accepted = await _patch(client, breach, other_authorities=[told])
    assert accepted.status_code == 200, accepted.text  # the premise: today is accepted
    breach = accepted.json()
    tomorrow = {**told, "on": str(today + timedelta(days=1))}
    response = await _patch(client, breach, other_authorities=[tomorrow])
    assert_refused(response, ["body", "other_authorities", 0, "on"], "futur")
    after = await read(client, f"/breaches/{breach['id']}")
    assert after["other_authorities"][0]["on"] == str(today)


async def test_a_member_state_named_twice_is_refused(client, breach):
    response = await _patch(client, breach, cross_border=True, other_member_states=["DE", "DE"])
    assert_refused(response, ["body", "other_member_states"], "plusieurs fois : DE")
    accepted = await _patch(client, breach, cross_border=True, other_member_states=["DE", "BE"])
    assert accepted.status_code == 200, accepted.text


async def test_an_adjustment_above_the_context_is_refused(client, breach):
    below = {"delta": "1", "justification": "fichier de mineurs", "category": "simple"}
    accepted = await post(
        client,
        breach,
        "assessment",
        context="behavioural",
        identification="maximum",
        adjustments=[below],
    )
    assert accepted.status_code == 200, accepted.text  # the premise: a lower category is fine
    above = {"delta": "-1", "justification": "anciennes", "category": "financial"}
    response = await post(
        client,
        accepted.json(),
        "assessment",
        context="behavioural",
        identification="maximum",
        adjustments=[above],
    )
    assert_refused(response, ["body", "adjustments"], "plus élevé que le contexte")
