from datetime import timedelta

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from intake.declaration import SERVICE
from intake.domain.filing_limits import FilingLimits
from intake.domain.phone_sign_in import SignInRules
from services.photo_store import PhotoSettings
from services.settings import ServiceSettings, database_on_shared_server


class IntakeSettings(ServiceSettings, PhotoSettings):
    """Environment variables are prefixed `INTAKE_` (e.g. `INTAKE_DATABASE_URL`,
    `INTAKE_BLOBS__URL=s3://bucket/intake` for the appeals' photos)."""

    model_config = SettingsConfigDict(
        env_prefix=f"{SERVICE.env_prefix}_", env_nested_delimiter="__", extra="ignore"
    )

    service_name: str = SERVICE.name
    database_url: str = Field(default_factory=lambda: database_on_shared_server(SERVICE.database))
    http_port: int = SERVICE.port
    public_base_url: str = Field(
        default="",
        description="base URL of intake as clients reach it: shown in links to appeals (empty:"
        " relative links) and the `iss` of citizens' tokens (empty: http://127.0.0.1:<port>)",
    )

    # Citizens' tokens (intake is their identity provider for phone sign-in).
    token_key: SecretStr = Field(
        default=SecretStr(""),
        description="intake's private signing key as JWK JSON (ES256), shared by every"
        " instance (from a Secret); takes precedence over the file",
    )
    token_key_file: str = Field(
        default="",
        description="file with intake's private signing key (JWK, ES256), made with mode 0600"
        " if missing (neither set: a key made in memory at start — one instance only)",
    )
    token_lifetime_s: int = Field(
        default=3600, ge=60, le=86400, description="how long a citizen's token is good for"
    )

    # The SMS gateway codes go out through.
    sms_base_url: str = Field(
        default="", description="base URL of the SMS gateway (empty: phone sign-in answers 503)"
    )
    sms_api_key: SecretStr = Field(default=SecretStr(""), description="the SMS gateway's key")

    # Phone sign-in.
    phone_code_secret: SecretStr = Field(
        default=SecretStr(""),
        description="HMAC key under which sent codes are kept (empty: a random one per"
        " process — codes die with it; set it when running more than one instance)",
    )
    phone_default_region: str = Field(
        default="RU",
        min_length=2,
        max_length=2,
        description="country of numbers given without +country code (ISO 3166 alpha-2)",
    )
    phone_code_text: str = Field(
        default="Код для входа: {code}. Никому его не сообщайте.",
        description="the text message; `{code}` is replaced by the code",
    )
    phone_code_lifetime_s: int = Field(default=300, ge=30, description="how long a code is good")
    phone_code_max_tries: int = Field(default=5, ge=1, description="wrong codes a code survives")
    phone_resend_after_s: int = Field(
        default=60, ge=0, description="wait before another code to the same phone"
    )
    phone_codes_per_hour: int = Field(default=5, ge=1, description="codes to one phone per hour")
    phone_codes_per_day: int = Field(default=10, ge=1, description="codes to one phone per 24 h")
    client_codes_per_hour: int = Field(
        default=10, ge=1, description="codes asked for from one network address per hour"
    )
    client_codes_per_day: int = Field(
        default=50, ge=1, description="codes asked for from one network address per 24 h"
    )
    sms_daily_budget: int = Field(
        default=5000, ge=1, description="codes sent to everyone together in any 24 h"
    )

    # The citizen's verdict on an answer.
    verdict_days: int = Field(
        default=7,
        ge=1,
        description="days the citizen has to confirm or dispute an answer; unjudged answers"
        " close after them",
    )
    verdict_sweep_every_s: float = Field(
        default=600.0, gt=0, description="how often answers past their verdict days are closed"
    )
    verdict_sweep_batch: int = Field(
        default=500, ge=1, description="appeals closed per transaction by that sweep"
    )

    # The citizen's photos of an appeal (and `PhotoSettings`: the store, sizes).
    photos_per_appeal: int = Field(
        default=5, ge=0, le=20, description="how many photos the citizen may add to an appeal"
    )

    # Moderation (the word lists are the city's `moderation.json`, loaded by load-city).
    appeals_per_hour: int = Field(
        default=10, ge=1, description="appeals one citizen may file in any hour (then 429)"
    )
    appeals_per_day: int = Field(
        default=30, ge=1, description="appeals one citizen may file in any 24 h (then 429)"
    )
    clarification_wait_days: float = Field(
        default=10.0,
        gt=0,
        description="days the citizen has to answer a moderator's question (the deadline"
        " travels with it; after it the executor may close the appeal)",
    )

    @field_validator("phone_code_text")
    @classmethod
    def names_the_code(cls, text: str) -> str:
        if "{code}" not in text:
            raise ValueError("the text must contain {code}")
        return text

    def token_issuer(self) -> str:
        """The `iss` of citizens' tokens."""
        return self.public_base_url.rstrip("/") or f"http://127.0.0.1:{self.http_port}"

    def filing_limits(self) -> FilingLimits:
        return FilingLimits(per_hour=self.appeals_per_hour, per_day=self.appeals_per_day)

    def clarification_wait(self) -> timedelta:
        return timedelta(days=self.clarification_wait_days)

    def verdict_window(self) -> timedelta:
        return timedelta(days=self.verdict_days)

    def sign_in_rules(self) -> SignInRules:
        return SignInRules(
            code_lifetime=timedelta(seconds=self.phone_code_lifetime_s),
            max_tries=self.phone_code_max_tries,
            resend_after=timedelta(seconds=self.phone_resend_after_s),
            per_phone_hour=self.phone_codes_per_hour,
            per_phone_day=self.phone_codes_per_day,
            per_client_hour=self.client_codes_per_hour,
            per_client_day=self.client_codes_per_day,
            daily_budget=self.sms_daily_budget,
        )
