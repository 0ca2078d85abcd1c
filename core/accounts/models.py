"""Tables of the accounts: who may sign in, in which bodies, with which credentials."""

from tortoise import fields
from tortoise.models import Model

from core.accounts.roles import Role
from core.crypto import EncryptedTextField


class User(Model):
    """A person who signs in: an e-mail, an argon2id password hash, an optional TOTP secret."""

    id = fields.UUIDField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)  # stored lower-case
    name = fields.CharField(max_length=200)
    password_hash = fields.CharField(max_length=200, null=True)  # None: cannot sign in
    is_instance_admin = fields.BooleanField(default=False)
    active = fields.BooleanField(default=True)
    # Encrypted at rest like the other protected fields: a database dump or a backup alone
    # does not give the codes.
    totp_secret = EncryptedTextField(null=True)
    # The last TOTP time step accepted, so a code cannot be replayed within its window.
    totp_last_step = fields.BigIntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    memberships: fields.ReverseRelation["Membership"]

    class Meta:
        table = "account_user"
        ordering = ["email"]


class Membership(Model):
    """One role of a user in one body (a person may hold several roles in several bodies)."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="memberships", on_delete=fields.CASCADE
    )
    organisation: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Organisation", related_name="memberships", on_delete=fields.CASCADE
    )
    role = fields.CharEnumField(Role, max_length=24)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "account_membership"
        unique_together = (("user", "organisation", "role"),)


class ApiToken(Model):
    """A bearer token for tools: only the SHA-256 of the secret is kept, shown once at creation."""

    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="tokens", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=100)
    prefix = fields.CharField(max_length=16)  # the first characters, to recognise a token
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)
    last_used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "account_api_token"
        ordering = ["-created_at"]


class WebSession(Model):
    """A signed-in browser: the hash of the cookie's id, and the token its forms must carry."""

    id = fields.IntField(primary_key=True)
    session_hash = fields.CharField(max_length=64, unique=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="sessions", on_delete=fields.CASCADE
    )
    csrf_token = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    last_seen = fields.DatetimeField()

    class Meta:
        table = "account_web_session"


class LoginAttempt(Model):
    """One sign-in attempt, kept in the database so the limit holds across workers."""

    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, db_index=True)
    ip = fields.CharField(max_length=64, db_index=True)
    at = fields.DatetimeField(db_index=True)
    ok = fields.BooleanField()

    class Meta:
        table = "account_login_attempt"


class LoginCounter(Model):
    """Failed sign-ins in a window, one row per key (an address, an account, or one account
    from one address; the key is a hash, so the table keeps no e-mail and no address). One
    atomic upsert counts an attempt and returns the count, so concurrent attempts each get
    their own number (core.accounts.throttle). A key "ok:…" records when an account last
    signed in from an address."""

    key = fields.CharField(max_length=80, primary_key=True)
    window_start = fields.BigIntField()  # seconds since the epoch
    failures = fields.IntField(default=0)

    class Meta:
        table = "account_login_counter"
