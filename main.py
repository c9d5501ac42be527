"""Build the registry app from the chosen domains; `handler` serves it on AWS Lambda."""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from mangum import Mangum

from package.assembly import install_hooks, resume_background_work, routed_domains
from package.core.config import get_settings
from package.core.docs import install_offline_docs
from package.core.errors import install_error_handlers
from package.core.hardening import install_security, warn_insecure_settings
from package.core.leases import Duty
from package.core.logging import configure_logging
from package.core.request_log import install_request_log
from package.core.storage import get_storage
from package.core.write_behind import close_write_behind

logger = logging.getLogger("registry.app")


def create_app(domains: Iterable[str] | None = None) -> FastAPI:
    """The FastAPI app serving `domains` (default: REGISTRY_DOMAINS, which defaults to all)."""
    settings = get_settings()
    configure_logging(settings.log_level)
    chosen = routed_domains(settings.domain_list if domains is None else domains)

    resumed: list[Duty] = []

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        for domain in chosen:
            startup = getattr(
                importlib.import_module(f"package.routers.{domain}.services"), "on_startup", None
            )
            if startup is not None:
                startup()
        # Background work (mirror copies, ratings) starts where artifacts are registered: there every domain
        # resumes what a stopped process left in storage, done by the one process holding the duty (several
        # workers share one storage; a process that takes the duty over from a dead one resumes again).
        if "artifacts" in chosen and not resumed:
            # Once per process: Mangum runs this start-up for every Lambda invocation.
            resumed.append(Duty(get_storage, "resume-background-work", resume_background_work))
            resumed[0].start()
        logger.info("registry started", extra={"domains": chosen, "storage": settings.storage.value})
        yield
        close_write_behind()  # batched bookkeeping (token uses, download audit entries) reaches storage
        if resumed:
            resumed[0].stop()

    app = FastAPI(
        title="Trustworthy Model Registry",
        version="0.1.0",
        description="Register ML models, datasets and code from Hugging Face, GitHub and Kaggle; rate, "
        "trace, license-check and download them. Contract: ECE 461 Fall 2025 OpenAPI 3.4.7.",
        lifespan=lifespan,
        docs_url=None,  # served from local assets by install_offline_docs, not from a CDN
        redoc_url=None,
    )
    app.state.domains = list(chosen)  # what /health/ready reports
    install_offline_docs(app)
    install_error_handlers(app)
    install_hooks()  # every domain's event subscriptions, whatever routes this container mounts
    warn_insecure_settings()  # after install_hooks imported every domain: each registers its checks
    # Limits and headers inside the request log, so refusals (413, 429, ...) are logged and counted too.
    install_security(app)
    install_request_log(app)  # X-Request-ID and one JSON log line per request, in every container
    for domain in chosen:
        endpoint = importlib.import_module(f"package.routers.{domain}.endpoint")
        app.include_router(endpoint.router)
        # A domain may add middleware (`setup_app`).
        setup_app = getattr(endpoint, "setup_app", None)
        if setup_app is not None:
            setup_app(app)
    # Request activity and /metrics come from every container, whatever it mounts; health reads them all.
    if "health" not in chosen and routed_domains(["health"]):
        importlib.import_module("package.routers.health.endpoint").setup_app(app)
    return app


app = create_app()
handler = Mangum(app, lifespan="auto")
