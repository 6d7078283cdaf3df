"""SentencePiece ``precompiled_charsmap`` (a darts-clone double array plus normalised strings).

The ``tokenizers`` library's ``Precompiled`` normaliser reads this format; building it from the
model file's per-code-point map reproduces the engine's normalisation exactly.
"""

from __future__ import annotations

import struct
from typing import Any

Trie = dict[int, Any]


def _darts_build(keys_values: list[tuple[bytes, int]]) -> list[int]:
    """Units of a darts-clone double array mapping each byte key to its value."""
    root: Trie = {}
    for key, value in keys_values:
        node = root
        for byte in key:
            node = node.setdefault(byte, {})
        node[0] = ("LEAF", value)
    size = 1 << 16
    units = [0] * size
    used = bytearray(size)
    used[0] = 1
    used_bases: set[int] = set()

    def grow(n: int) -> None:
        nonlocal size
        while n >= size:
            units.extend([0] * size)
            used.extend(bytearray(size))
            size *= 2

    def set_offset(pos: int, off: int) -> None:
        unit = units[pos] & ((1 << 31) | (1 << 8) | 0xFF)
        if off < (1 << 21):
            unit |= off << 10
        else:
            unit |= (off << 2) | (1 << 9)
        units[pos] = unit

    search_from = 1
    stack: list[tuple[Trie, int]] = [(root, 0)]
    while stack:
        node, pos = stack.pop()
        labels = sorted(node)
        while search_from < size and used[search_from]:
            search_from += 1
        base = max(1, search_from - 256)
        while True:
            grow(base | 0xFF)
            if base not in used_bases and (base ^ pos) < (1 << 21) and all(not used[base ^ lab] for lab in labels):
                break
            base += 1
        used_bases.add(base)
        set_offset(pos, base ^ pos)
        for label in labels:
            child_pos = base ^ label
            used[child_pos] = 1
            child = node[label]
            if label == 0:
                units[child_pos] = (1 << 31) | child[1]
                units[pos] |= 1 << 8
            else:
                units[child_pos] = label
                stack.append((child, child_pos))
    n = max(i for i in range(size) if used[i]) + 1
    n = (n + 255) // 256 * 256
    return units[:n]


def build_precompiled_charsmap(norm: dict[int, tuple[int, ...]]) -> bytes:
    """``u32 trie size | trie units | NUL-terminated replacements`` for the code-point map."""
    blob = bytearray()
    keys: list[tuple[bytes, int]] = []
    seen: dict[bytes, int] = {}
    for cp in sorted(norm):
        out = "".join(map(chr, norm[cp])).encode("utf-8")
        if out not in seen:
            seen[out] = len(blob)
            blob += out + b"\0"
        keys.append((chr(cp).encode("utf-8"), seen[out]))
    units = _darts_build(keys)
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(blob)


def lookup(charsmap: bytes, key: bytes) -> list[str]:
    """Replacements of every prefix of ``key`` found in the map (reference reader, for checks)."""
    (trie_size,) = struct.unpack_from("<I", charsmap, 0)
    units = struct.unpack_from(f"<{trie_size // 4}I", charsmap, 4)
    strings = charsmap[4 + trie_size :]

    def offset(unit: int) -> int:
        return (unit >> 10) << ((unit & (1 << 9)) >> 6)

    pos = offset(units[0])
    found: list[str] = []
    for byte in key:
        pos ^= byte
        unit = units[pos]
        if (unit & ((1 << 31) | 0xFF)) != byte:
            return found
        pos ^= offset(unit)
        if (unit >> 8) & 1:
            value = units[pos] & ((1 << 31) - 1)
            found.append(strings[value : strings.index(b"\0", value)].decode())
    return found
