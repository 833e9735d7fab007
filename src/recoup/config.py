"""Configuration from the environment (``RECOUP_*``) and an optional ``.env`` file.

Every setting has a default that works with no configuration at all: an SQLite file
``recoup.db`` in the working directory.
"""

from functools import lru_cache

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Recoup's settings; each field is read from ``RECOUP_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="RECOUP_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///recoup.db"
    # Development default: mail is written to .eml files and never leaves the machine.
    smtp_url: str = "file://mail-outbox"
    sms_url: str = "file://sms-outbox"
    letters_dir: str = "letters"  # development print room: one PDF per letter
    upload_dir: str = "uploads"  # import files between dry run and confirmation (private)
    actor: str = "cli"
    policy_dir: str = ""  # your own policy YAML files (override shipped ones by name)
    # Audit chain keys, kept outside the database: "id:secret" (or a bare secret), comma-
    # separated; the first signs, the others (retired keys) only verify. See recoup.audit.
    audit_key: SecretStr = SecretStr("")
    # Where signed checkpoints of each chain head are written (outside the database).
    audit_checkpoint_dir: str = "audit-checkpoints"
    # The daily run retrains the late-payment model when it is older than this many days.
    retrain_model_days: int = 30


@lru_cache
def get_settings() -> Settings:
    """The process's settings, read once."""
    return Settings()
