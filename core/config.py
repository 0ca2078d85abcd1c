"""One settings object, read from the environment (prefix RGPD_) once at start."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SQLITE_PATH = Path("data") / "rgpd.sqlite3"
KEY_FILE_SUFFIX = ".keys"  # data/rgpd.sqlite3 keeps its keys in data/rgpd.keys


def sqlite_file(database_url: str) -> Path | None:
    """The file of a SQLite database URL, None for PostgreSQL or an in-memory database."""
    if not database_url.startswith("sqlite://"):
        return None
    path = database_url.removeprefix("sqlite://").split("?", 1)[0]
    return None if not path or ":memory:" in path else Path(path)


def _embedded_key_file(data: dict) -> Path | None:
    # The embedded mode runs with no configuration at all: with no key given, a SQLite file
    # database keeps its keys in a file beside it, created on first start (core.keys).
    keys = data.get("encryption_keys")
    if keys is not None and keys.get_secret_value().strip():
        return None
    database = sqlite_file(data.get("database_url", ""))
    return database.with_suffix(KEY_FILE_SUFFIX) if database else None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RGPD_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default=f"sqlite://{DEFAULT_SQLITE_PATH}",
        description="sqlite://path/to/file.sqlite3 (embedded default) or postgres://user@host/db",
    )
    timezone: str = Field(default="Europe/Paris", description="Zone used to show times")
    default_page_size: int = Field(default=50, ge=1, le=500)
    max_page_size: int = Field(default=500, ge=1)
    # Art. 33(2) sets no figure for the processor's notice; a convention usually does.
    default_processor_notice_hours: int = Field(default=24, ge=0)
    base_url: str = Field(
        default="http://127.0.0.1:8000", description="Address of the pages, quoted in e-mails"
    )
    # The longest an API token may live (core.accounts.tokens): the instance's policy.
    token_max_days: int = Field(
        default=366, ge=1, le=366, description="Longest validity of an API token, in days"
    )

    # Register imports (register.imports): bounded, so that one file cannot hold a worker.
    import_max_rows: int = Field(
        default=10_000,
        ge=1,
        le=1_048_576,
        description="Data rows (activities) an import file may hold, headers not counted",
    )
    import_max_bytes: int = Field(
        default=20 * 1024 * 1024, ge=1024, le=512 * 1024 * 1024, description="Import file size"
    )
    import_timeout_seconds: float = Field(
        default=60, gt=0, description="Time reading and checking an import file may take"
    )
    # Documents attached to conventions and engagements (register.documents); the upload
    # guard's bound (import_max_bytes) stays above it.
    document_max_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=1024,
        le=64 * 1024 * 1024,
        description="Size of a document attached to a convention or an engagement",
    )

    # Outgoing mail (the outbox's sender)
    smtp_host: str = Field(default="127.0.0.1", description="SMTP server")
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "tls"] = Field(
        default="none", description="none, starttls (submission, 587) or tls (implicit, 465)"
    )
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_seconds: float = Field(default=30, gt=0)
    mail_from: str = Field(
        default="registre-rgpd <rgpd@localhost>", description="From: of every message"
    )
    # Retries: attempt n waits base × 2^(n-1), capped, until max attempts are spent.
    outbox_max_attempts: int = Field(default=10, ge=1)
    outbox_backoff_seconds: float = Field(default=30, gt=0)
    outbox_backoff_max_seconds: float = Field(default=3600, gt=0)
    # A claimed message whose sender vanished (crash) is taken up again after this lease.
    outbox_lease_seconds: float = Field(default=120, gt=0)

    # The scheduler: how often it re-reads the deadlines and the outbox.
    scheduler_poll_seconds: float = Field(default=30, gt=0)
    # A stand-by asks for the leadership this often, and a leader checks it still holds it.
    scheduler_leader_retry_seconds: float = Field(default=5, gt=0)
    scheduler_enabled: bool = Field(
        default=True, description="rgpd serve also runs the scheduler (embedded default)"
    )

    # Operations: logs and metrics (counts and times only, never personal data).
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="text (one readable line per record) or json (one JSON object per line "
        "on stderr, for a log collector)",
    )
    log_client_address: bool = Field(
        default=False,
        description="Write the client's IP address in the access log (off: it is personal "
        "data, and the per-address login limit does not need it)",
    )
    metrics_enabled: bool = Field(
        default=False,
        validation_alias=AliasChoices("RGPD_METRICS_ENABLED", "RGPD_METRICS"),
        description="Serve GET /metrics (Prometheus text format) without login: the reverse "
        "proxy must not expose it",
    )

    # Keys live outside the database, so a stolen dump or backup reveals no protected field.
    encryption_keys: SecretStr | None = Field(
        default=None,
        description="AES-256 keys, kid:base64 separated by commas, the first one writes",
    )
    encryption_key_file: Path | None = Field(
        default_factory=_embedded_key_file,
        description="File of AES-256 keys, one kid:base64 per line, the first writes. "
        "Default with no key set and a SQLite file database: beside it (data/rgpd.keys)",
    )
    signing_key_file: Path | None = Field(
        default=None, description="Ed25519 private key (PEM, PKCS8) that signs audit checkpoints"
    )
    # The journal's signed heads, kept outside the database (core.audit.anchor).
    audit_anchor_file: Path | None = Field(
        default=None,
        description="Append-only file of the signed journal heads; default: "
        "journal-anchor.jsonl beside the signing key",
    )
    # The key of the journal's digests of protected fields (core.audit.digest).
    journal_digest_key_file: Path | None = Field(
        default=None,
        description="Key of the journal's HMAC digests; default: journal-digest.key beside "
        "the encryption key file",
    )

    @property
    def key_file_is_embedded_default(self) -> bool:
        """The key file was not configured: it is the SQLite database's, made on first start."""
        return (
            self.encryption_key_file is not None
            and "encryption_key_file" not in self.model_fields_set
        )


@lru_cache
def get_settings() -> Settings:
    return Settings()
