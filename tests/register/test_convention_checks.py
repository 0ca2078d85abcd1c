"""A processor's notice delay above a day is a warning on the convention (JSON `warnings`, its
page) and in the notice preview: 72 h to the processor plus 72 h to the controller is 144 h
after detection (art. 33(2): « dans les meilleurs délais »)."""

import pytest

from register.conventions.checks import convention_warnings, notice_delay_warning
from tests.factories import ago, bodies, declare_on, read
from tests.web.conftest import browser, make_user  # noqa: F401  (fixtures)


@pytest.mark.parametrize("hours", [None, 0, 24])
def test_a_day_or_less_is_no_warning(hours):
    assert convention_warnings(breach_notice_hours=hours) == []


def test_72_hours_add_up_to_144_after_detection():
    warning = notice_delay_warning(72)
    assert warning is not None
    assert "72 heures" in warning and "144 heures après la détection" in warning


async def test_the_convention_says_it_in_json_and_on_its_page(client, browser, make_user):  # noqa: F811
    world = await bodies(client, breach_notice_hours=720)
    convention = await read(client, f"/conventions/{world['convention']['id']}")
    (warning,) = convention["warnings"]
    assert "720 heures" in warning and "792 heures après la détection" in warning

    admin = await make_user("admin@exemple.fr", instance_admin=True)
    http = await browser(admin)
    page = (await http.get(f"/conventions/{world['convention']['id']}")).text
    assert 'id="convention-warnings"' in page
    assert "792 heures après la détection" in page


async def test_the_notice_preview_says_a_notice_comes_late_with_the_hours(client):
    world = await bodies(client, breach_notice_hours=720)
    late = await declare_on(client, world["ept"], [world["activity"]["id"]], detected=ago(hours=30))
    preview = await read(client, f"/breaches/{late['id']}/previews/controller-notice")
    (slow,) = [w for w in preview["warnings"] if "meilleurs délais" in w]
    assert "information donnée 30 heures après la détection" in slow
    assert "102 heures après la détection" in slow
    assert "de la Commune de Vitry-sur-Seine" in slow

    soon = await declare_on(client, world["ept"], [world["activity"]["id"]], detected=ago(hours=23))
    preview = await read(client, f"/breaches/{soon['id']}/previews/controller-notice")
    assert not [w for w in preview["warnings"] if "meilleurs délais" in w]
