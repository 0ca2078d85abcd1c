"""FastAPI application factory."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from tortoise.contrib.fastapi import RegisterTortoise
from tortoise.functions import Count

from api.database import tortoise_config
from api.errors import install_error_handlers
from api.input_guard import InputGuardMiddleware
from api.nul_guard import NulGuardMiddleware
from api.openapi import install_openapi
from api.routes import (
    activities,
    auth,
    breaches,
    contacts,
    convention_clauses,
    convention_life,
    conventions,
    documents,
    end_of_service,
    exports,
    journal,
    measures,
    messages,
    nis2,
    organisations,
    subprocessors,
)
from api.security.authentication import AuthenticationMiddleware
from api.security.headers import SecurityHeadersMiddleware
from api.web.routes import compte as web_compte
from api.web.routes import convention_clauses as web_convention_clauses
from api.web.routes import convention_life as web_convention_life
from api.web.routes import conventions as web_conventions
from api.web.routes import dashboard as web_dashboard
from api.web.routes import documents as web_documents
from api.web.routes import end_of_service as web_end_of_service
from api.web.routes import exports as web_exports
from api.web.routes import journal as web_journal
from api.web.routes import login as web_login
from api.web.routes import proposals as web_proposals
from api.web.routes import registre as web_registre
from api.web.routes import subprocessors as web_subprocessors
from api.web.routes import violations as web_violations
from breach.breaches.models import Breach
from breach.breaches.service import OPEN
from core.clock import utcnow
from core.config import get_settings
from core.db import ping
from core.health import outbox_report, scheduler_report
from core.logging_setup import AccessLogMiddleware
from core.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from core.metrics import exposition
from core.templating import TEMPLATES_DIR

API_PREFIX = "/api/v1"
STATIC_DIR = TEMPLATES_DIR.parent / "static"  # stylesheet and scripts of the pages


def create_app(
    *, manage_database: bool = True, db_url: str | None = None, run_scheduler: bool | None = None
) -> FastAPI:
    """`manage_database=False` leaves the ORM to the caller (tests open their own database).

    `run_scheduler=True` runs the scheduler in the app's process (`rgpd serve`, the embedded
    default); with several workers on PostgreSQL, one of them leads and the others stand by.
    Left out, it is RGPD_SCHEDULER_ENABLED: uvicorn's workers call `create_app()` with no
    argument (`rgpd serve --no-scheduler` sets that variable for them).
    """
    settings = get_settings()
    if run_scheduler is None:
        run_scheduler = settings.scheduler_enabled

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not manage_database:
            yield
            return
        async with RegisterTortoise(app, config=tortoise_config(db_url), generate_schemas=False):
            if not run_scheduler:
                yield
                return
            from jobs.scheduler import run_scheduler as scheduler_loop

            stop = asyncio.Event()
            task = asyncio.create_task(scheduler_loop(stop))
            try:
                yield
            finally:
                stop.set()
                await task

    app = FastAPI(
        title="registre-rgpd",
        version="0.1.0",
        summary="Registre des activités de traitement et violations de données "
        "des collectivités qui mutualisent leurs services numériques",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    install_openapi(app)  # security schemes and error answers (api.openapi)
    # Added last, runs first: the headers wrap every answer, the 401s included.
    app.add_middleware(InputGuardMiddleware)  # enc:v1: texts (422), oversized uploads (413)
    app.add_middleware(NulGuardMiddleware)  # inside: unauthenticated requests get 401
    app.add_middleware(AuthenticationMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    # Outermost: one line per request, whatever answered it (core.logging_setup).
    app.add_middleware(AccessLogMiddleware, client_address=settings.log_client_address)
    for module in (
        auth,
        organisations,
        contacts,
        conventions,
        convention_clauses,
        convention_life,
        activities,
        subprocessors,
        documents,
        end_of_service,
        measures,
        breaches,
        messages,
        nis2,
        journal,
        exports,
    ):
        app.include_router(module.router, prefix=API_PREFIX)

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (
        web_login,
        web_dashboard,
        web_registre,
        web_conventions,
        web_convention_clauses,
        web_convention_life,
        web_proposals,
        web_subprocessors,
        web_documents,
        web_end_of_service,
        web_violations,
        web_exports,
        web_journal,
        web_compte,
    ):
        app.include_router(module.router)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> JSONResponse:
        """503 only when the database is unreachable (a web worker cannot serve); a missing
        scheduler or a failed message makes the instance 'degraded', still serving."""
        if not await ping():
            return JSONResponse(
                status_code=503, content={"status": "down", "database": "unreachable"}
            )
        scheduler = await scheduler_report(utcnow())
        outbox = await outbox_report()
        degraded = scheduler["leader"] != "present" or outbox["failed"] > 0
        return JSONResponse(
            status_code=200,
            content={
                "status": "degraded" if degraded else "ok",
                "database": "ok",
                "scheduler": scheduler,
                "outbox": outbox,
            },
        )

    if settings.metrics_enabled:

        @app.get("/metrics", include_in_schema=False)
        async def metrics() -> PlainTextResponse:
            """Prometheus text format, counts and times only; public (a scraper has no
            session): the reverse proxy must not expose it."""
            now = utcnow()
            if not await ping():
                return PlainTextResponse(
                    await exposition(now, open_breaches={}, database_up=False),
                    media_type=METRICS_CONTENT_TYPE,
                )
            return PlainTextResponse(
                await exposition(now, open_breaches=await _open_breaches()),
                media_type=METRICS_CONTENT_TYPE,
            )

    return app


async def _open_breaches() -> dict[str, int]:
    """Open breaches by status, every open status listed (0 included), for /metrics."""
    rows = Breach.filter(status__in=OPEN).annotate(n=Count("id")).group_by("status")
    counts = dict(await rows.values_list("status", "n"))
    return {status.value: counts.get(status, counts.get(status.value, 0)) for status in OPEN}
