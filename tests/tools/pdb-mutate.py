#!/usr/bin/env python3
"""Writes damaged copies of an MSF 7.0 PDB, for the hostile-input tests.

    pdb-mutate.py IN.pdb OUTDIR [N]

Cases: truncations; bad superblock fields (block size, block count,
directory size, block-map block); a huge stream count and stream sizes;
directory block numbers out of range, pointing back at the directory
(cycles) or at block 0; DBI header words set to 0 and 0xffff; in
module streams, symbol record lengths of 0, 1 and 0xffff, random byte flips
and 0xE5 bytes (bad annotation numbers), and every third module stream
with 0xE5 bytes in one file (mods-e5); N files with random flips
anywhere.  Deterministic (seeded).  Prints the number of files written.
"""
import os
import random
import struct
import sys


def main():
    src, outdir = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    data = bytearray(open(src, 'rb').read())
    bs, _, nb, ndb = struct.unpack_from('<IIII', data, 32)
    nd = (ndb + bs - 1) // bs
    maplist = [struct.unpack_from('<I', data, 52 + 4 * i)[0] for i in range((nd * 4 + bs - 1) // bs)]
    mapbytes = b''.join(data[b * bs:(b + 1) * bs] for b in maplist)
    dirblocks = list(struct.unpack_from('<%dI' % nd, mapbytes))
    dirb = b''.join(data[b * bs:(b + 1) * bs] for b in dirblocks)[:ndb]
    ns = struct.unpack_from('<I', dirb)[0]
    sizes = list(struct.unpack_from('<%dI' % ns, dirb, 4))
    pos, streams = 4 + 4 * ns, []
    for s in sizes:
        k = 0 if s == 0xffffffff else (s + bs - 1) // bs
        streams.append(list(struct.unpack_from('<%dI' % k, dirb, pos)))
        pos += 4 * k

    def sbytes(i):
        return b''.join(data[b * bs:(b + 1) * bs] for b in streams[i])[:sizes[i]]

    def soff(i, off):
        return streams[i][off // bs] * bs + off % bs

    cases = {}

    def case(name, d):
        cases[name] = bytes(d)

    def patch(off, fmt, val):
        d = bytearray(data)
        struct.pack_into(fmt, d, off, val)
        return d

    def dir_patch(off, val):
        return patch(dirblocks[off // bs] * bs + off % bs, '<I', val)

    for pct in (1, 10, 30, 50, 70, 90, 99):
        case('trunc%02d' % pct, data[:len(data) * pct // 100])
    case('trunc-superblock', data[:56])
    for off, val in ((32, 7), (32, 1 << 20), (40, 0), (40, 0xffffffff), (44, 0xffffffff),
                     (44, 3), (52, 0xffffffff), (52, 0)):
        case('super%d-%x' % (off, val), patch(off, '<I', val))
    case('nstreams-huge', dir_patch(0, 0x7fffffff))
    case('nstreams-big', dir_patch(0, ns + 1000))
    for i in (1, 2, 3, 4):
        case('size%d-huge' % i, dir_patch(4 + 4 * i, 0xfffffff0))
        case('size%d-zero' % i, dir_patch(4 + 4 * i, 0))
    p = 4 + 4 * ns
    for j in range(0, min(120, (ndb - p) // 4), 7):
        case('block%d-out' % j, dir_patch(p + 4 * j, nb + 5))
        case('block%d-cycle' % j, dir_patch(p + 4 * j, dirblocks[0]))
        case('block%d-zero' % j, dir_patch(p + 4 * j, 0))
    dbi = sbytes(3)
    for off in range(0, 64, 2):
        for val in (0xffff, 0):
            case('dbi%d-%x' % (off, val), patch(soff(3, off), '<H', val))
    mods, mi = [], 64
    modi_end = 64 + struct.unpack_from('<i', dbi, 24)[0]
    while mi + 64 <= modi_end:
        st = struct.unpack_from('<H', dbi, mi + 34)[0]
        sb = struct.unpack_from('<I', dbi, mi + 36)[0]
        e = dbi.index(b'\0', mi + 64)
        e = dbi.index(b'\0', e + 1) + 1
        mi = (e + 3) & ~3
        if st != 0xffff and st < ns and sizes[st] >= 16 and sb >= 16:
            mods.append((st, sb))
    rnd = random.Random(1)
    for k in range(min(n, len(mods))):
        st, sb = rnd.choice(mods)
        sym = sbytes(st)
        pos, recs = 4, []
        while pos + 4 <= sb:
            rl = struct.unpack_from('<H', sym, pos)[0]
            recs.append(pos)
            if rl < 2:
                break
            pos += 2 + rl
        r = rnd.choice(recs)
        for v in (0, 1, 0xffff):
            case('mod%d-rec%x-len%x' % (st, r, v), patch(soff(st, r), '<H', v))
        for t in range(3):
            d = bytearray(data)
            for _ in range(8):
                d[soff(st, rnd.randrange(sizes[st]))] ^= rnd.randrange(1, 256)
            case('mod%d-flip%d-%d' % (st, k, t), d)
        d = bytearray(data)
        for off in range(0, sizes[st], 97):
            d[soff(st, off)] = 0xE5
        case('mod%d-e5-%d' % (st, k), d)
    # many modules damaged in one file: every third module stream, 0xE5
    # every 97 bytes past the signature (their warnings must come in
    # module order)
    d = bytearray(data)
    for st, sb in mods[::3]:
        for off in range(50, sizes[st], 97):	# past the signature
            d[soff(st, off)] = 0xE5
    case('mods-e5', d)
    for t in range(n):
        d = bytearray(data)
        for _ in range(rnd.randrange(1, 64)):
            d[rnd.randrange(len(d))] ^= rnd.randrange(1, 256)
        case('flip%d' % t, d)
    os.makedirs(outdir, exist_ok=True)
    for name, d in cases.items():
        with open(os.path.join(outdir, name + '.pdb'), 'wb') as f:
            f.write(d)
    print(len(cases))


main()
