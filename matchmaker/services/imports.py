"""Import needs, achievements and organisations from files: all rows or none."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from matchmaker.importing.columns import recognises_headers
from matchmaker.importing.readers import ImportFileError, read_table
from matchmaker.importing.validate import (
    RowIssue,
    ValidationResult,
    ValidRow,
    guess_organization_kind,
    validate_table,
)
from matchmaker.regions import RegionResolver
from matchmaker.runtime import Runtime
from matchmaker.services.errors import ServiceError
from matchmaker.services.indexing import sync_index
from matchmaker.services.listings import save_listing
from matchmaker.services.organizations import get_or_create_organization, save_organization
from models import Organization
from models.enums import ListingStatus

IMPORT_KINDS = ("need", "achievement", "organization")


class ImportAborted(ServiceError):
    """The file had errors and nothing was imported."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(f"{len(report.errors)} 处错误，未导入任何数据")
        self.report = report


@dataclass
class ImportReport:
    """What an import found and did."""

    kind: str
    path: str
    total: int = 0
    valid: int = 0
    skipped: int = 0
    dry_run: bool = False
    written: bool = False
    outcomes: Counter[str] = field(default_factory=Counter)
    organizations_created: int = 0
    errors: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)
    index_error: str = ""


def _resolve_regions(result: ValidationResult, resolver: RegionResolver) -> dict[int, str | None]:
    codes: dict[int, str | None] = {}
    for row in result.rows:
        text = row.values.get("region", "")
        if not text:
            codes[row.row] = None
            continue
        resolution = resolver.resolve(text)
        codes[row.row] = resolution.code
        if not resolution.ok:
            hint = f"，可能是 {len(resolution.candidates)} 个地区之一" if resolution.candidates else ""
            result.warnings.append(
                RowIssue(row.row, "region", "region", f"无法唯一确定行政区划“{text}”{hint}，按原文保留")
            )
    return codes


def _check_credit_codes(session: Session, result: ValidationResult) -> None:
    for row in list(result.rows):
        code = row.values.get("credit_code")
        if not code:
            continue
        owner = session.scalar(select(Organization).where(Organization.credit_code == code))
        if owner is not None and owner.name != row.values["name"]:
            result.errors.append(
                RowIssue(row.row, "credit_code", "credit_code", f"统一社会信用代码已属于“{owner.name}”")
            )
            result.bad_rows.add(row.row)
            result.rows.remove(row)


def _write_rows(
    session: Session,
    kind: str,
    rows: list[ValidRow],
    regions: dict[int, str | None],
    status: str | None,
    actor: str,
    report: ImportReport,
    present: set[str],
) -> None:
    for row in rows:
        region_code = regions.get(row.row)
        if kind == "organization":
            _, outcome = save_organization(session, row.values, region_code, actor, present)
            report.outcomes[outcome] += 1
            continue
        org = None
        if row.values.get("organization"):
            default_kind = "enterprise" if kind == "need" else "institute"
            org, created = get_or_create_organization(
                session,
                row.values["organization"],
                guess_organization_kind(row.values["organization"], default_kind),
                region_code,
                row.values.get("region", ""),
                actor,
            )
            report.organizations_created += int(created)
            if region_code is None and org.region_code:
                region_code = org.region_code
        _, outcome = save_listing(session, kind, row.values, org, region_code, status, actor, present)
        report.outcomes[outcome] += 1


def import_file(
    runtime: Runtime,
    kind: str,
    path: str | Path,
    *,
    status: str | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    actor: str = "cli",
    sync: bool = True,
) -> ImportReport:
    """Validate and import ``path``; raises ImportAborted (nothing written) on bad rows.

    New listings are published unless ``status`` says otherwise; existing ones keep their status
    unless ``status`` is given.

    Raises ImportFileError when the file itself cannot be read.
    """
    if kind not in IMPORT_KINDS:
        raise ServiceError(f"未知的导入类型：{kind}")
    if status not in (None, ListingStatus.PUBLISHED, ListingStatus.DRAFT, ListingStatus.PENDING_REVIEW):
        raise ServiceError(f"导入状态只能是 published、draft 或 pending_review：{status}")
    table = read_table(path, recognises_headers(kind))
    result = validate_table(kind, table)
    report = ImportReport(kind=kind, path=str(path), total=result.total, dry_run=dry_run)
    regions = _resolve_regions(result, runtime.region_resolver())
    with runtime.session_factory() as session:
        if kind == "organization":
            _check_credit_codes(session, result)
        report.errors, report.warnings = result.errors, result.warnings
        report.valid = len(result.rows)
        report.skipped = len(result.bad_rows)
        file_level = any(e.row == 0 for e in result.errors)
        if file_level or (result.errors and not skip_invalid):
            raise ImportAborted(report)
        if dry_run:
            return report
        try:
            _write_rows(session, kind, result.rows, regions, status, actor, report, result.present)
            session.commit()
        except SQLAlchemyError as exc:
            session.rollback()
            raise ServiceError(f"写入数据库失败，未导入任何数据：{exc.__class__.__name__}: {exc}") from exc
    report.written = True
    if sync and kind != "organization" and runtime.config.INDEX_SYNC_INLINE:
        try:
            synced = sync_index(runtime)
        except Exception as exc:  # the data is committed; the outbox keeps the index work
            report.index_error = f"{exc.__class__.__name__}: {exc}"
        else:
            if synced.failed:
                report.index_error = "; ".join(synced.errors[:3])
    return report


__all__ = ["IMPORT_KINDS", "ImportAborted", "ImportFileError", "ImportReport", "import_file"]
