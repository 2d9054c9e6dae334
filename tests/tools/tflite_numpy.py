#!/usr/bin/python3
"""A float64 NumPy evaluator of TFLite models: the independent runtime the
reference kernels are checked against (tests/calculators/inference/
test_numpy_match.c).

It shares no code with the C side: it parses the flatbuffer itself and
evaluates each op with NumPy array operations in float64 (fp16 weights are
widened exactly). Only the ops the face detection models use are covered.

Regenerate the stored outputs (after fetching the models) with:

    /usr/bin/python3 tests/tools/tflite_numpy.py --regen

which writes tests/data/inference/<model>_<pattern>.f32: every output of
the model, in the model's output order, as little-endian float32, for the
input pattern named in the file (see make_input; the C test builds the same
input). Run one model by hand with:

    /usr/bin/python3 tests/tools/tflite_numpy.py MODEL.tflite PATTERN OUT.f32
"""
import os
import struct
import sys

import numpy as np


class Table:
    """A flatbuffer table: fields read through its vtable."""

    def __init__(self, buf, pos):
        self.buf, self.pos = buf, pos
        vt = pos - struct.unpack_from('<i', buf, pos)[0]
        self.vt = vt
        self.vt_len = struct.unpack_from('<H', buf, vt)[0]

    def _off(self, field):
        slot = 4 + 2 * field
        if slot >= self.vt_len:
            return 0
        return struct.unpack_from('<H', self.buf, self.vt + slot)[0]

    def scalar(self, field, fmt, default=0):
        off = self._off(field)
        if not off:
            return default
        return struct.unpack_from('<' + fmt, self.buf, self.pos + off)[0]

    def _target(self, field):
        off = self._off(field)
        if not off:
            return None
        p = self.pos + off
        return p + struct.unpack_from('<I', self.buf, p)[0]

    def table(self, field):
        t = self._target(field)
        return None if t is None else Table(self.buf, t)

    def vector(self, field, fmt):
        t = self._target(field)
        if t is None:
            return []
        n = struct.unpack_from('<I', self.buf, t)[0]
        return list(struct.unpack_from('<%d%s' % (n, fmt), self.buf, t + 4))

    def bytes(self, field):
        t = self._target(field)
        if t is None:
            return b''
        n = struct.unpack_from('<I', self.buf, t)[0]
        return bytes(self.buf[t + 4:t + 4 + n])

    def tables(self, field):
        t = self._target(field)
        if t is None:
            return []
        n = struct.unpack_from('<I', self.buf, t)[0]
        out = []
        for i in range(n):
            p = t + 4 + 4 * i
            out.append(Table(self.buf, p + struct.unpack_from('<I', self.buf, p)[0]))
        return out


# schema.fbs numbering, written out independently of the C reader.
OPS = {0: 'ADD', 1: 'AVERAGE_POOL_2D', 2: 'CONCATENATION', 3: 'CONV_2D',
       4: 'DEPTHWISE_CONV_2D', 6: 'DEQUANTIZE', 9: 'FULLY_CONNECTED',
       14: 'LOGISTIC', 17: 'MAX_POOL_2D', 18: 'MUL', 19: 'RELU', 21: 'RELU6',
       22: 'RESHAPE', 23: 'RESIZE_BILINEAR', 25: 'SOFTMAX', 34: 'PAD'}
DTYPES = {0: np.float32, 1: np.float16, 2: np.int32, 3: np.uint8,
          4: np.int64, 9: np.int8}


class Model:
    def __init__(self, path):
        buf = open(path, 'rb').read()
        assert buf[4:8] == b'TFL3', 'not a TFLite file'
        root = Table(buf, struct.unpack_from('<I', buf, 0)[0])
        codes = []
        for c in root.tables(1):
            codes.append(max(c.scalar(0, 'b'), c.scalar(3, 'i')))
        buffers = [b.bytes(0) for b in root.tables(4)]
        sg = root.tables(2)[0]
        self.tensors = []
        for t in sg.tables(0):
            shape = t.vector(0, 'i')
            data = buffers[t.scalar(2, 'I')]
            value = None
            if data:
                value = np.frombuffer(data, DTYPES[t.scalar(1, 'b')]).reshape(shape)
            self.tensors.append({'shape': shape, 'value': value})
        self.ops = []
        for o in sg.tables(3):
            self.ops.append({'op': OPS[codes[o.scalar(0, 'I')]],
                             'in': o.vector(1, 'i'), 'out': o.vector(2, 'i'),
                             'opt': o.table(4)})
        self.inputs = sg.vector(1, 'i')
        self.outputs = sg.vector(2, 'i')


def act(x, code):
    if code == 1:
        return np.maximum(x, 0)
    if code == 2:
        return np.clip(x, -1, 1)
    if code == 3:
        return np.clip(x, 0, 6)
    assert code == 0, 'activation %d' % code
    return x


def same_or_valid(size, k, stride, dil, padding):
    """Output size and (before, after) padding, TensorFlow's rules."""
    eff = (k - 1) * dil + 1
    if padding == 1:  # VALID
        return (size - eff) // stride + 1, (0, 0)
    out = -(-size // stride)
    total = max((out - 1) * stride + eff - size, 0)
    return out, (total // 2, total - total // 2)


def windows(x, kh, kw, sh, sw, dh, dw, oh, ow):
    """Yields (ky, kx, slice of x) for each tap of the window."""
    for ky in range(kh):
        for kx in range(kw):
            y0, x0 = ky * dh, kx * dw
            yield ky, kx, x[:, y0:y0 + (oh - 1) * sh + 1:sh,
                            x0:x0 + (ow - 1) * sw + 1:sw, :]


def conv(x, w, b, o, depthwise):
    padding, sw, sh = o.scalar(0, 'b'), o.scalar(1, 'i'), o.scalar(2, 'i')
    a = 4 if depthwise else 3
    activation = o.scalar(a, 'b')
    dw, dh = o.scalar(a + 1, 'i', 1), o.scalar(a + 2, 'i', 1)
    kh, kw = w.shape[1], w.shape[2]
    oh, ph = same_or_valid(x.shape[1], kh, sh, dh, padding)
    ow, pw = same_or_valid(x.shape[2], kw, sw, dw, padding)
    xp = np.pad(x, ((0, 0), ph, pw, (0, 0)))
    if depthwise:
        mult = w.shape[3] // x.shape[3]
        xp = np.repeat(xp, mult, axis=3)
    out = np.zeros((x.shape[0], oh, ow, w.shape[3] if depthwise else w.shape[0]))
    for ky, kx, s in windows(xp, kh, kw, sh, sw, dh, dw, oh, ow):
        if depthwise:
            out += s * w[0, ky, kx, :]
        else:
            out += s @ w[:, ky, kx, :].T
    if b is not None:
        out += b
    return act(out, activation)


def pool(x, o, kind):
    padding, sw, sh = o.scalar(0, 'b'), o.scalar(1, 'i'), o.scalar(2, 'i')
    fw, fh, activation = o.scalar(3, 'i'), o.scalar(4, 'i'), o.scalar(5, 'b')
    oh, ph = same_or_valid(x.shape[1], fh, sh, 1, padding)
    ow, pw = same_or_valid(x.shape[2], fw, sw, 1, padding)
    pads = ((0, 0), ph, pw, (0, 0))
    if kind == 'max':
        xp = np.pad(x, pads, constant_values=-np.inf)
        out = np.full((x.shape[0], oh, ow, x.shape[3]), -np.inf)
        for _, _, s in windows(xp, fh, fw, sh, sw, 1, 1, oh, ow):
            out = np.maximum(out, s)
    else:
        xp = np.pad(x, pads)
        ones = np.pad(np.ones_like(x), pads)
        out = np.zeros((x.shape[0], oh, ow, x.shape[3]))
        cnt = np.zeros_like(out)
        for (_, _, s), (_, _, c) in zip(
                windows(xp, fh, fw, sh, sw, 1, 1, oh, ow),
                windows(ones, fh, fw, sh, sw, 1, 1, oh, ow)):
            out += s
            cnt += c
        out /= cnt
    return act(out, activation)


def resize_bilinear(x, size, o):
    align = bool(o.scalar(2, 'B')) if o else False
    half = bool(o.scalar(3, 'B')) if o else False
    ih, iw = x.shape[1], x.shape[2]
    oh, ow = int(size[0]), int(size[1])

    def axis(n_in, n_out):
        scale = (n_in - 1) / (n_out - 1) if align and n_out > 1 else n_in / n_out
        pos = np.arange(n_out, dtype=np.float64)
        src = (pos + 0.5) * scale - 0.5 if half else pos * scale
        lo = np.clip(np.floor(src), 0, n_in - 1).astype(int)
        hi = np.clip(np.ceil(src), 0, n_in - 1).astype(int)
        return lo, hi, src - lo

    y0, y1, fy = axis(ih, oh)
    x0, x1, fx = axis(iw, ow)
    fy = fy[None, :, None, None]
    fx = fx[None, None, :, None]
    top = x[:, y0][:, :, x0] * (1 - fx) + x[:, y0][:, :, x1] * fx
    bot = x[:, y1][:, :, x0] * (1 - fx) + x[:, y1][:, :, x1] * fx
    return top * (1 - fy) + bot * fy


def run(model, inputs):
    v = {}
    for i, t in enumerate(model.tensors):
        if t['value'] is not None:
            v[i] = t['value'].astype(np.float64) if t['value'].dtype.kind == 'f' \
                else t['value']
    for i, x in zip(model.inputs, inputs):
        v[i] = x.astype(np.float64)
    for op in model.ops:
        name, o, ins = op['op'], op['opt'], op['in']
        x = v.get(ins[0])
        bias = v[ins[2]] if len(ins) > 2 and ins[2] >= 0 else None
        if name == 'DEQUANTIZE':
            y = x.astype(np.float64)
        elif name in ('CONV_2D', 'DEPTHWISE_CONV_2D'):
            y = conv(x, v[ins[1]], bias, o, name == 'DEPTHWISE_CONV_2D')
        elif name == 'MAX_POOL_2D':
            y = pool(x, o, 'max')
        elif name == 'AVERAGE_POOL_2D':
            y = pool(x, o, 'avg')
        elif name in ('ADD', 'MUL'):
            y = x + v[ins[1]] if name == 'ADD' else x * v[ins[1]]
            y = act(y, o.scalar(0, 'b') if o else 0)
        elif name == 'RELU':
            y = np.maximum(x, 0)
        elif name == 'RELU6':
            y = np.clip(x, 0, 6)
        elif name == 'LOGISTIC':
            y = 1 / (1 + np.exp(-x))
        elif name == 'PAD':
            y = np.pad(x, [tuple(p) for p in v[ins[1]]])
        elif name == 'RESHAPE':
            y = x.reshape(model.tensors[op['out'][0]]['shape'])
        elif name == 'CONCATENATION':
            y = np.concatenate([v[i] for i in ins], axis=o.scalar(0, 'i'))
            y = act(y, o.scalar(1, 'b'))
        elif name == 'RESIZE_BILINEAR':
            y = resize_bilinear(x, v[ins[1]], o)
        elif name == 'SOFTMAX':
            e = np.exp((x - x.max(axis=-1, keepdims=True)) * o.scalar(0, 'f'))
            y = e / e.sum(axis=-1, keepdims=True)
        elif name == 'FULLY_CONNECTED':
            w = v[ins[1]]
            y = x.reshape(-1, w.shape[1]) @ w.T
            if bias is not None:
                y = y + bias
            y = act(y, o.scalar(0, 'b') if o else 0)
        else:
            raise SystemExit('op %s is not covered' % name)
        v[op['out'][0]] = y
    return [v[i] for i in model.outputs]


def make_input(shape, pattern):
    """The fixed inputs; test_numpy_match.c builds the same values. Both
    patterns are multiples of 1/128 or 1/1024 in [-1, 1], exact in float32,
    so the two sides start from identical bits."""
    n, h, w, c = shape
    y, x, ch = np.meshgrid(np.arange(h), np.arange(w), np.arange(c),
                           indexing='ij')
    if pattern == 'gradient':
        val = ((y * 3 + x * 5 + ch * 67) % 256 - 128) / 128.0
    elif pattern == 'noise':
        i = (y * w + x) * c + ch
        val = ((i * 7919 + 13) % 2049 - 1024) / 1024.0
    else:
        raise SystemExit('unknown pattern ' + pattern)
    return val.reshape(shape).astype(np.float32)


def evaluate(path, pattern, out_path):
    model = Model(path)
    shape = model.tensors[model.inputs[0]]['shape']
    outs = run(model, [make_input(shape, pattern)])
    with open(out_path, 'wb') as f:
        for o in outs:
            f.write(o.astype('<f4').tobytes())
    print('%s %s: %s' % (os.path.basename(path), pattern,
                         ', '.join('%s sum %.6f' % (o.shape, o.sum()) for o in outs)))


# (folder, model, pattern): the face models from models/ and the small
# every-op model from tests/data/inference (tests/tools/make_test_models.py).
CASES = [('models', 'face_detection_short_range', 'gradient'),
         ('models', 'face_detection_short_range', 'noise'),
         ('models', 'face_detection_full_range', 'gradient'),
         ('tests/data/inference', 'all_ops', 'gradient'),
         ('tests/data/inference', 'all_ops', 'noise')]


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if sys.argv[1:] == ['--regen']:
        for folder, model, pattern in CASES:
            evaluate(os.path.join(root, folder, model + '.tflite'), pattern,
                     os.path.join(root, 'tests', 'data', 'inference',
                                  '%s_%s.f32' % (model, pattern)))
    elif len(sys.argv) == 4:
        evaluate(*sys.argv[1:])
    else:
        raise SystemExit(__doc__)


if __name__ == '__main__':
    main()
