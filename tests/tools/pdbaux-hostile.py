#!/usr/bin/env python3
"""Writes hostile inputs for tests/tools/pdbaux-driver into a directory.

    pdbaux-hostile.py OUTDIR [REAL]

REAL, when given, is the directory pdbaux-check.py exported the test PDBs'
streams into; seeded mutations of them are added.

Each case is a set of files plus one line in OUTDIR/cases.txt: the
driver's arguments (file names relative to OUTDIR; "-" = absent), then
"<FILE" when the case reads FILE on standard input.  The driver must
end each with status 0 or 1, within a time limit and without a sanitizer
report; the test checks that.
"""
import os
import random
import struct
import sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
cases = []


def w(name, data):
    with open(os.path.join(out, name), 'wb') as f:
        f.write(data)


def rec(leaf, payload):
    body = struct.pack('<H', leaf) + payload
    while len(body) % 4 != 2:
        body += b'\xf1'
    return struct.pack('<H', len(body)) + body


def tpi(records, first=0x1000, end=None, hdr=56, nbytes=None):
    data = b''.join(records)
    if end is None:
        end = first + len(records)
    if nbytes is None:
        nbytes = len(data)
    head = struct.pack('<IIIII', 20040203, hdr, first, end, nbytes)
    if len(head) <= hdr <= 56:
        head += b'\0' * (hdr - len(head))
    else:
        head += b'\0' * 36  # a header size that lies
    return head + data


def names_case(name, stream, lines, ipi=None):
    w(name + '.tpi', stream)
    if ipi is not None:
        w(name + '.ipi', ipi)
    w(name + '.in', ''.join('%s\n' % l for l in lines).encode())
    for mode in ('names', 'inlinees'):
        cases.append('%s %s.tpi %s <%s.in' % (mode, name, name + '.ipi' if ipi is not None else '-',
                                              name))


LF_MODIFIER, LF_POINTER, LF_PROCEDURE, LF_MFUNCTION, LF_ARGLIST = 0x1001, 0x1002, 0x1008, 0x1009, 0x1201
LF_STRUCTURE, LF_FUNC_ID, LF_MFUNC_ID, LF_STRING_ID = 0x1505, 0x1601, 0x1602, 0x1605

def proc(ret, args):
    return rec(LF_PROCEDURE, struct.pack('<IBBHI', ret, 0, 0, 1, args))

def ptr(to, mode=0):
    return rec(LF_POINTER, struct.pack('<II', to, (mode << 5) | 12))

def arglist(types, count=None):
    return rec(LF_ARGLIST, struct.pack('<I', len(types) if count is None else count) +
               b''.join(struct.pack('<I', t) for t in types))

# A pointer to itself, a procedure taking it.
names_case('selfptr', tpi([ptr(0x1000), arglist([0x1000, 0x1000]), proc(0x74, 0x1001)]),
           ['0x1002 f', '0x1000 g', '0x1001 h', '0xffffffff i'])
# A modifier cycle.
names_case('modcycle', tpi([rec(LF_MODIFIER, struct.pack('<IH', 0x1001, 1)),
                            rec(LF_MODIFIER, struct.pack('<IH', 0x1000, 2)),
                            arglist([0x1000]), proc(0x1000, 0x1002)]), ['0x1003 f'])
# A procedure whose argument list is itself, and one whose return type is itself.
names_case('procself', tpi([rec(LF_PROCEDURE, struct.pack('<IBBHI', 0x1000, 0, 0, 1, 0x1000)),
                            rec(LF_PROCEDURE, struct.pack('<IBBHI', 0x1001, 0, 0, 0, 0x1002)),
                            arglist([0x1001])]), ['0x1000 f', '0x1001 g'])
# An argument list that claims 2^32-1 arguments.
names_case('hugecount', tpi([arglist([0x74, 0x75], count=0xffffffff), proc(0x03, 0x1000)]),
           ['0x1001 f'])
# A chain of 20000 pointers, and an argument list of 4000 arguments each the
# top of a deep chain (exponential if not bounded).
chain = [ptr(0x74)] + [ptr(0x1000 + i) for i in range(19999)]
names_case('deepchain', tpi(chain + [arglist([0x1000 + 19999]), proc(0x03, 0x1000 + 20000)]),
           ['%d f' % (0x1000 + 20001)])
fan = [ptr(0x74)] + [ptr(0x1000 + i) for i in range(63)]
al = 0x1000 + len(fan)
fan.append(arglist([0x1000 + 63] * 4000))
fan.append(proc(0x03, al))
# function pointers whose argument lists hold function pointers, 30 levels
base = 0x1000 + len(fan)
for i in range(30):
    prev_ptr = base + 3 * i - 1 if i else 0x74
    fan.append(arglist([prev_ptr] * 50))
    fan.append(proc(0x74, base + 3 * i))
    fan.append(ptr(base + 3 * i + 1))
fan.append(proc(0x03, base + 3 * 29))
names_case('fanout', tpi(fan), ['%d f' % (al + 1), '%d g' % (0x1000 + len(fan) - 1)])
# Member function whose this-pointer loops, a class with a damaged numeric leaf.
names_case('mfunc', tpi([rec(LF_MFUNCTION, struct.pack('<IIIBBHIi', 0x74, 0x1003, 0x1001, 0, 0, 0, 0x1002, 0)),
                         ptr(0x1001), arglist([]),
                         rec(LF_STRUCTURE, struct.pack('<HHIII', 0, 0, 0, 0, 0) + struct.pack('<H', 0x80ff) + b'S\0')]),
           ['0x1000 C::f'])
# LF_STRUCTURE2 / LF_UNION2 (newer MSVC), arrays of them.
names_case('class2', tpi([rec(0x1609, struct.pack('<IIII', 0, 0, 0, 0) + struct.pack('<HH', 3, 0x8002)
                              + struct.pack('<H', 12) + b'ns::S2\0'),
                          rec(0x160a, struct.pack('<II', 0, 0) + struct.pack('<HH', 1, 8) + b'U2\0'),
                          rec(0x1503, struct.pack('<IIH', 0x1000, 0x75, 0x8003) + struct.pack('<I', 36)
                              + b'\0'),
                          ptr(0x1002, 1), arglist([0x1003, 0x1001]), proc(0x03, 0x1004)]),
           ['0x1005 f'])
# Record lengths 0, 1, past the end; header lies.
w('badlen0.tpi', tpi([struct.pack('<H', 0) + b'\0' * 8]))
w('badlen1.tpi', tpi([proc(0x74, 0x1001), struct.pack('<HH', 1, 0x1201)]))
w('badlenbig.tpi', tpi([proc(0x74, 0x1001), struct.pack('<HH', 0xfff0, 0x1201) + b'\0' * 8]))
w('badhdr.tpi', tpi([proc(0x74, 0x1001), arglist([0x74])], hdr=0xffffff00))
w('badhdr2.tpi', tpi([proc(0x74, 0x1001), arglist([0x74])], first=0, end=0xffffffff, nbytes=0xffffffff))
w('badhdr3.tpi', tpi([proc(0x74, 0x1001), arglist([0x74])], hdr=8))
for n in ('badlen0', 'badlen1', 'badlenbig', 'badhdr', 'badhdr2', 'badhdr3'):
    w(n + '.in', b'0x1000 f\n0x1001 g\n4096 h\n')
    cases.append('names %s.tpi - <%s.in' % (n, n))
# IPI: a function id whose scope is itself, member ids with damaged classes,
# unterminated names, ids with bit 31 set.
ipi = tpi([rec(LF_FUNC_ID, struct.pack('<II', 0x1000, 0) + b'loop\0'),
           rec(LF_MFUNC_ID, struct.pack('<II', 0x1003, 0) + b'm\0'),
           struct.pack('<HH', 10, LF_FUNC_ID) + struct.pack('<II', 0, 0),
           rec(LF_STRING_ID, struct.pack('<I', 0x1003) + b'?A0x1234::x::?A0xzz\0'),
           rec(LF_FUNC_ID, struct.pack('<II', 0x1003, 0) + b'f\0')])
names_case('ids', tpi([rec(LF_STRUCTURE, b'\0' * 4)]), ['0x1000', '0x1001', '0x1002', '0x1003',
                                                         '0x1004', '0x80001000', '0x0', '0xfff'],
           ipi=ipi)
# Random records.
rnd = random.Random(1)
for k in range(20):
    recs = []
    for i in range(200):
        leaf = rnd.choice([LF_MODIFIER, LF_POINTER, LF_PROCEDURE, LF_MFUNCTION, LF_ARGLIST,
                           LF_STRUCTURE, 0x1503, 0x1506, 0x1507, 0x1205, 0x1608, 0x1609,
                           0x160a, 0x160b, LF_FUNC_ID,
                           LF_MFUNC_ID, LF_STRING_ID])
        payload = bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(0, 40)))
        # bias type indexes into range
        payload = bytearray(payload)
        for j in range(0, len(payload) - 3, 4):
            if rnd.random() < 0.7:
                payload[j:j + 4] = struct.pack('<I', 0x1000 + rnd.randrange(200))
        recs.append(rec(leaf, bytes(payload)))
    st = tpi(recs)
    names_case('random%d' % k, st, ['%d f' % (0x1000 + i) for i in range(200)], ipi=st)

# FPO / FrameData: partial entries, huge sizes, program offsets outside
# /names, unterminated names, duplicates.
names = struct.pack('<III', 0xeffeeffe, 1, 12) + b'\0$T0 .raSearch'  # no NUL at the end
fd = b''
for start, size, prog, prolog in ((0x1000, 0x10, 1, 2), (0x1000, 0x10, 1, 2), (0x1010, 0xffffffff, 1, 0),
                                  (0x1020, 0x10, 0xfffffff0, 0), (0x1030, 4, 13, 9), (0x1040, 8, 0, 0xffff)):
    fd += struct.pack('<IIIIIIHHI', start, size, 0, 0, 0, prog, prolog, 0, 4)
w('fd.fd', fd + b'\1\2\3')
fpo = b''
for start, size, locals_, attrs in ((0x1000, 0x10, 1, 0x1100), (0x1000, 0x10, 1, 0x1100),
                                    (0x2000, 0xffffffff, 0, 0xffff), (0x2010, 5, 0x7fffffff, 0xffff)):
    fpo += struct.pack('<IIIHH', start, size, locals_, 4, attrs)
w('fd.fpo', fpo + b'\1')
w('fd.names', names)
w('fd4.fd', b'\0\0\0\0' + fd)
cases.append('frames fd.fpo fd.fd fd.names')
cases.append('frames - fd4.fd fd.names')
cases.append('frames fd.fpo fd.fd -')
cases.append('frames fd.fpo - -')

# OMAP: unsorted tables (an error), targets past the image, entries mapping
# everything to one address, a huge original length.
def omap(pairs):
    return b''.join(struct.pack('<II', a, b) for a, b in pairs)

w('o_unsorted.to', omap([(0x2000, 0x1000), (0x1000, 0x2000)]))
w('o_unsorted.from', omap([(0x1000, 0x2000), (0x2000, 0x1000)]))
w('o_ok.to', omap([(0x1000, 0x1000), (0x1005, 0xffffffff), (0x100a, 0x1005), (0x2000, 0)]))
w('o_ok.from', omap([(0x1000, 0x1000), (0x1005, 0x100a), (0x1100, 0x80000000)]))
w('o_same.to', omap([(0x1000 + i, 0x1000) for i in range(5000)]))
w('o_same.from', omap([(0x1000, 0x1000)] * 3 + [(0x1001, 0)]))
w('o_ranges.in', b'1000 10\n0 ffffffff\nffffff00 ff\n1005 0\n1000 1\nfffffff0 10\n1001 1000\n')
for t in ('o_unsorted', 'o_ok', 'o_same'):
    for ol in ('0xbeea', '0xffffffff', '0'):
        cases.append('omap %s.to %s.from %s 0x3000 <o_ranges.in' % (t, t, ol))
    cases.append('frames fd.fpo fd.fd fd.names %s.to %s.from 0xffffffff 0x3000' % (t, t))
cases.append('omap o_ok.to - 0xbeea 0 <o_ranges.in')
cases.append('omap - o_ok.from 0xbeea 0 <o_ranges.in')
# One interval long enough to cover 100000 tiny ones: every query near
# the end would scan them all (the work budget must cut this short).
big = [(0x1000, 0x1000)] + [(0x10000000 + 2 * i, 0x1000 + 0x100 + 4 * i) for i in range(100000)]
big.sort()
w('o_backlog.to', omap(big))
w('o_backlog.from', omap([(0x1000, 0x1000)]))
w('o_backlog.in', b''.join(b'%x 2\n' % (0x1000 + 0x100 + 4 * 99990 + (i % 8)) for i in range(200000)))
cases.append('omap o_backlog.to o_backlog.from 0xffffffff 0 <o_backlog.in')
w('o_trunc.to', omap([(0x1000, 0x1000)]) + b'\1\2\3')
cases.append('omap o_trunc.to o_ok.from 0xbeea 0 <o_ranges.in')

# Seeded byte flips and truncations of real streams, when a directory of
# them (written by pdbaux-check.py) is given.
if len(sys.argv) > 2:
    real = sys.argv[2]

    def load(name):
        with open(os.path.join(real, name), 'rb') as f:
            return f.read()

    def mutants(data, label, k):
        r = random.Random(label)
        for i in range(k):
            d = bytearray(data)
            if i % 4 == 3:
                d = d[:r.randrange(len(d) + 1)]
            else:
                for _ in range(1 + r.randrange(64)):
                    if d:
                        d[r.randrange(len(d))] = r.getrandbits(8)
            name = '%s.m%d' % (label, i)
            w(name, bytes(d))
            yield name

    tpi_real = load('dump_syms_regtest64.tpi')
    ipi_real = load('dump_syms_regtest64.ipi')
    w('real.in', ''.join('%d f\n' % (0x1000 + i) for i in range(0, 3000, 3)).encode())
    w('realids.in', ''.join('%d\n' % (0x1000 + i) for i in range(0, 2000, 2)).encode())
    for m in mutants(tpi_real, 'tpi', 12):
        cases.append('names %s regtest64.ipi <real.in' % m)
    for m in mutants(ipi_real, 'ipi', 12):
        cases.append('inlinees regtest64.tpi %s <realids.in' % m)
    w('regtest64.tpi', tpi_real)
    w('regtest64.ipi', ipi_real)
    w('regtest.names', load('regtest.names'))
    for m in mutants(load('regtest.fd'), 'fd', 8):
        cases.append('frames - %s regtest.names' % m)
    for m in mutants(load('regtest.fpo'), 'fpo', 8):
        cases.append('frames %s - -' % m)
    for m in mutants(load('regtest.names'), 'names', 4):
        cases.append('frames - fd.m0 %s' % m)
    w('bbs.to', load('omap_reorder_bbs.omapto'))
    w('bbs.from', load('omap_reorder_bbs.omapfrom'))
    w('bbs.in', b''.join(b'%x %x\n' % (0x1000 + 37 * i, 1 + (i * 7919) % 0x300)
                         for i in range(1000)))
    for m in mutants(load('omap_reorder_bbs.omapto'), 'omapto', 8):
        cases.append('omap %s bbs.from 0xbeea 0 <bbs.in' % m)
        cases.append('frames - fd.m1 regtest.names %s bbs.from 0xbeea 0' % m)
    for m in mutants(load('omap_reorder_bbs.omapfrom'), 'omapfrom', 8):
        cases.append('omap bbs.to %s 0xbeea 0 <bbs.in' % m)

with open(os.path.join(out, 'cases.txt'), 'w') as f:
    for c in cases:
        f.write(c + '\n')
print(len(cases))
