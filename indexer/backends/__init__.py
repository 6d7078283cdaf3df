"""Search backends behind one interface."""

from indexer.backends.base import IndexMismatchError, SearchBackend, SearchBackendError
from indexer.backends.sqlite import SqliteSearchBackend

__all__ = ["IndexMismatchError", "SearchBackend", "SearchBackendError", "SqliteSearchBackend"]
