"""Every error the API answers carries a message for people: Dutch first, English second.

The ``detail`` field keeps its machine shape (a string or FastAPI's list of field errors);
``message_nl`` and ``message_en`` say the same for a person, and ``fields`` names the form
fields at fault so a page can show the message next to the field.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

# What a status means when a route gave no Dutch text of its own.
_BY_STATUS: dict[int, tuple[str, str]] = {
    400: ("De aanvraag is ongeldig.", "The request is invalid."),
    401: ("Meld je opnieuw aan.", "Please log in again."),
    403: ("Je hebt hiervoor geen toegang.", "You are not allowed to do this."),
    404: ("Niet gevonden.", "Not found."),
    405: ("Deze bewerking kan hier niet.", "This operation is not allowed here."),
    409: ("Dit botst met wat al bewaard is.", "This conflicts with what is already stored."),
    410: ("Dit bestaat niet meer.", "This no longer exists."),
    413: ("Dit is te groot.", "This is too large."),
    415: ("Dit bestandstype wordt niet aanvaard.", "This file type is not accepted."),
    422: ("De invoer is ongeldig.", "The input is invalid."),
    429: ("Te veel pogingen; probeer straks opnieuw.", "Too many attempts; try again shortly."),
    503: ("De dienst is even bezet; probeer straks opnieuw.", "The service is busy; try again."),
}
_FIELD_NL = {
    "threshold": "drempel",
    "day": "dag",
    "start": "begin",
    "end": "einde",
    "reason": "reden",
    "photo": "foto",
    "district": "deelgemeente",
    "q": "zoekterm",
    "time_limit_s": "rekentijd",
}


class UserError(HTTPException):
    """An HTTP error with its message in Dutch and English (and the fields it is about)."""

    def __init__(self, status_code: int, nl: str, en: str, *, fields: tuple[str, ...] = ()) -> None:
        super().__init__(status_code, detail=en)
        self.nl = nl
        self.en = en
        self.fields = fields


def _generic(status: int) -> tuple[str, str]:
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return ("Er ging iets mis op de server.", "Something went wrong on the server.")
    return ("De aanvraag werd geweigerd.", "The request was refused.")


def body_for(status: int, detail: Any) -> dict[str, Any]:
    """The JSON body of an error that carries no Dutch text of its own."""
    nl, en = _generic(status)
    if isinstance(detail, str) and detail:
        en = detail if detail[0].isupper() else detail[0].upper() + detail[1:]
        nl = f"{nl} ({en})"
    return {"detail": detail, "message_nl": nl, "message_en": en, "fields": []}


def validation_body(errors: list[Any]) -> dict[str, Any]:
    """The JSON body of a request that failed validation, naming the fields at fault."""
    fields: list[str] = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
        name = next((p for p in reversed(loc) if not p.isdigit()), "")
        if name and name not in fields:
            fields.append(name)
    names_nl = ", ".join(_FIELD_NL.get(f, f) for f in fields)
    names_en = ", ".join(fields)
    return {
        "detail": errors,
        "message_nl": f"Ongeldige invoer: {names_nl}." if fields else _BY_STATUS[422][0],
        "message_en": f"Invalid input: {names_en}." if fields else _BY_STATUS[422][1],
        "fields": fields,
    }


def install(app: FastAPI) -> None:
    """Answer every HTTP and validation error with Dutch and English messages."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code < 400:  # redirects and the like keep FastAPI's own answer
            return await http_exception_handler(request, exc)
        if isinstance(exc, UserError):
            body = {
                "detail": exc.en,
                "message_nl": exc.nl,
                "message_en": exc.en,
                "fields": list(exc.fields),
            }
        else:
            body = body_for(exc.status_code, exc.detail)
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(validation_body(jsonable_encoder(exc.errors())), status_code=422)
