"""Service errors on top of the engine's taxonomy (``transport.domain.errors``): each carries its HTTP status."""

from __future__ import annotations

from transport.domain.errors import InputError, SenTransportError


class NotFoundError(SenTransportError, LookupError):
    """No such record (or not one the caller may know about)."""

    http_status = 404
    exit_code = 2


class ConflictError(SenTransportError):
    """The request conflicts with the stored state (duplicate, wrong stage, already awarded)."""

    http_status = 409
    exit_code = 2


class ForbiddenError(SenTransportError, PermissionError):
    """The caller's role or operator may not see or do this."""

    http_status = 403
    exit_code = 2


class FieldError(InputError):
    """Bad input that names the field it is about (reported as a 422 field-level message)."""

    def __init__(self, loc: tuple[str | int, ...], message: str):
        super().__init__(message)
        self.loc = loc


class RowsError(InputError):
    """An uploaded table with bad rows: each is reported as a 422 item at ``["body", "row", n]`` (the number a
    spreadsheet shows), all of them at once; nothing of the upload is stored."""

    def __init__(self, rows: list[tuple[int, str]]):
        super().__init__(f"{len(rows)} bad row{'s' if len(rows) != 1 else ''}; nothing was stored")
        self.rows = rows
