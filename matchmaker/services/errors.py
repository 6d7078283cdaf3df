"""Domain errors raised by services and mapped to messages by the CLI and views."""

from __future__ import annotations


class ServiceError(Exception):
    """Base class of domain errors; the message is for the user (Chinese)."""


class NotFoundError(ServiceError):
    """The object does not exist."""


class ConflictError(ServiceError):
    """The change conflicts with the current state."""
