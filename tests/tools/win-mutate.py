#!/usr/bin/env python3
"""Writes hostile variants of a valid PDB or PE image, one defect a file.

    win-mutate.py IN OUTDIR [FLIPS [SEED]]

IN is a PDB (MSF 7.00) or a PE image (x86, x86_64 or arm64), told apart by
its magic.  Each variant is OUTDIR/<defect>.<basename of IN>, so that it
keeps IN's extension; the produced paths are printed one a line.  FLIPS
(default 100) variants with seeded random byte changes are added, named
flip-<n>.<basename>.  Every structure is found by walking the file, not at
fixed offsets; a defect that needs something IN lacks is skipped with a
note on stderr.

PDB defects (names as written; "must fail" ones break what every read
depends on and are listed by 102-windows-hostile.sh):
  trunc-N                  the file cut to N bytes (0, 1, 31, 32, 55, 56,
                           block size +- 1, every block boundary up to 12
                           blocks, half the file, all but 1 byte)
  blocksize-0, -1, -3, -511, -huge   superblock BlockSize
  numblocks-0, numblocks-1 superblock NumBlocks
  dirbytes-huge            NumDirectoryBytes = 0xfffffff0
  dirbytes-odd             NumDirectoryBytes = 6 (not a whole count)
  blockmap-past-end        the block-map block number = NumBlocks + 5
  blockmap-self            the block-map block number = 0 (the superblock)
  dirblock-past-end        the first directory block number = 0x7fffffff
  dirblock-self            the first directory block = the block-map block
  numstreams-huge          NumStreams = 0xffffffff
  numstreams-big           NumStreams = 0x00ffffff
  streamsize-huge-K        stream K's size = 0x7ffffff0 (K = 1, 2, 3, 4, a
                           module stream)
  streamblock-past-end-K   stream K's first block = NumBlocks + 100
  streamblock-shared       stream 3 (DBI)'s first block = stream 2's first
  streamblock-dir          stream 3's first block = the first directory block
  dbi-modinfo-huge         DBI ModInfoSize = 0x7ffffff0
  dbi-modstream-bad        the first module's stream = 0xfffe
  dbi-symbytes-huge        the first module's SymByteSize = 0x7ffffff0
  dbi-c13bytes-huge        the first module's C13ByteSize = 0x7ffffff0
  dbi-opthdr-bad           every optional debug header stream = 0xfff0
  dbi-symrec-bad           DBI SymRecordStream = 0xfff0
  info-namemap-huge        the PDB info stream's name-map byteLen = 0x7ffffff0
  sym-reclen-0, sym-reclen-1, sym-reclen-huge
                           the first procedure record's reclen
  sym-scope-bad            its pEnd = 0xfffffff0, pParent = its own offset
  pub-reclen-0, pub-reclen-1   the first record of the symbol record stream
  annot-e0, annot-ff       the first inline site's first annotation byte
  annot-trunc              ... = 0xC0 at the end of the record (a 4-byte
                           number cut short)
  c13-len-huge             the first C13 subsection's length = 0xfffffff0
  c13-len-past             ... = 8 bytes past the module stream's end
  c13-lines-count-huge     the first DEBUG_S_LINES block's nLines = 0x0fffffff
  c13-checksum-size-huge   the first file-checksum entry's size = 0xff
  tpi-recordbytes-huge     TPI TypeRecordBytes = 0x7ffffff0
  tpi-reclen-0             the first type record's length = 0
  ipi-reclen-0             the first IPI record's length = 0
PE defects:
  trunc-N                  cut to N bytes (0, 2, 0x3c, 0x40, the PE
                           header +4/+20, half the optional header, half
                           the section table, each section's start + 16,
                           all but 1 byte)
  lfanew-past-end          e_lfanew = the file size
  lfanew-huge              e_lfanew = 0xfffffff0
  nsections-huge           NumberOfSections = 0xffff
  opthdr-size-huge         SizeOfOptionalHeader = 0xfff0 (section table
                           past the end)
  section-raw-past-end     .text PointerToRawData + SizeOfRawData past the end
  section-raw-wrap         .text PointerToRawData = 0xffffff00
  nrvasizes-huge           NumberOfRvaAndSizes = 0xffffffff
  debugdir-past-end        debug directory RVA = 0x7ffffff0
  debugdir-size-huge       debug directory size = 0x7ffffff0
  rsds-size-0 / rsds-size-huge / rsds-ptr-past-end   the CodeView entry
  rsds-unterminated        the RSDS path's bytes up to the entry end are 'A'
  export-names-huge        export NumberOfNames = 0x7fffffff
  export-namerva-bad       export AddressOfNames = 0x7ffffff0
  pdata-size-huge          exception directory size = 0x7ffffff0
  pdata-unwind-bad         the first entry's unwind info RVA = 0x7ffffff0
  unwind-chain-self        (x64) the first entry's unwind info chains to
                           the entry itself
  unwind-chain-pair        (x64) entries 0 and 1 chain to each other
  unwind-indirect-self     (x64) unwind info RVA = the entry's own RVA | 1
  unwind-codes-255         (x64) CountOfCodes = 255
  unwind-alloc-large-cut   (x64) the last slot is ALLOC_LARGE (no operand)
  xdata-codewords-huge     (arm64) first .xdata record: 31 code words,
                           epilog count 31
  xdata-ext-huge           (arm64) extension word: 0xffff epilogs, 255 words
  xdata-len-0              (arm64) FunctionLength 0
"""
import os, random, struct, sys

MSF_MAGIC = b'Microsoft C/C++ MSF 7.00\r\n\x1aDS\x00\x00\x00'


def u16(b, o):
    return struct.unpack_from('<H', b, o)[0]


def u32(b, o):
    return struct.unpack_from('<I', b, o)[0]


class Msf:
    def __init__(self, data):
        self.data = data
        self.bs = u32(data, 32)
        self.nblocks = u32(data, 40)
        self.ndir = u32(data, 44)
        self.bmap = u32(data, 52)
        n = (self.ndir + self.bs - 1) // self.bs
        self.dir_blocks = [u32(data, self.bmap * self.bs + 4 * i) for i in range(n)]
        d = b''.join(data[b * self.bs:(b + 1) * self.bs] for b in self.dir_blocks)[:self.ndir]
        self.dir = d
        self.nstreams = u32(d, 0)
        self.sizes = [u32(d, 4 + 4 * i) for i in range(self.nstreams)]
        self.blocks = []
        p = 4 + 4 * self.nstreams
        self.blocks_at = []     # directory offset of each stream's block list
        for s in self.sizes:
            k = 0 if s == 0xFFFFFFFF else (s + self.bs - 1) // self.bs
            self.blocks_at.append(p)
            self.blocks.append([u32(d, p + 4 * j) for j in range(k)])
            p += 4 * k

    def dir_off(self, k):
        return self.dir_blocks[k // self.bs] * self.bs + k % self.bs

    def stream_off(self, i, k):
        return self.blocks[i][k // self.bs] * self.bs + k % self.bs

    def stream(self, i):
        if i >= self.nstreams or self.sizes[i] == 0xFFFFFFFF:
            return b''
        return b''.join(self.data[b * self.bs:(b + 1) * self.bs] for b in self.blocks[i])[:self.sizes[i]]

    def put_dir(self, out, k, raw):
        for j, c in enumerate(raw):
            out[self.dir_off(k + j)] = c

    def put_stream(self, out, i, k, raw):
        for j, c in enumerate(raw):
            out[self.stream_off(i, k + j)] = c


def p32(v):
    return struct.pack('<I', v & 0xFFFFFFFF)


def p16(v):
    return struct.pack('<H', v & 0xFFFF)


class Out:
    def __init__(self, data, outdir, base):
        self.data, self.outdir, self.base, self.n = data, outdir, base, 0

    def write(self, name, buf):
        path = os.path.join(self.outdir, '%s.%s' % (name, self.base))
        with open(path, 'wb') as f:
            f.write(bytes(buf))
        print(path)
        self.n += 1

    def patch(self, name, edits):
        """edits: list of (file offset, bytes)"""
        b = bytearray(self.data)
        for off, raw in edits:
            b[off:off + len(raw)] = raw
        self.write(name, b)


def skip(what):
    print('win-mutate.py: skipped %s' % what, file=sys.stderr)


def records(buf, start, end):
    """(offset, reclen, kind) of the CodeView records in buf[start:end]"""
    out, p = [], start
    while p + 4 <= end and len(out) < 100000:
        n, k = u16(buf, p), u16(buf, p + 2)
        if n < 2:
            break
        out.append((p, n, k))
        p += 2 + n
    return out


def pdb(data, o):
    m = Msf(data)
    bs = m.bs
    size = len(data)
    cuts = {0, 1, 31, 32, 55, 56, bs - 1, bs, bs + 1, size // 2, size - 1}
    cuts.update(k * bs for k in range(2, 13))
    cuts.update(b * bs + 7 for b in m.dir_blocks)
    for c in sorted(cuts):
        if 0 <= c < size:
            o.write('trunc-%d' % c, data[:c])
    for name, v in (('0', 0), ('1', 1), ('3', 3), ('511', 511), ('huge', 0x80000000)):
        o.patch('blocksize-' + name, [(32, p32(v))])
    o.patch('numblocks-0', [(40, p32(0))])
    o.patch('numblocks-1', [(40, p32(1))])
    o.patch('dirbytes-huge', [(44, p32(0xFFFFFFF0))])
    o.patch('dirbytes-odd', [(44, p32(6))])
    o.patch('blockmap-past-end', [(52, p32(m.nblocks + 5))])
    o.patch('blockmap-self', [(52, p32(0))])
    o.patch('dirblock-past-end', [(m.bmap * bs, p32(0x7FFFFFFF))])
    o.patch('dirblock-self', [(m.bmap * bs, p32(m.bmap))])

    def dpatch(name, k, raw):
        b = bytearray(data)
        m.put_dir(b, k, raw)
        o.write(name, b)
    dpatch('numstreams-huge', 0, p32(0xFFFFFFFF))
    dpatch('numstreams-big', 0, p32(0x00FFFFFF))

    # DBI: the first module with a symbol stream
    dbi = m.stream(3)
    mods = []
    if len(dbi) >= 64:
        modsize = u32(dbi, 24)
        p = 64
        while p + 64 <= min(len(dbi), 64 + modsize):
            sym_stream, symbytes, c11, c13 = u16(dbi, p + 34), u32(dbi, p + 36), u32(dbi, p + 40), u32(dbi, p + 44)
            q = p + 64
            for _ in range(2):
                q = dbi.index(b'\0', q) + 1
            mods.append(dict(at=p, stream=sym_stream, sym=symbytes, c11=c11, c13=c13))
            p = (q + 3) & ~3
    mod = next((x for x in mods if x['stream'] != 0xFFFF and x['sym'] > 4 and x['c13'] > 8), None)
    ks = [1, 2, 3, 4] + ([mod['stream']] if mod else [])
    for k in ks:
        if k < m.nstreams and m.sizes[k] not in (0, 0xFFFFFFFF):
            dpatch('streamsize-huge-%d' % k, 4 + 4 * k, p32(0x7FFFFFF0))
            dpatch('streamblock-past-end-%d' % k, m.blocks_at[k], p32(m.nblocks + 100))
    if m.blocks[2] and m.blocks[3]:
        dpatch('streamblock-shared', m.blocks_at[3], p32(m.blocks[2][0]))
        dpatch('streamblock-dir', m.blocks_at[3], p32(m.dir_blocks[0]))

    def spatch(name, i, k, raw):
        b = bytearray(data)
        m.put_stream(b, i, k, raw)
        o.write(name, b)
    if len(dbi) >= 64:
        spatch('dbi-modinfo-huge', 3, 24, p32(0x7FFFFFF0))
        spatch('dbi-symrec-bad', 3, 20, p16(0xFFF0))
        opt_at = 64 + sum(u32(dbi, x) for x in (24, 28, 32, 36, 40)) + u32(dbi, 52)
        optsize = u32(dbi, 48)
        if 0 < optsize and opt_at + optsize <= len(dbi):
            spatch('dbi-opthdr-bad', 3, opt_at, p16(0xFFF0) * (optsize // 2))
        else:
            skip('dbi-opthdr-bad (no optional debug header)')
    if mods:
        spatch('dbi-modstream-bad', 3, mods[0]['at'] + 34, p16(0xFFFE))
        spatch('dbi-symbytes-huge', 3, mods[0]['at'] + 36, p32(0x7FFFFFF0))
        spatch('dbi-c13bytes-huge', 3, mods[0]['at'] + 44, p32(0x7FFFFFF0))
    info = m.stream(1)
    if len(info) >= 32:
        spatch('info-namemap-huge', 1, 28, p32(0x7FFFFFF0))

    # the module stream: a procedure, an inline site, C13 subsections
    if mod:
        s = mod['stream']
        ms = m.stream(s)
        recs = records(ms, 4, min(mod['sym'], len(ms)))
        proc = next((r for r in recs if r[2] in (0x1110, 0x110F, 0x1147, 0x1146)), None)
        if proc:
            spatch('sym-reclen-0', s, proc[0], p16(0))
            spatch('sym-reclen-1', s, proc[0], p16(1))
            spatch('sym-reclen-huge', s, proc[0], p16(0xFFFF))
            spatch('sym-scope-bad', s, proc[0] + 4, p32(proc[0]) + p32(0xFFFFFFF0))
        else:
            skip('sym-* (no procedure record)')
        site = next((r for r in recs if r[2] in (0x114D, 0x115D)), None)
        if site:
            a = site[0] + 16 + (4 if site[2] == 0x115D else 0)
            spatch('annot-e0', s, a, b'\xe0')
            spatch('annot-ff', s, a, b'\xff')
            spatch('annot-trunc', s, site[0] + 2 + site[1] - 1, b'\xc0')
        else:
            skip('annot-* (no inline site in the first module)')
        c13 = mod['sym'] + mod['c11']
        if c13 + 8 <= len(ms):
            spatch('c13-len-huge', s, c13 + 4, p32(0xFFFFFFF0))
            spatch('c13-len-past', s, c13 + 4, p32(len(ms) - c13 - 8 + 8))
            p = c13
            lines_done = chk_done = False
            while p + 8 <= min(len(ms), c13 + mod['c13']):
                kind, n = u32(ms, p), u32(ms, p + 4)
                if kind == 0xF2 and not lines_done and n >= 24:
                    spatch('c13-lines-count-huge', s, p + 8 + 12 + 4, p32(0x0FFFFFFF))
                    lines_done = True
                if kind == 0xF4 and not chk_done and n >= 6:
                    spatch('c13-checksum-size-huge', s, p + 8 + 4, b'\xff')
                    chk_done = True
                p += 8 + ((n + 3) & ~3)
        else:
            skip('c13-* (no C13 data)')
    else:
        skip('module defects (no module with symbols and C13 lines)')
    # the symbol record stream (publics, globals)
    if len(dbi) >= 64:
        sr = u16(dbi, 20)
        if sr < m.nstreams and m.sizes[sr] not in (0, 0xFFFFFFFF):
            spatch('pub-reclen-0', sr, 0, p16(0))
            spatch('pub-reclen-1', sr, 0, p16(1))
    for k, name in ((2, 'tpi'), (4, 'ipi')):
        st = m.stream(k)
        if len(st) >= 60:
            if k == 2:
                spatch('tpi-recordbytes-huge', 2, 16, p32(0x7FFFFFF0))
            spatch('%s-reclen-0' % name, k, u32(st, 4), p16(0))
    # where seeded flips go: the directory and every stream's first blocks
    hot = list(range(0, 56))
    for b in m.dir_blocks + [m.bmap]:
        hot.extend(range(b * bs, (b + 1) * bs))
    for i in range(m.nstreams):
        for b in m.blocks[i][:4]:
            hot.extend(range(b * bs, min((b + 1) * bs, size)))
    return hot


class Pe:
    def __init__(self, data):
        self.data = data
        self.lfanew = u32(data, 0x3C)
        c = self.lfanew + 4
        self.coff = c
        self.machine = u16(data, c)
        self.nsec = u16(data, c + 2)
        self.optsize = u16(data, c + 16)
        self.opt = c + 20
        self.pe32p = u16(data, self.opt) == 0x20B
        self.ndd_at = self.opt + (108 if self.pe32p else 92)
        self.dd_at = self.ndd_at + 4
        self.sec_at = self.opt + self.optsize
        self.secs = []
        for i in range(self.nsec):
            s = self.sec_at + 40 * i
            self.secs.append(dict(at=s, name=data[s:s + 8].rstrip(b'\0'), vsize=u32(data, s + 8),
                                  va=u32(data, s + 12), rawsize=u32(data, s + 16), raw=u32(data, s + 20)))

    def dd(self, i):
        return u32(self.data, self.dd_at + 8 * i), u32(self.data, self.dd_at + 8 * i + 4)

    def off(self, rva):
        for s in self.secs:
            if s['va'] <= rva < s['va'] + max(s['vsize'], s['rawsize']) and rva - s['va'] < s['rawsize']:
                return s['raw'] + rva - s['va']
        return None


def pe(data, o):
    p = Pe(data)
    size = len(data)
    cuts = {0, 2, 0x3C, 0x40, p.lfanew + 4, p.lfanew + 20, p.opt + p.optsize // 2,
            p.sec_at + 20 * p.nsec, size - 1}
    cuts.update(s['raw'] + 16 for s in p.secs if s['rawsize'])
    for c in sorted(cuts):
        if 0 <= c < size:
            o.write('trunc-%d' % c, data[:c])
    o.patch('lfanew-past-end', [(0x3C, p32(size))])
    o.patch('lfanew-huge', [(0x3C, p32(0xFFFFFFF0))])
    o.patch('nsections-huge', [(p.coff + 2, p16(0xFFFF))])
    o.patch('opthdr-size-huge', [(p.coff + 16, p16(0xFFF0))])
    text = next((s for s in p.secs if s['name'] == b'.text'), p.secs[0])
    o.patch('section-raw-past-end', [(text['at'] + 16, p32(size))])
    o.patch('section-raw-wrap', [(text['at'] + 20, p32(0xFFFFFF00))])
    o.patch('nrvasizes-huge', [(p.ndd_at, p32(0xFFFFFFFF))])
    drva, dsize = p.dd(6)
    o.patch('debugdir-past-end', [(p.dd_at + 48, p32(0x7FFFFFF0))])
    o.patch('debugdir-size-huge', [(p.dd_at + 52, p32(0x7FFFFFF0))])
    doff = p.off(drva) if drva else None
    if doff is not None:
        for i in range(dsize // 28):
            e = doff + 28 * i
            if u32(data, e + 12) == 2:
                o.patch('rsds-size-0', [(e + 16, p32(0))])
                o.patch('rsds-size-huge', [(e + 16, p32(0x7FFFFFF0))])
                o.patch('rsds-ptr-past-end', [(e + 24, p32(size + 16)), (e + 20, p32(0x7FFFFFF0))])
                ptr, n = u32(data, e + 24), u32(data, e + 16)
                if ptr + n <= size and n > 24:
                    o.patch('rsds-unterminated', [(ptr + 24, b'A' * (n - 24))])
                break
    else:
        skip('rsds-* (no debug directory)')
    ern, ersize = p.dd(0)
    eoff = p.off(ern) if ern else None
    if eoff is not None:
        o.patch('export-names-huge', [(eoff + 24, p32(0x7FFFFFFF))])
        o.patch('export-namerva-bad', [(eoff + 32, p32(0x7FFFFFF0))])
    else:
        skip('export-* (no export directory)')
    prva, psize = p.dd(3)
    poff = p.off(prva) if prva else None
    if poff is None:
        skip('pdata-* (no exception directory)')
        return list(range(0, min(size, p.sec_at + 40 * p.nsec)))
    o.patch('pdata-size-huge', [(p.dd_at + 28, p32(0x7FFFFFF0))])
    hot = list(range(0, min(size, p.sec_at + 40 * p.nsec)))
    if p.machine == 0x8664:
        o.patch('pdata-unwind-bad', [(poff + 8, p32(0x7FFFFFF0))])
        e0 = data[poff:poff + 12]
        u0 = p.off(u32(data, poff + 8))
        u1 = p.off(u32(data, poff + 20))
        if u0 is not None:
            n0 = data[u0 + 2]
            chain_at = u0 + 4 + 2 * ((n0 + 1) & ~1)
            o.patch('unwind-chain-self', [(u0, bytes([(data[u0] & 7) | (4 << 3)])), (chain_at, e0)])
            o.patch('unwind-codes-255', [(u0 + 2, b'\xff')])
            o.patch('unwind-alloc-large-cut', [(u0 + 2, b'\x01'), (u0 + 4, bytes([data[u0 + 1], 0x01]))])
            if u1 is not None and u1 != u0:
                n1 = data[u1 + 2]
                c1 = u1 + 4 + 2 * ((n1 + 1) & ~1)
                o.patch('unwind-chain-pair', [(u0, bytes([(data[u0] & 7) | (4 << 3)])), (chain_at, data[poff + 12:poff + 24]),
                                              (u1, bytes([(data[u1] & 7) | (4 << 3)])), (c1, e0)])
            o.patch('unwind-indirect-self', [(poff + 8, p32(prva | 1))])
            hot.extend(range(u0, min(size, u0 + 256)))
        hot.extend(range(poff, min(size, poff + psize)))
    elif p.machine == 0xAA64:
        o.patch('pdata-unwind-bad', [(poff + 4, p32(0x7FFFFFF0))])
        for i in range(psize // 8):
            w = u32(data, poff + 8 * i + 4)
            if w & 3 == 0:
                x = p.off(w)
                if x is not None:
                    h = u32(data, x)
                    o.patch('xdata-codewords-huge', [(x, p32((h & 0x07FFFFF) | (31 << 22) | (31 << 27)))])
                    o.patch('xdata-ext-huge', [(x, p32(h & 0x003FFFFF)), (x + 4, p32(0xFFFF | (255 << 16)))])
                    o.patch('xdata-len-0', [(x, p32(h & ~0x3FFFF))])
                    hot.extend(range(x, min(size, x + 64)))
                    break
        hot.extend(range(poff, min(size, poff + psize)))
    return hot


def main():
    if len(sys.argv) not in (3, 4, 5):
        sys.exit(__doc__)
    src, outdir = sys.argv[1], sys.argv[2]
    flips = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    data = open(src, 'rb').read()
    os.makedirs(outdir, exist_ok=True)
    o = Out(data, outdir, os.path.basename(src))
    if data.startswith(MSF_MAGIC):
        hot = pdb(data, o)
    elif data[:2] == b'MZ':
        hot = pe(data, o)
    else:
        sys.exit('win-mutate.py: %s is neither a PDB nor a PE image' % src)
    rnd = random.Random(seed)
    for n in range(flips):
        b = bytearray(data)
        for _ in range(rnd.randint(1, 8)):
            at = rnd.choice(hot)
            b[at] = rnd.choice((0, 0xFF, 0x80, 0x7F, rnd.randrange(256), b[at] ^ (1 << rnd.randrange(8))))
        o.write('flip-%d' % n, b)


if __name__ == '__main__':
    main()
