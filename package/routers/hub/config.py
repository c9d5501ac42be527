"""Settings of the hub domain (the Hugging Face-compatible endpoint)."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import Depends
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from package.core.config import register_settings_cache
from package.core.on_loop import on_loop


class HubSettings(BaseSettings):
    """What the Hub-compatible endpoint does with repositories nobody registered yet."""

    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore", frozen=True)

    hub_pull_through: bool = Field(
        default=False,
        description="Register a Hugging Face repository the first time a Hub client asks for it "
        "(pull-through); it passes the same gates as any registration. Off: unregistered ones answer 404.",
    )


@lru_cache(maxsize=1)
def get_hub_settings() -> HubSettings:
    """The hub settings, read once from the environment."""
    return HubSettings()


register_settings_cache(get_hub_settings)


HubSettingsDep = Annotated[HubSettings, Depends(on_loop(get_hub_settings))]
