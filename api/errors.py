"""One mapping from domain errors to HTTP answers; no database detail leaks out."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from tortoise.exceptions import IntegrityError
from tortoise.exceptions import ValidationError as ModelValidationError

from core.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from core.keys import CryptoError

log = logging.getLogger("rgpd.api")


def _detail(loc, msg, kind) -> dict:
    return {"loc": list(loc), "msg": msg, "type": kind}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotFound)
    async def not_found(_: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse(status_code=404, content={"detail": str(exc)})

    @app.exception_handler(Forbidden)
    async def forbidden(_: Request, exc: Forbidden) -> JSONResponse:
        return JSONResponse(status_code=403, content={"detail": str(exc)})

    @app.exception_handler(Conflict)
    async def conflict(_: Request, exc: Conflict) -> JSONResponse:
        return JSONResponse(status_code=409, content={"detail": str(exc)})

    @app.exception_handler(InvalidTransition)
    async def invalid_transition(_: Request, exc: InvalidTransition) -> JSONResponse:
        return JSONResponse(status_code=409, content={"detail": str(exc)})

    @app.exception_handler(IntegrityError)
    async def integrity(_: Request, exc: IntegrityError) -> JSONResponse:
        return JSONResponse(
            status_code=409,
            content={
                "detail": "écriture refusée : elle contredit une donnée existante du registre"
            },
        )

    @app.exception_handler(ModelValidationError)
    async def model_invalid(_: Request, exc: ModelValidationError) -> JSONResponse:
        # A column's own limit that an input shape let through (a safety net, and a bug to
        # fix in that shape): 422 naming the field, never a 500. The value is not repeated.
        field, _, problem = str(exc).partition(":")
        limit = problem.rsplit(">", 1)[-1].strip() if ">" in problem else ""
        msg = f"valeur trop longue (au plus {limit} caractères)" if limit else "valeur refusée"
        return JSONResponse(
            status_code=422, content={"detail": [_detail(("body", field), msg, "value_error")]}
        )

    @app.exception_handler(CryptoError)
    async def crypto(_: Request, exc: CryptoError) -> JSONResponse:
        # A key missing from the settings, or a value altered in the database: the instance's
        # fault, said plainly (a key id and a table.column, never a key nor a value).
        log.error("encrypted field: %s", exc)
        return JSONResponse(status_code=500, content={"detail": str(exc)})

    @app.exception_handler(ValidationFailed)
    async def invalid(_: Request, exc: ValidationFailed) -> JSONResponse:
        return JSONResponse(
            status_code=422,
            content={"detail": [_detail(p.loc, p.msg, p.type) for p in exc.problems]},
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        from core.validation import problems_from_errors

        return JSONResponse(
            status_code=422,
            content={
                "detail": [
                    _detail(p.loc, p.msg, p.type) for p in problems_from_errors(exc.errors())
                ]
            },
        )
