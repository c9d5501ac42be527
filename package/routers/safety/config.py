"""Settings of the safety domain (environment variables with the `REGISTRY_` prefix)."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from typing import Annotated

from fastapi import Depends
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from package.core.config import register_settings_cache
from package.core.on_loop import on_loop


class DangerPolicy(StrEnum):
    """What a dangerous verdict does to downloads."""

    WARN = "warn"  # report it; downloads go on
    BLOCK = "block"  # downloads answer 403 until an admin approves the artifact


class SafetySettings(BaseSettings):
    """How artifacts are scanned and what a dangerous verdict does."""

    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore", frozen=True)

    safety_policy: DangerPolicy = Field(
        default=DangerPolicy.WARN,
        description="`warn`: a dangerous verdict is reported only; `block`: downloads of a dangerous "
        "artifact answer 403 with the finding until an admin approves it.",
    )
    safety_refuse_dangerous: bool = Field(
        default=False,
        description="Scan an artifact's code-carrying files (pickles, Keras, NumPy, zips) while it is "
        "registered and refuse it (424, nothing stored) when any is dangerous.",
    )
    safety_max_file_bytes: int = Field(
        default=4 * 1024**3,
        ge=1024,
        description="Largest file whose whole content is scanned; larger pickle-family files are `unscanned` "
        "(safetensors and GGUF headers are checked whatever the size).",
    )
    safety_scan_seconds: float = Field(
        default=120.0, gt=0, description="Time limit of one file's scan; a file over it is `unscanned`."
    )
    safety_scan_workers: int = Field(default=2, ge=1, le=16, description="Background scans run at once.")
    safety_name_distance: int = Field(
        default=2,
        ge=0,
        le=5,
        description="Largest edit distance (after folding look-alike characters) at which a name or repo id "
        "resembling a registered or popular one is a `name_confusion` finding (names of 10+ characters; "
        "shorter ones allow 1; 0 keeps only exact look-alikes).",
    )


@lru_cache(maxsize=1)
def get_safety_settings() -> SafetySettings:
    """The process-wide safety settings, read once from the environment."""
    return SafetySettings()


register_settings_cache(get_safety_settings)


SafetySettingsDep = Annotated[SafetySettings, Depends(on_loop(get_safety_settings))]
