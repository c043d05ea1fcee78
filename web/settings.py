"""Settings from the environment (prefix ``GIAOBAN_``). Read once, in the entry point, then frozen."""

from __future__ import annotations

import secrets
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = frozenset({"", "changeme", "change-me", "secret", "dev", "development"})


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GIAOBAN_", frozen=True, extra="ignore")

    environment: str = Field(default="development", description="development | production | test")
    data_dir: Path = Path("./var")
    database_url: str = ""
    secret_key: str = ""
    base_url: str = "http://127.0.0.1:8000"
    time_zone: str = "Asia/Ho_Chi_Minh"
    default_language: str = "vi"
    max_upload_mb: int = 20
    # TLS served by giaoban itself (sites other than the server's own PC need HTTPS for the camera).
    tls_certfile: Path | None = None
    tls_keyfile: Path | None = None
    # Mail: empty means the embedded maildir under the data folder.
    smtp_url: str = ""
    # A ".example" address (RFC 2606) until configured: "localhost" is not a usable mail domain.
    mail_from: str = "giaoban@giaoban.example"
    mail_connections: int = Field(default=4, ge=1, le=16, description="SMTP connections when the URL names none")
    mail_attach_max_kb: int = Field(default=5120, ge=0, description="larger documents are linked, not attached")
    mail_reminder_minutes: list[int] = Field(default_factory=lambda: [24 * 60, 30])
    mail_templates_dir: Path | None = None
    # The durable outbox and its worker (started with the app unless mail_worker is false).
    mail_worker: bool = True
    outbox_lease_seconds: int = Field(default=300, ge=1)
    outbox_poll_seconds: float = Field(default=1.0, gt=0)
    outbox_max_attempts: int = Field(default=8, ge=1)
    outbox_retry_base_seconds: float = Field(default=30.0, gt=0)
    # Filing into the document-management system (docs/filing.md): an http(s) URL to POST edXML packages
    # to, or empty for the drop folder (filing_folder, default <data_dir>/filing: out/ and in/).
    filing_url: str = ""
    filing_token: str = ""
    filing_folder: Path | None = None
    filing_timeout_seconds: float = Field(default=30.0, gt=0)
    filing_status_poll_seconds: float = Field(default=30.0, gt=0)
    filing_status_codes: str = Field(default="", description="arrived=01,rejected=02,registered=03,...")
    # Signing the Giấy mời produced at publishing (docs/records.md): the agency's PKCS#12 certificate and
    # its seal image. Empty: in the test and development environments the demo CA under the data folder
    # signs (meetings.records.demo_pki); in production the Giấy mời then goes out unsigned (logged).
    signing_agency_p12: Path | None = None
    signing_agency_passphrase: str = ""
    signing_seal_image: Path | None = None
    # Trusted root certificates (PEM/DER files; a JSON list) for checking the signatures shown on the meeting
    # page (web/signature_status.py). In the test and development environments the demo CA is added.
    signing_trust_roots: list[Path] = Field(default_factory=list)
    # Media server (its own process); empty means started by the app.
    media_url: str = ""
    join_token_minutes: int = 24 * 60
    # The media server process: its control token when media_url names one already running; when the app
    # starts it: "startup" (with the app) or "demand" (at the first join); empty: "demand" in the test
    # environment, else "startup". STUN/TURN URLs for its candidates (empty: host candidates only).
    media_token: str = ""
    media_start: str = Field(default="", pattern="^(|startup|demand)$")
    media_ice_servers: list[str] = Field(default_factory=list)
    # The meeting room: audio slots per participant (the loudest sites heard at once, open mode).
    room_audio_slots: int = Field(default=4, ge=1, le=8)
    # Password hashing: "standard" (argon2id at the library's recommended cost), or "fast-insecure-for-tests",
    # which only the test environment may use (a test suite hashes hundreds of passwords).
    password_hash_profile: str = Field(default="standard", pattern="^(standard|fast-insecure-for-tests)$")

    @field_validator("filing_status_codes")
    @classmethod
    def _known_filing_states(cls, value: str) -> str:
        from meetings.records.edxml_status import StatusCodes

        StatusCodes.parse(value)  # a ValueError naming the unknown state stops the start
        return value

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Settings:
        if self.environment == "production" and self.secret_key.strip().lower() in PLACEHOLDER_SECRETS:
            raise ValueError(
                "GIAOBAN_SECRET_KEY must be set to a long random value in production "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        return self

    @model_validator(mode="after")
    def _fast_password_hashes_only_in_tests(self) -> Settings:
        if self.password_hash_profile != "standard" and self.environment != "test":
            raise ValueError(
                f"GIAOBAN_PASSWORD_HASH_PROFILE={self.password_hash_profile} is for test suites only "
                "(GIAOBAN_ENVIRONMENT=test); real passwords need the standard profile"
            )
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'giaoban.sqlite3').resolve()}"

    def resolved_secret_key(self) -> str:
        """The configured secret, or one generated once and kept in the data folder (development)."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key
