from pathlib import Path

import pytest
from sqlalchemy import func, select

from matchmaker.runtime import Runtime
from matchmaker.services.imports import ImportAborted, import_file
from models import Achievement, AuditEvent, IndexOutbox, Need, Organization
from tests.factories import achievement_row, need_row, write_jsonl


def count(runtime: Runtime, model: type) -> int:
    with runtime.session_factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_import_creates_listings_orgs_audit_and_index(runtime: Runtime, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "n.jsonl", [need_row("N1"), need_row("N2", title="干熄焦余热发电")])
    report = import_file(runtime, "need", path)
    assert report.outcomes["created"] == 2
    assert report.organizations_created == 1
    with runtime.session_factory() as session:
        need = session.scalar(select(Need).where(Need.external_id == "N1"))
        assert need is not None
        assert need.status == "published"
        assert need.region_code == "141181"
        assert need.organization is not None and need.organization.name == "孝义市鹏飞焦化有限公司"
        assert str(need.budget) == "2000000.00"
        assert need.solution_modes == ["cooperative"]
        actions = session.scalars(select(AuditEvent.action)).all()
        assert actions.count("need.create") == 2
    assert count(runtime, IndexOutbox) == 0
    assert runtime.backend.count("need") == 2


def test_reimport_updates_never_duplicates(runtime: Runtime, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", [achievement_row("A1"), achievement_row("A2", title="镁合金")])
    import_file(runtime, "achievement", path)
    again = import_file(runtime, "achievement", path)
    assert again.outcomes == {"unchanged": 2}
    assert count(runtime, Achievement) == 2
    write_jsonl(path, [achievement_row("A1", price="99"), achievement_row("A2", title="镁合金")])
    third = import_file(runtime, "achievement", path)
    assert third.outcomes == {"updated": 1, "unchanged": 1}
    with runtime.session_factory() as session:
        a1 = session.scalar(select(Achievement).where(Achievement.external_id == "A1"))
        assert a1 is not None and a1.version == 2 and str(a1.price) == "990000.00"
    assert runtime.backend.versions("achievement")[a1.id] == 2


def test_bad_rows_import_nothing(runtime: Runtime, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "n.jsonl", [need_row("N1"), need_row("N2", budget="五十万"), need_row("N3")])
    with pytest.raises(ImportAborted) as caught:
        import_file(runtime, "need", path)
    errors = caught.value.report.errors
    assert [(e.row, e.field) for e in errors] == [(2, "budget")]
    assert "五十万" in errors[0].message
    assert count(runtime, Need) == 0
    assert count(runtime, Organization) == 0
    assert count(runtime, AuditEvent) == 0


def test_skip_invalid_imports_the_good_rows(runtime: Runtime, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "n.jsonl", [need_row("N1"), need_row("N2", title=""), need_row("N3")])
    report = import_file(runtime, "need", path, skip_invalid=True)
    assert report.outcomes["created"] == 2 and report.skipped == 1
    assert count(runtime, Need) == 2


def test_dry_run_writes_nothing(runtime: Runtime, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "n.jsonl", [need_row("N1")])
    report = import_file(runtime, "need", path, dry_run=True)
    assert report.valid == 1 and report.dry_run and not report.written
    assert count(runtime, Need) == 0


def test_draft_status_and_unresolved_region_warning(runtime: Runtime, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "n.jsonl", [need_row("N1", region="城区")])
    report = import_file(runtime, "need", path, status="draft")
    assert any(w.field == "region" and "城区" in w.message for w in report.warnings)
    with runtime.session_factory() as session:
        need = session.scalar(select(Need))
        assert need is not None and need.status == "draft"
        assert need.region_text == "城区" and need.region_code is None


def test_organizations_import_and_credit_code_conflict(runtime: Runtime, tmp_path: Path) -> None:
    from models.organization import credit_code_check_char

    code = "91141181MA0K00000"
    code += credit_code_check_char(code)
    path = write_jsonl(
        tmp_path / "o.jsonl",
        [{"name": "甲公司", "kind": "企业", "credit_code": code, "region": "孝义市", "is_high_tech": "是"}],
    )
    import_file(runtime, "organization", path)
    with runtime.session_factory() as session:
        org = session.scalar(select(Organization))
        assert org is not None and org.is_high_tech and org.region_code == "141181"
    clash = write_jsonl(tmp_path / "o2.jsonl", [{"name": "乙公司", "credit_code": code}])
    with pytest.raises(ImportAborted) as caught:
        import_file(runtime, "organization", clash)
    assert caught.value.report.errors[0].field == "credit_code"
    assert count(runtime, Organization) == 1


def test_csv_and_xlsx_with_chinese_headers(runtime: Runtime, tmp_path: Path) -> None:
    from openpyxl import Workbook

    csv_path = tmp_path / "needs.csv"
    csv_path.write_bytes(
        "需求编号,需求名称,需求概述,所在地区,单位名称,拟投入资金（万元）,解决方式\n"
        "C1,秸秆饲料化,玉米秸秆利用率低,山西朔州怀仁市,怀仁市某牧业公司,30,委托研发\n".encode("gbk")
    )
    assert import_file(runtime, "need", csv_path).outcomes["created"] == 1
    wb = Workbook()
    ws = wb.active
    ws.append(["成果编号", "成果名称", "成果简介", "成熟度", "合作方式", "价格", "完成单位"])
    ws.append(["X1", "秸秆青贮菌剂", "提高青贮品质", "产业化", "转让", "面议", "山西农业大学"])
    xlsx = tmp_path / "a.xlsx"
    wb.save(xlsx)
    assert import_file(runtime, "achievement", xlsx).outcomes["created"] == 1
    with runtime.session_factory() as session:
        ach = session.scalar(select(Achievement))
        assert ach is not None and ach.maturity == "industrial" and ach.price_negotiable
        assert ach.organization is not None and ach.organization.kind == "university"


def test_partial_reimport_keeps_other_fields_and_status(runtime: Runtime, tmp_path: Path) -> None:
    import_file(runtime, "need", write_jsonl(tmp_path / "n.jsonl", [need_row("N1")]))
    with runtime.session_factory() as session:
        need = session.scalar(select(Need))
        assert need is not None
        need.status = "closed"
        session.commit()
    partial = write_jsonl(tmp_path / "p.jsonl", [{"id": "N1", "title": "焦化废水酚氰深度处理（修订）"}])
    assert import_file(runtime, "need", partial).outcomes == {"updated": 1}
    with runtime.session_factory() as session:
        need = session.scalar(select(Need))
        assert need is not None
        assert need.title.endswith("（修订）")
        assert str(need.budget) == "2000000.00" and need.region_code == "141181"
        assert need.organization is not None
        assert need.status == "closed"
    import_file(runtime, "need", partial, status="published")
    with runtime.session_factory() as session:
        assert session.scalar(select(Need.status)) == "published"


def test_partial_organization_file_keeps_flags(runtime: Runtime, tmp_path: Path) -> None:
    full = write_jsonl(tmp_path / "o1.jsonl", [{"name": "晋能示范公司", "is_high_tech": "是", "region": "怀仁市"}])
    import_file(runtime, "organization", full)
    import_file(runtime, "organization", write_jsonl(tmp_path / "o2.jsonl", [{"name": "晋能示范公司", "kind": "企业"}]))
    with runtime.session_factory() as session:
        org = session.scalar(select(Organization))
        assert org is not None and org.is_high_tech and org.region_code == "140681"


def test_organization_names_are_normalised_and_codes_unique_in_a_file(runtime: Runtime, tmp_path: Path) -> None:
    from models.organization import credit_code_check_char

    code = "91140600MA0K00000"
    code += credit_code_check_char(code)
    same = write_jsonl(tmp_path / "o.jsonl", [{"name": "怀仁(陶瓷)有限公司", "credit_code": code}])
    import_file(runtime, "organization", same)
    assert import_file(runtime, "organization", same).outcomes == {"unchanged": 1}
    twins = write_jsonl(tmp_path / "t.jsonl", [{"name": "A (B)公司"}, {"name": "A（B）公司"}])
    with pytest.raises(ImportAborted) as caught:
        import_file(runtime, "organization", twins)
    assert (caught.value.report.errors[0].row, caught.value.report.errors[0].field) == (2, "name")
    codes = write_jsonl(
        tmp_path / "c.jsonl", [{"name": "甲", "credit_code": code}, {"name": "乙", "credit_code": code}]
    )
    with pytest.raises(ImportAborted) as caught:
        import_file(runtime, "organization", codes, dry_run=True)
    assert (caught.value.report.errors[0].row, caught.value.report.errors[0].field) == (2, "credit_code")
