import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from matchmaker.importing.readers import MAX_CELL_CHARS, ImportFileError, read_table


def test_csv_utf8_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "needs.csv"
    path.write_text("需求名称,拟投入资金(万元)\n煤矸石制陶瓷,50\n", encoding="utf-8-sig")
    table = read_table(path)
    assert table.headers == ["需求名称", "拟投入资金(万元)"]
    assert table.rows[0].cells["需求名称"] == "煤矸石制陶瓷"
    assert table.rows[0].number == 2


def test_csv_gbk(tmp_path: Path) -> None:
    path = tmp_path / "needs.csv"
    path.write_bytes("需求名称,所在地区\n焦炉煤气制氢,孝义市\n".encode("gbk"))
    table = read_table(path)
    assert table.encoding == "gb18030"
    assert table.rows[0].cells["所在地区"] == "孝义市"


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "needs.csv"
    path.write_bytes(b"\x00\x01\x02binary")
    with pytest.raises(ImportFileError, match="二进制"):
        read_table(path)


def test_undecodable_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "needs.csv"
    path.write_bytes(b"title\n\xff\xfe\xfa\xfb\x81\n")
    with pytest.raises(ImportFileError, match="编码"):
        read_table(path)


def test_huge_cell_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "needs.csv"
    path.write_text("title,description\nx," + "长" * (MAX_CELL_CHARS + 1) + "\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="第 2 行「description」单元格过长"):
        read_table(path)


def test_extra_columns_in_a_row_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "needs.csv"
    path.write_text("title\na,b\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="第 2 行"):
        read_table(path)


def test_xlsx(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["成果名称", "价格"])
    ws.append(["镁合金压铸", 80])
    path = tmp_path / "a.xlsx"
    wb.save(path)
    table = read_table(path)
    assert table.rows[0].cells == {"成果名称": "镁合金压铸", "价格": "80"}


def test_xlsx_formula_cell_is_refused(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["成果名称", "价格"])
    ws.append(["镁合金压铸", "=SUM(1,2)"])
    path = tmp_path / "a.xlsx"
    wb.save(path)
    with pytest.raises(ImportFileError, match="B2 是公式"):
        read_table(path)


def test_broken_xlsx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ImportFileError, match="XLSX"):
        read_table(path)


def test_zip_that_is_not_a_workbook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(ImportFileError, match="XLSX"):
        read_table(path)


def test_jsonl_bad_line_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"title": "a"}\n{"title": \n', encoding="utf-8")
    with pytest.raises(ImportFileError, match="第 2 行"):
        read_table(path)


def test_jsonl_lists_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"title": "a", "keywords": ["煤", "焦"]}\n', encoding="utf-8")
    assert read_table(path).rows[0].cells["keywords"] == ["煤", "焦"]


@pytest.mark.parametrize("name", ["a.xls", "a.pdf"])
def test_unsupported_types(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"x")
    with pytest.raises(ImportFileError):
        read_table(path)


def test_empty_and_missing_files(tmp_path: Path) -> None:
    (tmp_path / "e.csv").write_text("", encoding="utf-8")
    with pytest.raises(ImportFileError, match="为空"):
        read_table(tmp_path / "e.csv")
    with pytest.raises(ImportFileError, match="不存在"):
        read_table(tmp_path / "missing.csv")


def test_duplicate_headers_and_header_only_files_are_refused(tmp_path: Path) -> None:
    dup = tmp_path / "dup.csv"
    dup.write_text("编号,需求名称,需求名称\nN1,a,b\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="重复"):
        read_table(dup)
    only = tmp_path / "only.csv"
    only.write_text("编号,需求名称\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="没有数据行"):
        read_table(only)


def test_jsonl_with_line_separator_inside_a_string(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"title": "甲\u2028乙"}\r\n{"title": "丙\u0085"}\n', encoding="utf-8")
    rows = read_table(path).rows
    assert [r.cells["title"] for r in rows] == ["甲\u2028乙", "丙\u0085"]


def test_xlsx_banner_row_and_merged_cells(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["2026年技术需求汇总表"])
    ws.append(["需求名称", "所在地区"])
    ws.append(["焦炉煤气制氢", "孝义市"])
    ws.append(["干熄焦", None])
    ws.merge_cells("B3:B4")
    path = tmp_path / "a.xlsx"
    wb.save(path)
    from matchmaker.importing.columns import recognises_headers

    table = read_table(path, recognises_headers("need"))
    assert table.headers == ["需求名称", "所在地区"]
    assert [(r.number, r.cells["所在地区"]) for r in table.rows] == [(3, "孝义市"), (4, "孝义市")]


def test_xlsx_data_without_a_header_is_refused(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["需求名称", "所在地区"])
    ws.append(["焦炉煤气制氢", "孝义市", "多出的数据"])
    path = tmp_path / "a.xlsx"
    wb.save(path)
    with pytest.raises(ImportFileError, match="第 2 行"):
        read_table(path)
