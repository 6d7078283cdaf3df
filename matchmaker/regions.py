"""Resolve free-text region names ("山西朔州怀仁市", "怀仁县", "山东临沂") to GB/T 2260 codes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from models.enums import RegionLevel

_SUFFIXES = re.compile(
    r"^(.{2,}?)(?:[\u4e00-\u9fff]{1,3}族)*(?:特别行政区|自治区|自治州|自治县|自治旗|省|市|县|区|盟|旗|地区|林区)$"
)
_LEVEL_RANK: dict[str, int] = {RegionLevel.PROVINCE: 0, RegionLevel.CITY: 1, RegionLevel.COUNTY: 2}
_AMBIGUOUS_SHORT = {"城区", "郊区", "矿区", "新区", "市辖区"}


@dataclass(frozen=True)
class RegionEntry:
    """One region of the registry."""

    code: str
    name: str
    level: str
    parent_code: str | None


@dataclass(frozen=True)
class Resolution:
    """Result of resolving a text: a code when unambiguous, else the candidates found."""

    text: str
    code: str | None
    candidates: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when exactly one region was found."""
        return self.code is not None


def short_name(name: str) -> str | None:
    """The name without its administrative suffix, if at least two characters remain."""
    match = _SUFFIXES.match(name)
    if match is None:
        return None
    stripped = match.group(1)
    return None if stripped in _AMBIGUOUS_SHORT else stripped


class RegionResolver:
    """Finds region names in text and picks the deepest region consistent with all of them."""

    def __init__(self, entries: Iterable[RegionEntry], home_province: str | None = None) -> None:
        self.entries = {e.code: e for e in entries}
        self.names = {code: e.name for code, e in self.entries.items()}
        self.home_province = home_province
        self._aliases: dict[str, set[str]] = {}
        for e in self.entries.values():
            for alias in {e.name, short_name(e.name)}:
                if alias and len(alias) >= 2:
                    self._aliases.setdefault(alias, set()).add(e.code)
        self._by_length = sorted(self._aliases, key=len, reverse=True)
        self._cache: dict[str, Resolution] = {}

    def ancestors(self, code: str) -> list[str]:
        """Codes above ``code``, nearest first."""
        out: list[str] = []
        entry = self.entries.get(code)
        while entry is not None and entry.parent_code:
            out.append(entry.parent_code)
            entry = self.entries.get(entry.parent_code)
        return out

    def full_name(self, code: str) -> str:
        """Province, city and county names joined ("山西省朔州市怀仁市"); the code when unknown."""
        if code not in self.names:
            return code
        chain = [code, *self.ancestors(code)]
        return "".join(self.names[c] for c in reversed(chain) if c in self.names)

    def children(self, code: str | None) -> list[RegionEntry]:
        """Regions directly under ``code`` (provinces for None), by code."""
        return sorted((e for e in self.entries.values() if e.parent_code == code), key=lambda e: e.code)

    def _mentions(self, text: str) -> list[set[str]]:
        taken = [False] * len(text)
        found: list[set[str]] = []
        for alias in self._by_length:
            start = text.find(alias)
            while start != -1:
                span = range(start, start + len(alias))
                if not any(taken[i] for i in span):
                    for i in span:
                        taken[i] = True
                    found.append(self._aliases[alias])
                start = text.find(alias, start + 1)
        return found

    def resolve(self, text: str | None) -> Resolution:
        """Resolve ``text``; ``code`` is None when nothing or more than one region fits."""
        raw = (text or "").strip()
        if not raw:
            return Resolution(raw, None)
        if raw in self._cache:
            return self._cache[raw]
        if raw.isdigit() and raw in self.entries:
            return Resolution(raw, raw, (raw,))
        compact = re.sub(r"\s+", "", raw)
        mentions = self._mentions(compact)
        result = self._choose(raw, mentions)
        self._cache[raw] = result
        return result

    def _level(self, code: str) -> int:
        return _LEVEL_RANK.get(self.entries[code].level, 3)

    def _in_home(self, codes: Iterable[str]) -> list[str]:
        if not self.home_province:
            return []
        return [c for c in codes if self.home_province in {c, *self.ancestors(c)}]

    def _choose(self, raw: str, mentions: list[set[str]]) -> Resolution:
        if not mentions:
            return Resolution(raw, None)
        all_codes = set().union(*mentions)
        if len(mentions) == 1:
            # One name alone ("大同", "海南", "怀仁县"): a region of the home province first, then the
            # largest unit that carries the name (a bare "吉林" is the province, not the city).
            candidates = sorted(all_codes)
            for pool in (self._in_home(candidates), candidates):
                if not pool:
                    continue
                top = min(self._level(c) for c in pool)
                shallowest = [c for c in pool if self._level(c) == top]
                if len(shallowest) == 1:
                    return Resolution(raw, shallowest[0], tuple(candidates))
                return Resolution(raw, None, tuple(candidates))
        # Several names ("山西朔州怀仁市"): the deepest region whose lineage explains every name.
        consistent = [c for c in all_codes if all(m & {c, *self.ancestors(c)} for m in mentions)]
        if not consistent:
            return Resolution(raw, None, tuple(sorted(all_codes)))
        depth = max(self._level(c) for c in consistent)
        deepest = sorted(c for c in consistent if self._level(c) == depth)
        if len(deepest) == 1:
            return Resolution(raw, deepest[0], tuple(deepest))
        home = self._in_home(deepest)
        if len(home) == 1:
            return Resolution(raw, home[0], tuple(deepest))
        return Resolution(raw, None, tuple(deepest))
