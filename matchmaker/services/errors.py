"""Domain errors raised by services and mapped to messages by the CLI, the views and the API."""

from __future__ import annotations


class ServiceError(Exception):
    """Base class of domain errors; the message is for the user (Chinese)."""

    status = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFoundError(ServiceError):
    """The object does not exist (or the actor may not know that it does)."""

    status = 404


class ConflictError(ServiceError):
    """The change conflicts with the current state (wrong status, stale version, duplicate)."""

    status = 409


class PermissionDeniedError(ServiceError):
    """The policy does not grant this action to the actor."""

    status = 403


class ValidationError(ServiceError):
    """One or more fields are invalid; ``errors`` maps each field to its message."""

    status = 422

    def __init__(self, errors: dict[str, str]) -> None:
        field, message = next(iter(errors.items()))
        super().__init__(f"{field}：{message}", field)
        self.errors = errors
