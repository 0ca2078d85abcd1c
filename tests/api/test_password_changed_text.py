"""What a person reads once their password changed agrees with each count."""

from api.routes.auth import password_changed_text


def test_one_of_each_in_the_singular():
    text = password_changed_text(1, 1, kept=True)
    assert text == (
        "mot de passe changé : cette session reste ouverte ; 1 autre session fermée et "
        "1 jeton d'accès révoqué"
    )


def test_two_of_each_in_the_plural():
    text = password_changed_text(2, 2, kept=True)
    assert text == (
        "mot de passe changé : cette session reste ouverte ; 2 autres sessions fermées et "
        "2 jetons d'accès révoqués"
    )


def test_none_in_the_singular_when_the_token_itself_is_revoked():
    text = password_changed_text(0, 1, kept=False)
    assert text == (
        "mot de passe changé : 0 session fermée et 1 jeton d'accès révoqué, "
        "celui de cette requête compris"
    )
