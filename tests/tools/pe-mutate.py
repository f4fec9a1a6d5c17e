#!/usr/bin/env python3
"""Writes hostile variants of a valid PE image, one defect a file.

    pe-mutate.py IN OUTDIR [NRANDOM]

IN is a PE32 or PE32+ image (x86, x64 or arm64).  Each variant is
OUTDIR/<basename of IN>.<defect>; the produced paths are printed one a
line.  Defects that need something IN lacks (no exports, no exception
directory, no chained unwind info...) are skipped with a note on stderr.
NRANDOM (default 40) more variants flip seeded random bytes in the
headers, the exception directory and the unwind data it names.

Defects:
  trunc-dos                 cut 16 bytes into the DOS header
  lfanew-past-end           e_lfanew = file size
  lfanew-huge               e_lfanew = 0xfffffffc
  trunc-coff                cut 8 bytes into the COFF header
  trunc-opt                 cut half way through the optional header
  opt-magic-bad             optional header magic 0x30b
  opt-size-small            SizeOfOptionalHeader = 8
  opt-size-huge             SizeOfOptionalHeader = 0xffff
  nsections-huge            NumberOfSections = 0xffff
  nsections-zero            NumberOfSections = 0
  trunc-sections            cut half way through the section table
  nrva-huge                 NumberOfRvaAndSizes = 0xffffffff
  section-raw-past-end      each section's PointerToRawData = file size + 0x1000
  section-raw-wrap          each section's PointerToRawData = 0xffffff00
  section-rawsize-huge      each section's SizeOfRawData = 0xfffffff0
  section-vsize-huge        each section's VirtualSize = 0xfffffff0
  section-va-wrap           the last section's VirtualAddress = 0xfffff000
  debug-dir-past-end        debug directory rva = 0xfffffff0
  debug-size-huge           debug directory size = 0xffffffff
  debug-data-past-end       the CodeView entry's data rva and file offset past the end
  debug-data-size-huge      the CodeView entry's SizeOfData = 0xffffffff
  codeview-unterminated     the CodeView PDB path has no NUL (fills to the entry's end)
  export-counts-huge        NumberOfNames and NumberOfFunctions = 0xffffffff
  export-names-bad          AddressOfNames = 0xfffffff0
  export-ordinal-bad        the first name ordinal = 0xffff
  export-name-rva-bad       the first name rva = 0xfffffff0
  export-forward-all        the export directory size covers the whole image
  exception-size-huge       exception directory size = 0xffffffff
  exception-rva-bad         exception directory rva = 0xfffffff0
  exception-unaligned       exception directory rva + 2
x64 unwind defects (first RUNTIME_FUNCTION with codes, or as named):
  unwind-rva-bad            its UNWIND_INFO rva = 0xfffffff0
  unwind-indirect-self      its UNWIND_INFO rva = its own RUNTIME_FUNCTION rva + 1
  unwind-chain-self         CHAININFO set, parent RUNTIME_FUNCTION = itself
  unwind-chain-loop         two entries chained to each other
  unwind-count-huge         CountOfCodes = 255
  unwind-version-bad        version 5
  unwind-op-bad             first code's op = 15
  unwind-large-truncated    the last code becomes ALLOC_LARGE info 1 (needs 2 more slots)
  unwind-setfp-noreg        SET_FPREG with frame register 0
  unwind-offsets-unsorted   the codes' offsets reversed
  unwind-end-before-begin   EndAddress = BeginAddress - 1
arm64 unwind defects:
  a64-xdata-rva-bad         first .xdata entry's rva = 0xfffffff0
  a64-codewords-huge        extended header: 0xffff epilogs, 0xff code words
  a64-no-end                unwind codes without an end (all nop)
  a64-code-reserved         first code 0xff
  a64-packed-regi-huge      a packed entry with RegI = 15, FrameSize = 0
  a64-save-next-first       first (last executed) code save_next alone
  a64-flag-reserved         .pdata flag 3
"""
import os
import random
import struct
import sys


def u16(b, o):
    return struct.unpack_from('<H', b, o)[0]


def u32(b, o):
    return struct.unpack_from('<I', b, o)[0]


def p16(b, o, v):
    struct.pack_into('<H', b, o, v & 0xffff)


def p32(b, o, v):
    struct.pack_into('<I', b, o, v & 0xffffffff)


class PE:
    def __init__(self, data):
        self.d = data
        self.lfanew = u32(data, 0x3c)
        self.coff = self.lfanew + 4
        self.machine = u16(data, self.coff)
        self.nsect = u16(data, self.coff + 2)
        self.optsize = u16(data, self.coff + 16)
        self.opt = self.coff + 20
        self.magic = u16(data, self.opt)
        self.plus = self.magic == 0x20b
        self.dirs = self.opt + (112 if self.plus else 96)
        self.nrva_off = self.dirs - 4
        self.sect = self.opt + self.optsize
        self.sections = []
        for i in range(self.nsect):
            o = self.sect + 40 * i
            vsize, va, rsize, roff = struct.unpack_from('<IIII', data, o + 8)
            self.sections.append((o, va, vsize, roff, rsize))

    def dir(self, i):
        return u32(self.d, self.dirs + 8 * i), u32(self.d, self.dirs + 8 * i + 4)

    def dir_off(self, i):
        return self.dirs + 8 * i

    def off(self, rva):
        for (_, va, vsize, roff, rsize) in self.sections:
            if va <= rva < va + max(vsize, rsize) and rva - va < rsize:
                return roff + rva - va
        return None


def x64_functions(pe):
    """(entry file offset, begin, end, unwind rva, unwind file offset)."""
    rva, size = pe.dir(3)
    base = pe.off(rva) if rva else None
    out = []
    if base is None:
        return out
    for i in range(size // 12):
        b, e, u = struct.unpack_from('<III', pe.d, base + 12 * i)
        uo = pe.off(u) if not u & 1 else None
        out.append((base + 12 * i, rva + 12 * i, b, e, u, uo))
    return out


def main():
    if len(sys.argv) < 3:
        sys.exit('usage: pe-mutate.py IN OUTDIR [NRANDOM]')
    src, outdir = sys.argv[1], sys.argv[2]
    nrandom = int(sys.argv[3]) if len(sys.argv) > 3 else 40
    orig = bytes(open(src, 'rb').read())
    pe = PE(orig)
    name = os.path.basename(src)
    os.makedirs(outdir, exist_ok=True)

    def emit(defect, data):
        path = os.path.join(outdir, '%s.%s' % (name, defect))
        with open(path, 'wb') as f:
            f.write(data)
        print(path)

    def skip(defect, why):
        sys.stderr.write('pe-mutate: %s: skipped %s: %s\n' % (name, defect, why))

    def edit(defect, fn):
        b = bytearray(orig)
        r = fn(b)
        if r is False:
            return
        emit(defect, bytes(b))

    emit('trunc-dos', orig[:16])
    edit('lfanew-past-end', lambda b: p32(b, 0x3c, len(orig)))
    edit('lfanew-huge', lambda b: p32(b, 0x3c, 0xfffffffc))
    emit('trunc-coff', orig[:pe.coff + 8])
    emit('trunc-opt', orig[:pe.opt + pe.optsize // 2])
    edit('opt-magic-bad', lambda b: p16(b, pe.opt, 0x30b))
    edit('opt-size-small', lambda b: p16(b, pe.coff + 16, 8))
    edit('opt-size-huge', lambda b: p16(b, pe.coff + 16, 0xffff))
    edit('nsections-huge', lambda b: p16(b, pe.coff + 2, 0xffff))
    edit('nsections-zero', lambda b: p16(b, pe.coff + 2, 0))
    emit('trunc-sections', orig[:pe.sect + 40 * pe.nsect // 2])
    edit('nrva-huge', lambda b: p32(b, pe.nrva_off, 0xffffffff))

    def each_section(field, value):
        def fn(b):
            for s in pe.sections:
                p32(b, s[0] + field, value)
        return fn
    edit('section-raw-past-end', each_section(20, len(orig) + 0x1000))
    edit('section-raw-wrap', each_section(20, 0xffffff00))
    edit('section-rawsize-huge', each_section(16, 0xfffffff0))
    edit('section-vsize-huge', each_section(8, 0xfffffff0))
    if pe.sections:
        edit('section-va-wrap', lambda b: p32(b, pe.sections[-1][0] + 12, 0xfffff000))

    drva, dsize = pe.dir(6)
    doff = pe.off(drva) if drva else None
    if doff is None:
        skip('debug-*', 'no debug directory')
    else:
        edit('debug-dir-past-end', lambda b: p32(b, pe.dir_off(6), 0xfffffff0))
        edit('debug-size-huge', lambda b: p32(b, pe.dir_off(6) + 4, 0xffffffff))
        cv = None
        for i in range(dsize // 28):
            if u32(orig, doff + 28 * i + 12) == 2:
                cv = doff + 28 * i
                break
        if cv is None:
            skip('debug-data-*', 'no CodeView entry')
        else:
            def past(b):
                p32(b, cv + 20, 0xfffff000)
                p32(b, cv + 24, len(orig) + 16)
            edit('debug-data-past-end', past)
            edit('debug-data-size-huge', lambda b: p32(b, cv + 16, 0xffffffff))
            cvoff = u32(orig, cv + 24)
            cvlen = u32(orig, cv + 16)

            def unterminated(b):
                for k in range(24, cvlen):
                    b[cvoff + k] = ord('A')
            edit('codeview-unterminated', unterminated)

    erva, esize = pe.dir(0)
    eoff = pe.off(erva) if erva else None
    if eoff is None:
        skip('export-*', 'no export directory')
    else:
        def counts(b):
            p32(b, eoff + 20, 0xffffffff)
            p32(b, eoff + 24, 0xffffffff)
        edit('export-counts-huge', counts)
        edit('export-names-bad', lambda b: p32(b, eoff + 32, 0xfffffff0))
        ords = pe.off(u32(orig, eoff + 36))
        names = pe.off(u32(orig, eoff + 32))
        if ords is not None and u32(orig, eoff + 24):
            edit('export-ordinal-bad', lambda b: p16(b, ords, 0xffff))
        if names is not None and u32(orig, eoff + 24):
            edit('export-name-rva-bad', lambda b: p32(b, names, 0xfffffff0))
        edit('export-forward-all', lambda b: p32(b, pe.dir_off(0) + 4, 0xffffffff))

    xrva, xsize = pe.dir(3)
    if not xrva or pe.off(xrva) is None:
        skip('exception-*, unwind-*', 'no exception directory')
        return random_variants(orig, pe, emit, nrandom)
    edit('exception-size-huge', lambda b: p32(b, pe.dir_off(3) + 4, 0xffffffff))
    edit('exception-rva-bad', lambda b: p32(b, pe.dir_off(3), 0xfffffff0))
    edit('exception-unaligned', lambda b: p32(b, pe.dir_off(3), xrva + 2))

    if pe.machine == 0x8664:
        x64_defects(orig, pe, edit, skip)
    elif pe.machine == 0xaa64:
        a64_defects(orig, pe, edit, skip)
    random_variants(orig, pe, emit, nrandom)


def x64_defects(orig, pe, edit, skip):
    funcs = [f for f in x64_functions(pe) if f[5] is not None]
    with_codes = [f for f in funcs if orig[f[5] + 2] >= 2]
    if not with_codes:
        skip('unwind-*', 'no unwind info with codes')
        return
    ent, ent_rva, b0, e0, u0, uo = with_codes[0]
    edit('unwind-rva-bad', lambda b: p32(b, ent + 8, 0xfffffff0))
    edit('unwind-indirect-self', lambda b: p32(b, ent + 8, ent_rva + 1))
    count = orig[uo + 2]
    tail = uo + 4 + 2 * ((count + 1) & ~1)

    def chain_self(b):
        if pe.off(u0 + 4 + 2 * ((count + 1) & ~1) + 12 - 1) is None:
            return False
        b[uo] = (b[uo] & 7) | (4 << 3)
        struct.pack_into('<III', b, tail, b0, e0, u0)
    edit('unwind-chain-self', chain_self)
    if len(with_codes) > 1:
        ent2, _, b1, e1, u1, uo1 = with_codes[1]
        count1 = orig[uo1 + 2]
        tail1 = uo1 + 4 + 2 * ((count1 + 1) & ~1)

        def chain_loop(b):
            b[uo] = (b[uo] & 7) | (4 << 3)
            b[uo1] = (b[uo1] & 7) | (4 << 3)
            struct.pack_into('<III', b, tail, b1, e1, u1)
            struct.pack_into('<III', b, tail1, b0, e0, u0)
        edit('unwind-chain-loop', chain_loop)
    edit('unwind-count-huge', lambda b: b.__setitem__(uo + 2, 255))
    edit('unwind-version-bad', lambda b: b.__setitem__(uo, (b[uo] & 0xf8) | 5))
    edit('unwind-op-bad', lambda b: b.__setitem__(uo + 5, (b[uo + 5] & 0xf0) | 15))

    def large_trunc(b):
        last = uo + 4 + 2 * (count - 1)
        b[last + 1] = 0x10 | 1      # ALLOC_LARGE, info 1
    edit('unwind-large-truncated', large_trunc)

    def setfp_noreg(b):
        b[uo + 3] = 0
        b[uo + 5] = (b[uo + 5] & 0xf0) | 3
    edit('unwind-setfp-noreg', setfp_noreg)

    def unsorted(b):
        offs = [orig[uo + 4 + 2 * i] for i in range(count)]
        for i in range(count):
            b[uo + 4 + 2 * i] = offs[count - 1 - i] if offs[0] != offs[-1] else i
    edit('unwind-offsets-unsorted', unsorted)
    edit('unwind-end-before-begin', lambda b: p32(b, ent + 4, b0 - 1))


def a64_defects(orig, pe, edit, skip):
    xrva, xsize = pe.dir(3)
    base = pe.off(xrva)
    ents = [(base + 8 * i, u32(orig, base + 8 * i + 4)) for i in range(xsize // 8)]
    xd = [(o, w) for (o, w) in ents if w and w & 3 == 0 and pe.off(w) is not None]
    packed = [(o, w) for (o, w) in ents if w & 3 == 1]
    if packed:
        def regi(b):
            o, w = packed[0]
            w = (w & ~(0xf << 16) & ~(0x1ff << 23)) | (15 << 16)
            p32(b, o + 4, w)
        edit('a64-packed-regi-huge', regi)
        edit('a64-flag-reserved', lambda b: p32(b, packed[0][0] + 4, packed[0][1] | 3))
    else:
        skip('a64-packed-*', 'no packed entry')
    if not xd:
        skip('a64-xdata-*', 'no .xdata entry')
        return
    o, w = xd[0]
    xo = pe.off(w)
    h = u32(orig, xo)
    edit('a64-xdata-rva-bad', lambda b: p32(b, o + 4, 0xfffffff0))

    def codewords(b):
        p32(b, xo, h & 0x3ffff)
        p32(b, xo + 4, 0xffff | (0xff << 16))
    edit('a64-codewords-huge', codewords)
    nepi = 0 if h & (1 << 21) else (h >> 22) & 0x1f
    nwords = (h >> 27) & 0x1f
    if nwords == 0:
        skip('a64-code-*', 'extended header')
        return
    codes = xo + 4 + 4 * nepi

    def no_end(b):
        for k in range(4 * nwords):
            b[codes + k] = 0xe3
    edit('a64-no-end', no_end)
    edit('a64-code-reserved', lambda b: b.__setitem__(codes, 0xff))

    def save_next_first(b):
        for k in range(4 * nwords):
            b[codes + k] = 0xe4
        b[codes] = 0xe6
    edit('a64-save-next-first', save_next_first)


def random_variants(orig, pe, emit, n):
    rng = random.Random(0x5eed)
    spots = [(0, min(len(orig), pe.sect + 40 * pe.nsect))]
    xrva, xsize = pe.dir(3)
    xo = pe.off(xrva) if xrva else None
    if xo is not None:
        spots.append((xo, min(len(orig), xo + xsize)))
        for (_, _, _, _, u, uo) in (x64_functions(pe) if pe.machine == 0x8664 else []):
            if uo is not None:
                spots.append((uo, min(len(orig), uo + 16)))
    for i in range(n):
        b = bytearray(orig)
        lo, hi = spots[rng.randrange(len(spots))]
        if hi <= lo:
            continue
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(lo, hi)] = rng.randrange(256)
        emit('random-%02d' % i, bytes(b))


if __name__ == '__main__':
    main()
