"""Bulk writes to Elasticsearch with per-item error handling and retries with backoff."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from elasticsearch import ApiError, ConnectionError, ConnectionTimeout, Elasticsearch

from indexer.backends.base import SearchBackendError

log = logging.getLogger(__name__)
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
CHUNK_DOCS = 500

IndexItem = tuple[str, int, int, dict[str, Any]]  # index, id, version, source
DeleteItem = tuple[str, int, int]  # index, id, version
Operation = tuple[dict[str, Any], dict[str, Any] | None]  # action line, source line (none for deletes)


@dataclass
class BulkStats:
    """What one write did; ``stale`` counts writes skipped because a newer version is stored."""

    written: int = 0
    stale: int = 0
    retries: int = 0
    not_found: int = 0
    errors: list[str] = field(default_factory=list)


class BulkWriter:
    """Sends ``_bulk`` requests; retryable items and failed requests are retried with backoff."""

    def __init__(
        self,
        client: Elasticsearch,
        *,
        require_alias: bool,
        refresh: bool,
        attempts: int = 4,
        backoff_s: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.require_alias = require_alias
        self.refresh = refresh
        self.attempts = attempts
        self.backoff_s = backoff_s
        self._sleep = sleep

    def index(self, items: Sequence[IndexItem]) -> BulkStats:
        """Index documents at ``version_type=external_gte``: a lower stored version is replaced, a higher one kept."""
        ops: list[Operation] = [
            ({"index": {"_index": index, "_id": str(doc_id), "version": version, "version_type": "external_gte"}}, src)
            for index, doc_id, version, src in items
        ]
        return self._run(ops, {index for index, *_ in items})

    def delete(self, items: Sequence[DeleteItem]) -> BulkStats:
        """Delete documents at their stored version (the tombstone keeps it, so re-creation is allowed)."""
        ops: list[Operation] = [
            (
                {"delete": {"_index": index, "_id": str(doc_id), "version": version, "version_type": "external_gte"}},
                None,
            )
            for index, doc_id, version in items
        ]
        return self._run(ops, {index for index, *_ in items})

    def _run(self, ops: list[Operation], indices: set[str]) -> BulkStats:
        stats = BulkStats()
        for start in range(0, len(ops), CHUNK_DOCS):
            self._chunk(ops[start : start + CHUNK_DOCS], stats)
        if self.refresh and ops:
            self._with_retries(lambda: self.client.indices.refresh(index=",".join(sorted(indices))), stats)
        return stats

    def _with_retries(self, call: Callable[[], Any], stats: BulkStats) -> Any:
        for attempt in range(1, self.attempts + 1):
            try:
                return call()
            except ConnectionTimeout as exc:  # a hung node: waiting again only delays the caller
                raise SearchBackendError(f"Elasticsearch 请求超时（{exc}）") from exc
            except ConnectionError as exc:
                if attempt == self.attempts:
                    raise SearchBackendError(f"Elasticsearch 无法连接，已重试 {attempt} 次（{exc}）") from exc
            except ApiError as exc:
                if exc.meta.status not in RETRYABLE_STATUSES or attempt == self.attempts:
                    raise
            stats.retries += 1
            self._pause(attempt)
        raise AssertionError("unreachable")

    def _pause(self, attempt: int) -> None:
        delay = self.backoff_s * 2 ** (attempt - 1)
        log.warning("Elasticsearch bulk: retrying in %.1f s", delay)
        self._sleep(delay)

    def _chunk(self, ops: list[Operation], stats: BulkStats) -> None:
        pending = ops
        for attempt in range(1, self.attempts + 1):
            body: list[dict[str, Any]] = []
            for action, source in pending:
                body.append(action)
                if source is not None:
                    body.append(source)
            send = functools.partial(self.client.bulk, operations=body, require_alias=self.require_alias or None)
            response = self._with_retries(send, stats)
            retry: list[Operation] = []
            for op, item in zip(pending, response["items"], strict=True):
                verb, result = next(iter(item.items()))
                status = int(result.get("status", 500))
                if status < 300:
                    stats.written += 1
                elif status == 409:
                    stats.stale += 1
                elif status == 404 and verb == "delete" and result.get("result") == "not_found":
                    stats.not_found += 1
                elif status in RETRYABLE_STATUSES:
                    retry.append(op)
                else:
                    reason = result.get("error", {})
                    reason = reason.get("reason", reason) if isinstance(reason, dict) else reason
                    stats.errors.append(f"{result.get('_index')}/{result.get('_id')}: {status} {reason}")
            if stats.errors:
                raise SearchBackendError("Elasticsearch 拒绝了部分文档：" + "；".join(stats.errors[:5]))
            if not retry:
                return
            if attempt < self.attempts:
                stats.retries += 1
                self._pause(attempt)
            pending = retry
        raise SearchBackendError(f"Elasticsearch 过载：{len(pending)} 个文档重试 {self.attempts} 次后仍未写入")
