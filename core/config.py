"""One settings object, read from the environment (prefix RGPD_) once at start."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SQLITE_PATH = Path("data") / "rgpd.sqlite3"


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


@lru_cache
def get_settings() -> Settings:
    return Settings()
