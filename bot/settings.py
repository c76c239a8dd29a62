"""Settings of ``ganwen bot`` and ``ganwen serve`` from the environment and ``.env``
(pydantic-settings); every one is documented in ``.env.example``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from retrieval.question import MAX_CHARS

EXAMPLE_API_BASE_URL = "http://127.0.0.1:8081/bot"
IdSet = Annotated[frozenset[int], NoDecode]


class SettingsError(ValueError):
    """A setting is missing or malformed; the message is shown to the user as is."""


def _env(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True)

    token: SecretStr | None = Field(None, validation_alias=_env("TELEGRAM_BOT_TOKEN"))
    # A self-hosted Bot API server, in python-telegram-bot's base_url form: the token is
    # appended, e.g. http://127.0.0.1:8081/bot
    api_base_url: str | None = Field(None, validation_alias=_env("TELEGRAM_API_BASE_URL"))
    corpus: Path | None = Field(None, validation_alias=_env("GANWEN_CORPUS"))
    allowed_chat_ids: IdSet = Field(frozenset(), validation_alias=_env("GANWEN_ALLOWED_CHAT_IDS"))
    allowed_user_ids: IdSet = Field(frozenset(), validation_alias=_env("GANWEN_ALLOWED_USER_IDS"))
    admin_user_ids: IdSet = Field(frozenset(), validation_alias=_env("GANWEN_ADMIN_USER_IDS"))
    rate_limit: int = Field(10, ge=1, validation_alias=_env("GANWEN_RATE_LIMIT"))
    rate_period: float = Field(60.0, gt=0, validation_alias=_env("GANWEN_RATE_PERIOD"))
    # Messages a second to the Bot API, all chats together: Telegram's limit is 30.
    send_rate: float = Field(30.0, gt=0, validation_alias=_env("GANWEN_SEND_RATE"))
    # The bot's own cap, within the engine's (a longer question would get the engine's error).
    max_question_chars: int = Field(
        256, ge=1, le=MAX_CHARS, validation_alias=_env("GANWEN_MAX_QUESTION_CHARS"))
    # A follow-up (那萍乡呢) is read against the conversation's last question for this long after it.
    conversation_minutes: float = Field(
        10.0, gt=0, validation_alias=_env("GANWEN_CONVERSATION_MINUTES"))
    webhook_url: str | None = Field(None, validation_alias=_env("GANWEN_WEBHOOK_URL"))
    webhook_secret: SecretStr | None = Field(None, validation_alias=_env("GANWEN_WEBHOOK_SECRET"))
    webhook_listen: str = Field("127.0.0.1", validation_alias=_env("GANWEN_WEBHOOK_LISTEN"))
    webhook_port: int = Field(8443, validation_alias=_env("GANWEN_WEBHOOK_PORT"))
    # ganwen serve: the bearer token /ask and /stats need (none: open).
    api_token: SecretStr | None = Field(None, validation_alias=_env("GANWEN_API_TOKEN"))

    @field_validator("allowed_chat_ids", "allowed_user_ids", "admin_user_ids", mode="before")
    @classmethod
    def _ids(cls, value: object) -> object:
        if isinstance(value, str):  # "123, -100456" as written in .env
            return frozenset(int(v) for v in value.replace(",", " ").split())
        return value

    @field_validator("api_base_url")
    @classmethod
    def _api_base_url(cls, value: str | None) -> str | None:
        """python-telegram-bot appends the token to this URL, so anything but the ``…/bot`` form
        would put the token into the host, port or another path (and into httpx's errors)."""
        if value is None or not value.strip():
            return None
        url = value.strip().rstrip("/")
        parts = urlsplit(url)
        try:
            parts.port  # noqa: B018 (a malformed port raises)
        except ValueError:
            parts = parts._replace(netloc="")
        if (parts.scheme not in ("http", "https") or not parts.hostname or parts.query
                or parts.fragment or not parts.path.endswith("/bot")):
            raise ValueError(f"must be an http(s) URL ending in /bot, as in {EXAMPLE_API_BASE_URL}")
        return url

    def bearer_token(self) -> str | None:
        """``ganwen serve``'s token, or None when it is unset or blank."""
        return (self.api_token.get_secret_value().strip() or None) if self.api_token else None

    def require_token(self) -> str:
        if self.token is None or not self.token.get_secret_value().strip():
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN is not set (in the environment or .env); get one from @BotFather")
        return self.token.get_secret_value().strip()


def load_settings(**overrides: Any) -> Settings:
    from pydantic import ValidationError

    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise SettingsError(f"setting {where}: {first['msg']}") from None
