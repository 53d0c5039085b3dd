"""Render every NewsKGError, and every unexpected error, as one JSON body shape."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from newskg.core.errors import BadRequestError, NewsKGError, UnauthorizedError
from newskg.core.redaction import without_credentials

log = logging.getLogger("newskg.web")


def error_response(error: NewsKGError) -> JSONResponse:
    """The response for one error: its status, its JSON body (URLs without credentials), the headers it needs."""
    headers = {}
    if isinstance(error, UnauthorizedError):
        headers["WWW-Authenticate"] = 'Bearer realm="newskg"'
    body = error.to_dict()
    body["message"] = without_credentials(body["message"])
    return JSONResponse(body, status_code=error.status, headers=headers)


def known_error_response(request: Request, exc: NewsKGError) -> JSONResponse:
    """The response for an error of the hierarchy raised while serving `request` (server faults are logged)."""
    if exc.status >= 500:
        log.error("%s %s: %s", request.method, request.url.path, without_credentials(exc.message))
    if exc.status == 500:  # our own fault: what went wrong (paths, engine text) is for the log only
        return error_response(NewsKGError("internal error; see the server log"))
    return error_response(exc)


def unexpected_error_response(request: Request) -> JSONResponse:
    """The response for an unexpected exception (being handled) while serving `request`: logged, a bare 500."""
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return error_response(NewsKGError("internal error; see the server log"))


def add_error_handlers(app: FastAPI) -> None:
    """Map the error hierarchy to HTTP in one place."""

    @app.exception_handler(NewsKGError)
    async def _known(request: Request, exc: NewsKGError):
        return known_error_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        return error_response(BadRequestError("invalid request parameters", detail=jsonable_encoder(exc.errors())))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        error = NewsKGError(str(exc.detail))
        error.status, error.title = exc.status_code, "HTTP error"
        return JSONResponse(error.to_dict(), status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        return unexpected_error_response(request)
