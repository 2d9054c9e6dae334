#!/usr/bin/python3
"""Writes the small TFLite models the inference tests and the tflite fuzz
target start from, with a minimal flatbuffer writer of our own.

    /usr/bin/python3 tests/tools/make_test_models.py

writes tests/data/inference/{all_ops,unsupported}.tflite and the seed
corpus tests/fuzz/corpus/tflite/. The weights come from a fixed
formula, so the files are the same on every run.

all_ops.tflite uses every op the plan supports (fp16 weights behind
DEQUANTIZE, uneven SAME padding, stride 2, dilation, depth multiplier 2,
both resize modes, concat on the last and an inner axis, PAD, RESHAPE,
LOGISTIC, FULLY_CONNECTED, SOFTMAX with beta); tests/tools/tflite_numpy.py
evaluates it for test_numpy_match.c. unsupported.tflite mixes supported
ops with TANH (old-style code byte only), a CUSTOM op, SUB and GELU (code
only in the extended builtin_code field).
"""
import os
import struct

import numpy as np


class Obj:
    """A table to write: fields[i] = (kind, value) or None."""

    def __init__(self, *fields):
        self.fields = list(fields)


class Writer:
    """Writes front to back: each vtable just before its table, children
    after their parent, offsets patched once the child's place is known."""

    def __init__(self):
        self.b = bytearray()

    def pad(self, n):
        while len(self.b) % n:
            self.b.append(0)

    def put(self, fmt, v):
        self.b += struct.pack('<' + fmt, v)

    def patch(self, at, target):
        struct.pack_into('<I', self.b, at, target - at)

    def table(self, obj):
        layout, size = [], 4
        for kind, _ in (f or (None, None) for f in obj.fields):
            width = {None: 0, 'b': 1, 'B': 1, 'i': 4, 'I': 4, 'f': 4}.get(kind, 4)
            if width:
                size = (size + width - 1) // width * width
                layout.append(size)
                size += width
            else:
                layout.append(0)
        self.pad(2)
        vt = len(self.b)
        self.put('H', 4 + 2 * len(obj.fields))
        self.put('H', size)
        for off in layout:
            self.put('H', off)
        self.pad(4)
        pos = len(self.b)
        self.b += bytes(size)
        struct.pack_into('<i', self.b, pos, pos - vt)
        refs = []
        for (f, off) in zip(obj.fields, layout):
            if not f:
                continue
            kind, v = f
            if kind in ('b', 'B', 'i', 'I', 'f'):
                struct.pack_into('<' + kind, self.b, pos + off, v)
            else:
                refs.append((pos + off, kind, v))
        for at, kind, v in refs:
            self.patch(at, self.child(kind, v))
        return pos

    def child(self, kind, v):
        self.pad(4)
        pos = len(self.b)
        if kind == 'table':
            return self.table(v)
        if kind == 'str':
            data = v.encode()
            self.put('I', len(data))
            self.b += data + b'\0'
        elif kind == 'bytes':
            self.pad(16)
            self.b += bytes(12)  # so the data lands 16-aligned
            pos = len(self.b)
            self.put('I', len(v))
            self.b += v
        elif kind == 'ints':
            self.put('I', len(v))
            for x in v:
                self.put('i', x)
        elif kind == 'tables':
            self.put('I', len(v))
            slots = []
            for _ in v:
                slots.append(len(self.b))
                self.put('I', 0)
            for at, t in zip(slots, v):
                self.patch(at, self.child('table', t))
        return pos

    def finish(self, root):
        self.put('I', 0)
        self.b += b'TFL3'
        self.patch(0, self.child('table', root))
        return bytes(self.b)


class Graph:
    def __init__(self):
        self.tensors, self.buffers, self.ops, self.codes = [], [b''], [], []

    def tensor(self, name, shape, dtype=0, data=None):
        buf = 0
        if data is not None:
            self.buffers.append(data)
            buf = len(self.buffers) - 1
        self.tensors.append(Obj(('ints', list(shape)), ('b', dtype),
                                ('I', buf), ('str', name)))
        return len(self.tensors) - 1

    def const(self, name, arr, fp16=False):
        if fp16:
            arr = np.asarray(arr, np.float16)
            half = self.tensor(name + '_fp16', arr.shape, 1, arr.tobytes())
            full = self.tensor(name, arr.shape)
            self.op(6, [half], [full])
            return full
        if np.asarray(arr).dtype.kind == 'i':
            arr = np.asarray(arr, '<i4')
            return self.tensor(name, arr.shape, 2, arr.tobytes())
        arr = np.asarray(arr, '<f4')
        return self.tensor(name, arr.shape, 0, arr.tobytes())

    def code(self, builtin, custom=None, old_style=False):
        if old_style:
            fields = [('b', builtin)]
        else:
            fields = [('b', min(builtin, 127)), ('str', custom) if custom else None,
                      ('i', 1), ('i', builtin)]
        self.codes.append(Obj(*fields))
        return len(self.codes) - 1

    def op(self, code, ins, outs, opt_type=0, opt=None, index=None):
        """Adds an op of builtin `code`, or of operator code `index`."""
        idx = self.code(code) if index is None else index
        fields = [('I', idx), ('ints', ins), ('ints', outs)]
        if opt is not None:
            fields += [('B', opt_type), ('table', opt)]
        self.ops.append(Obj(*fields))

    def model(self, inputs, outputs):
        sg = Obj(('tables', self.tensors), ('ints', inputs), ('ints', outputs),
                 ('tables', self.ops), ('str', 'main'))
        bufs = [Obj(('bytes', b)) if b else Obj() for b in self.buffers]
        root = Obj(('I', 3), ('tables', self.codes), ('tables', [sg]),
                   ('str', 'edgepipe test model'), ('tables', bufs))
        return Writer().finish(root)


def weights(shape, seed):
    n = int(np.prod(shape))
    i = np.arange(n)
    return (((i * 37 + seed * 101) % 29 - 14) / 16.0).reshape(shape)


def all_ops():
    g = Graph()
    x = g.tensor('input', [1, 6, 5, 3])
    w1 = g.const('w1', weights([4, 3, 3, 3], 1), fp16=True)
    b1 = g.const('b1', [0.5, -0.25, 0.125, 1.0])
    a = g.tensor('conv', [1, 3, 3, 4])
    # Conv2DOptions: SAME, stride 2x2, RELU -> uneven padding on H (0,1).
    g.op(3, [x, w1, b1], [a], 1, Obj(('b', 0), ('i', 2), ('i', 2), ('b', 1)))
    b = g.tensor('maxpool', [1, 3, 3, 4])
    g.op(17, [a], [b], 5, Obj(('b', 0), ('i', 1), ('i', 1), ('i', 2), ('i', 2), ('b', 0)))
    c = g.tensor('avgpool', [1, 2, 2, 4])
    g.op(1, [a], [c], 5, Obj(('b', 0), ('i', 2), ('i', 2), ('i', 3), ('i', 3), ('b', 0)))
    d = g.tensor('resize_ac', [1, 3, 3, 4])
    g.op(23, [c, g.const('size3', np.array([3, 3]))], [d], 15,
         Obj(None, None, ('B', 1), ('B', 0)))
    e = g.tensor('add', [1, 3, 3, 4])
    g.op(0, [b, d], [e], 11, Obj(('b', 0)))
    f = g.tensor('mul', [1, 3, 3, 4])
    g.op(18, [e, g.const('scale', [0.5, -1.5, 0.25, 2.0])], [f], 21, Obj(('b', 2)))
    w2 = g.const('w2', weights([1, 3, 3, 6], 2))
    dw = g.tensor('dwconv', [1, 2, 1, 6])
    # DepthwiseConv2DOptions: VALID, stride 1, multiplier 2, dilation 2.
    g.op(4, [x, w2, g.const('b2', weights([6], 3))], [dw], 2,
         Obj(('b', 1), ('i', 1), ('i', 1), ('i', 2), ('b', 0), ('i', 2), ('i', 2)))
    h = g.tensor('resize_hp', [1, 3, 3, 6])
    g.op(23, [dw, g.const('size3b', np.array([3, 3]))], [h], 15,
         Obj(None, None, ('B', 0), ('B', 1)))
    i = g.tensor('concat_c', [1, 3, 3, 10])
    g.op(2, [f, h], [i], 10, Obj(('i', -1), ('b', 0)))
    j = g.tensor('pad', [1, 4, 4, 10])
    g.op(34, [i, g.const('paddings', np.array([[0, 0], [1, 0], [0, 1], [0, 0]]))],
         [j], 22, Obj())
    k = g.tensor('logistic', [1, 4, 4, 10])
    g.op(14, [j], [k])
    flat = g.tensor('flat', [1, 160])
    g.op(22, [k, g.const('shape', np.array([1, 160]))], [flat], 17,
         Obj(('ints', [1, 160])))
    fc = g.tensor('fc', [1, 5])
    g.op(9, [flat, g.const('w3', weights([5, 160], 4) / 8), g.const('b3', weights([5], 5))],
         [fc], 8, Obj(('b', 3)))
    sm = g.tensor('softmax', [1, 5])
    g.op(25, [fc], [sm], 9, Obj(('f', 0.5)))
    cat = g.tensor('concat_h', [1, 6, 3, 4])
    g.op(2, [b, d], [cat], 10, Obj(('i', 1), ('b', 3)))
    r = g.tensor('relu', [1, 2, 1, 6])
    g.op(19, [dw], [r])
    r6 = g.tensor('relu6', [1, 3, 3, 10])
    g.op(21, [i], [r6])
    return g.model([x], [sm, cat, r, r6])


def unsupported():
    g = Graph()
    x = g.tensor('input', [1, 4, 4, 2])
    t = g.tensor('tanh', [1, 4, 4, 2])
    g.op(None, [x], [t], index=g.code(28, old_style=True))
    cu = g.tensor('custom', [1, 4, 4, 2])
    g.op(None, [t], [cu], index=g.code(32, custom='MyOp'))
    r = g.tensor('relu', [1, 4, 4, 2])
    g.op(19, [cu], [r])
    s = g.tensor('sub', [1, 4, 4, 2])
    g.op(41, [r, x], [s])
    gl = g.tensor('gelu', [1, 4, 4, 2])
    g.op(150, [s], [gl])
    return g.model([x], [gl])


def tiny_conv():
    g = Graph()
    x = g.tensor('input', [1, 3, 3, 1])
    y = g.tensor('out', [1, 3, 3, 2])
    g.op(3, [x, g.const('w', weights([2, 3, 3, 1], 7)), -1], [y], 1,
         Obj(('b', 0), ('i', 1), ('i', 1), ('b', 3)))
    return g.model([x], [y])


def blaze_blocks():
    """Two BlazeFace-style blocks, the shapes the XNNPACK backend fuses:
    depthwise conv, pointwise conv, ADD of the block input zero-padded in
    channels, RELU; the second strided with a max-pool shortcut."""
    g = Graph()
    x = g.tensor('input', [1, 8, 8, 4])
    r0 = g.tensor('relu0', [1, 8, 8, 4])
    g.op(19, [x], [r0])
    dw_opt = lambda s: Obj(('b', 0), ('i', s), ('i', s), ('i', 1), ('b', 0),
                           ('i', 1), ('i', 1))
    pw_opt = Obj(('b', 1), ('i', 1), ('i', 1), ('b', 0))
    d1 = g.tensor('dw1', [1, 8, 8, 4])
    g.op(4, [r0, g.const('wd1', weights([1, 3, 3, 4], 11)),
             g.const('bd1', weights([4], 12))], [d1], 2, dw_opt(1))
    p1 = g.tensor('pw1', [1, 8, 8, 6])
    g.op(3, [d1, g.const('wp1', weights([6, 1, 1, 4], 13)),
             g.const('bp1', weights([6], 14))], [p1], 1, pw_opt)
    c1 = g.tensor('pad1', [1, 8, 8, 6])
    chans = lambda n: np.array([[0, 0], [0, 0], [0, 0], [0, n]])
    g.op(34, [r0, g.const('pads1', chans(2))], [c1], 22, Obj())
    a1 = g.tensor('add1', [1, 8, 8, 6])
    g.op(0, [c1, p1], [a1], 11, Obj(('b', 0)))
    r1 = g.tensor('relu1', [1, 8, 8, 6])
    g.op(19, [a1], [r1])
    d2 = g.tensor('dw2', [1, 4, 4, 6])
    g.op(4, [r1, g.const('wd2', weights([1, 3, 3, 6], 15)),
             g.const('bd2', weights([6], 16))], [d2], 2, dw_opt(2))
    mp = g.tensor('maxpool', [1, 4, 4, 6])
    g.op(17, [r1], [mp], 5, Obj(('b', 1), ('i', 2), ('i', 2), ('i', 2), ('i', 2), ('b', 0)))
    p2 = g.tensor('pw2', [1, 4, 4, 8])
    g.op(3, [d2, g.const('wp2', weights([8, 1, 1, 6], 17)),
             g.const('bp2', weights([8], 18))], [p2], 1, pw_opt)
    c2 = g.tensor('pad2', [1, 4, 4, 8])
    g.op(34, [mp, g.const('pads2', chans(2))], [c2], 22, Obj())
    out = g.tensor('out', [1, 4, 4, 8])
    g.op(0, [c2, p2], [out], 11, Obj(('b', 1)))
    return g.model([x], [out])


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    data = os.path.join(root, 'tests', 'data', 'inference')
    corpus = os.path.join(root, 'tests', 'fuzz', 'corpus', 'tflite')
    os.makedirs(data, exist_ok=True)
    os.makedirs(corpus, exist_ok=True)
    models = {'all_ops': all_ops(), 'unsupported': unsupported(),
              'tiny_conv': tiny_conv(), 'blaze_blocks': blaze_blocks()}
    for name in ('all_ops', 'unsupported'):
        open(os.path.join(data, name + '.tflite'), 'wb').write(models[name])
    for name, blob in models.items():
        open(os.path.join(corpus, name + '.tflite'), 'wb').write(blob)
    blob = models['all_ops']
    open(os.path.join(corpus, 'all_ops_truncated'), 'wb').write(blob[:len(blob) * 2 // 3])
    print('wrote', ', '.join('%s (%d bytes)' % (k, len(v)) for k, v in models.items()))


if __name__ == '__main__':
    main()
