"""A small error taxonomy: each error says what is wrong and names the object.

``InputError`` is the caller's to fix (HTTP 422, CLI exit 2); ``RoutingError`` means the
network or solver could not answer (exit 3); anything else is an ``InternalError`` (exit 1).
"""

from __future__ import annotations


class SenTransportError(Exception):
    """Base class of the project's own errors."""

    exit_code = 1
    http_status = 500


class InputError(SenTransportError, ValueError):
    """Bad input: a value, a row or a file that cannot be used as given."""

    exit_code = 2
    http_status = 422


class OutsideNetworkError(InputError):
    """A point lies outside the loaded extract or too far from any usable road or path."""


class UnknownPostcodeError(InputError):
    """A postcode is not in the loaded Code-Point Open file."""


class DataNotFoundError(InputError):
    """A data file the configuration names does not exist."""


class RoutingError(SenTransportError, RuntimeError):
    """The network or the solver could not answer (no path, no feasible plan)."""

    exit_code = 3
    http_status = 409


class NoPathError(RoutingError):
    """No path joins two points on the chosen network."""


class InternalError(SenTransportError, RuntimeError):
    """A defect in the engine itself."""


def from_validation(exc, source: str) -> InputError:
    """One-line ``InputError`` from a pydantic ``ValidationError``: source, field path, first problem."""
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "(top level)"
    msg = str(first["msg"]).removeprefix("Value error, ")
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return InputError(f"{source}: {where}: {msg}{more}")
