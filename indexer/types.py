"""The search document shared by every backend, and search hits and filters."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np


def region_ancestors(code: str | None) -> list[str]:
    """The code itself and the codes of the city and province above it (GB/T 2260 structure)."""
    if not code or len(code) != 6:
        return []
    out = [code]
    city, province = code[:4] + "00", code[:2] + "0000"
    for c in (city, province):
        if c not in out:
            out.append(c)
    return out


@dataclass
class IndexDocument:
    """A listing as the index stores it: segmented text, vector and filterable fields."""

    kind: str
    id: int
    external_id: str
    version: int
    title: str
    title_terms: list[str]
    keyword_terms: list[str]
    body_terms: list[str]
    vector: np.ndarray | None = None
    keywords: list[str] = field(default_factory=list)
    region_code: str | None = None
    tech_field: str = ""
    industries: list[str] = field(default_factory=list)
    maturity: str = ""
    modes: list[str] = field(default_factory=list)
    amount: str | None = None
    price_negotiable: bool = False
    status: str = "published"
    organization_id: int | None = None
    organization_name: str = ""
    updated_at: str = ""
    valid_until: str = ""

    @property
    def region_path(self) -> list[str]:
        """Region code with the codes above it, for filters at any level."""
        return region_ancestors(self.region_code)

    def to_data(self) -> dict[str, Any]:
        """Everything except the vector, as JSON-ready data."""
        data = {k: v for k, v in self.__dict__.items() if k != "vector"}
        return data

    @classmethod
    def from_data(cls, data: dict[str, Any], vector: np.ndarray | None) -> IndexDocument:
        """Rebuild a document from stored data and its vector."""
        return cls(**data, vector=vector)


class Filterable(Protocol):
    """What filters look at."""

    status: str
    tech_field: str
    industries: list[str]
    maturity: str
    modes: list[str]

    @property
    def region_path(self) -> list[str]:
        """Region code and the codes above it."""
        ...


@dataclass(frozen=True)
class SearchFilters:
    """Restrictions applied by every search backend in the same way."""

    statuses: tuple[str, ...] = ("published",)
    region_code: str | None = None
    tech_field: str | None = None
    industry: str | None = None
    maturity: str | None = None
    mode: str | None = None

    def accepts(self, doc: Filterable) -> bool:
        """True when ``doc`` passes every filter (the reference semantics for backends)."""
        if self.statuses and doc.status not in self.statuses:
            return False
        if self.region_code and self.region_code not in doc.region_path:
            return False
        if self.tech_field and doc.tech_field != self.tech_field:
            return False
        if self.industry and self.industry not in doc.industries:
            return False
        if self.maturity and doc.maturity != self.maturity:
            return False
        return not (self.mode and self.mode not in doc.modes)


@dataclass(frozen=True)
class SearchHit:
    """One result of a keyword or vector search: the document id and the backend's score."""

    id: int
    score: float
