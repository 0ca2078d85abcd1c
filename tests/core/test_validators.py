"""Identifiers and contact details: SIREN/SIRET keys (INSEE), e-mail, telephone (E.164)."""

import pytest

from core.validators import check_email, check_phone, check_siren, check_siret, luhn_ok


@pytest.mark.parametrize("digits", ["200058014", "219100930", "219200920", "20005801400008"])
def test_the_luhn_key_holds_for_real_identifiers(digits):
    assert luhn_ok(digits)


@pytest.mark.parametrize("digits", ["200058015", "200058041", "20005801400009"])
def test_the_luhn_key_catches_a_wrong_or_swapped_digit(digits):
    assert not luhn_ok(digits)


def test_a_valid_siren_is_returned_without_its_spaces():
    assert check_siren("200 058 014") == "200058014"


def test_a_siren_with_a_wrong_key_is_refused():
    with pytest.raises(ValueError, match="clé de contrôle du SIREN invalide"):
        check_siren("200058015")


@pytest.mark.parametrize("value", ["20005801", "2000580140", "20005801A", "", "2OOO58014"])
def test_a_siren_is_exactly_nine_digits(value):
    with pytest.raises(ValueError, match="exactement 9 chiffres"):
        check_siren(value)


def test_a_valid_siret_is_returned_without_its_spaces():
    assert check_siret("200 058 014 00008") == "20005801400008"


def test_a_siret_with_a_wrong_key_is_refused():
    with pytest.raises(ValueError, match="clé de contrôle du SIRET invalide"):
        check_siret("20005801400009")


@pytest.mark.parametrize("value", ["2000580140000", "200058014000080", "2000580140000X"])
def test_a_siret_is_exactly_fourteen_digits(value):
    with pytest.raises(ValueError, match="exactement 14 chiffres"):
        check_siret(value)


def test_la_postes_establishments_follow_the_digit_sum_rule_instead_of_luhn():
    assert not luhn_ok("35600000000001")

    assert check_siret("35600000000001") == "35600000000001"
    with pytest.raises(ValueError, match="clé de contrôle du SIRET"):
        check_siret("35600000000000")


def test_an_email_domain_is_lowercased_and_the_local_part_kept():
    assert check_email("Jeanne.Morel@Mairie-Juvisy.FR") == "Jeanne.Morel@mairie-juvisy.fr"


@pytest.mark.parametrize("value", ["jeanne", "jeanne@", "@mairie.fr", "jeanne@mairie", "a b@c.fr"])
def test_a_malformed_email_is_refused_in_french(value):
    with pytest.raises(ValueError, match=r"^adresse électronique invalide"):
        check_email(value)


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("01 46 05 11 11", "+33146051111"),
        ("01.46.05.11.11", "+33146051111"),
        ("0146051111", "+33146051111"),
        ("+33 1 46 05 11 11", "+33146051111"),
        ("0033 1 46 05 11 11", "+33146051111"),
        ("06 12 34 56 78", "+33612345678"),
        ("09 76 12 34 56", "+33976123456"),  # mainland, though overseas plans also list 0976
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_a_phone_number_is_stored_in_international_form(written, stored):
    assert check_phone(written) == stored


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("0262 40 04 04", "+262262400404"),  # La Réunion
        ("0269 63 30 00", "+262269633000"),  # Mayotte
        ("0590 99 39 00", "+590590993900"),  # Guadeloupe
        ("0596 75 10 00", "+596596751000"),  # Martinique
        ("0594 29 90 00", "+594594299000"),  # Guyane
        ("0692 12 34 56", "+262692123456"),  # mobile, La Réunion
        ("0590 27 60 00", "+590590276000"),  # Saint-Barthélemy
    ],
)
def test_an_overseas_number_written_the_french_way_is_accepted(written, stored):
    assert check_phone(written) == stored


@pytest.mark.parametrize("value", ["01 23", "00 00 00 00 00", "+33 1 23"])
def test_a_number_that_cannot_exist_is_refused(value):
    with pytest.raises(ValueError, match=r"^numéro de téléphone invalide$"):
        check_phone(value)


@pytest.mark.parametrize("value", ["standard", "", "mairie@juvisy.fr"])
def test_an_unreadable_number_is_refused(value):
    with pytest.raises(ValueError, match=r"^numéro de téléphone illisible$"):
        check_phone(value)
