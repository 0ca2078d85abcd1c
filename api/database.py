"""Tortoise configuration: which models exist and where the database is."""

from breach import MODEL_MODULES as BREACH_MODELS
from core import MODEL_MODULES as CORE_MODELS
from core.config import get_settings
from register import MODEL_MODULES as REGISTER_MODELS

MODEL_MODULES = [*CORE_MODELS, *REGISTER_MODELS, *BREACH_MODELS]


def tortoise_config(db_url: str | None = None) -> dict:
    return {
        "connections": {"default": db_url or get_settings().database_url},
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
TORTOISE_ORM = tortoise_config()
