"""Tortoise configuration: which models exist and where the database is."""

from breach import MODEL_MODULES as BREACH_MODELS
from core import MODEL_MODULES as CORE_MODELS
from core.config import get_settings
from core.db import secure_database_files
from register import MODEL_MODULES as REGISTER_MODELS

MODEL_MODULES = [*CORE_MODELS, *REGISTER_MODELS, *BREACH_MODELS]


def tortoise_config(db_url: str | None = None) -> dict:
    """The configuration of a connection about to be made: a SQLite file is made private
    first (0600, core.db), so that neither it nor its -wal and -shm are readable by others."""
    url = db_url or get_settings().database_url
    secure_database_files(url)
    return _config(url)


def _config(url: str) -> dict:
    return {
        "connections": {"default": url},
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


# Read by the `tortoise` command line (makemigrations, migrate) through pyproject.toml.
# (Imported, it makes no file: the command makes the database when it connects.)
TORTOISE_ORM = _config(get_settings().database_url)
