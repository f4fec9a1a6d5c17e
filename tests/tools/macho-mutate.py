#!/usr/bin/env python3
"""Writes hostile variants of a valid Mach-O file, one defect a file.

    macho-mutate.py IN OUTDIR

IN is a thin Mach-O (32- or 64-bit, little-endian: executable, dylib,
dSYM, object) or a fat file (FAT_MAGIC or FAT_MAGIC_64).  Each variant is
OUTDIR/<basename of IN>.<defect> (for X.dSYM/Contents/Resources/DWARF/Y:
OUTDIR/X.dSYM.<defect>); the produced paths are printed one a line.
Defects that need something IN lacks (no __unwind_info with bytes, as in a
dSYM; a regular rather than compressed page; one slice only) are skipped
with a note on stderr.  For a fat file the thin defects are made in its
first slice (offsets then count from that slice), and the fat ones below
are added.  Every structure is found by walking the file, not at fixed
offsets.

Thin defects:
  ncmds-huge               mach_header.ncmds = 0xffffffff
  cmdsize-past-sizeofcmds  the last load command's cmdsize runs 8 bytes
                           past sizeofcmds
  cmdsize-huge             the first load command's cmdsize = 0xfffffff8
  cmdsize-zero             the first load command's cmdsize = 0
  cmdsize-unaligned        the first load command's cmdsize + 2 (not a
                           multiple of 4)
  nsects-huge              __TEXT's nsects = 0xffffffff (an object's
                           one segment if there is no __TEXT)
  nsects-wrap              __TEXT's nsects + 0x10000000 (32-bit files:
                           + 0x40000000), so that nsects * 80 (68) wraps
                           around 2**32 to the true byte count
  section-past-end-S       section S's size reaches 256 bytes past the
                           end, for S in __text, __unwind_info, __eh_frame,
                           __debug_info, __debug_line, __debug_str when
                           present with file bytes
  section-offset-wrap-S    section S's offset = 0xffffff00: offset + size
                           wraps around 2**32
  symoff-past-end          LC_SYMTAB symoff = the slice's size
  symtab-partly-past-end   symoff so that the last nlist runs past the end
  nsyms-absurd             nsyms = 0x7fffffff
  stroff-past-end          stroff = the slice's size + 16
  strsize-past-end         strsize reaches past the end
  strtab-unterminated      the string table's last bytes are not NUL
  nstrx-past-strtab        n_strx of the first N_SECT symbol = strsize + 100
  uuid-cmdsize-small       LC_UUID cmdsize = 16 (its uuid needs 24)
  unwind-index-count-huge  __unwind_info indexCount = 0xffffffff
  unwind-common-count-huge commonEncodingsArrayCount = 0xffffffff
  unwind-page-offset-outside  first index entry's second-level page offset
                           = the section's size + 0x100
  unwind-encoding-index-bad   the first compressed entry's encoding index =
                           common + page encodings count (one past the last)
  unwind-no-sentinel       indexCount - 1: the sentinel is gone
  unwind-entry-count-huge  the first second-level page's entryCount = 0xffff
  trunc-header             cut 16 bytes into the mach_header
  trunc-loadcmds           cut half way through the load commands
  trunc-symtab             cut half way through the nlist array
Fat defects:
  fat-nfat-huge            nfat_arch = 0xffffffff
  fat-nfat-zero            nfat_arch = 0
  fat-slice-past-end       the last slice's size reaches 16 bytes past the end
  fat-slices-overlap       the second slice's offset = the first slice's + 0x100
  fat-slice-bad-magic      the first slice's Mach-O magic = 0xdeadbeef
  trunc-fat-header         cut in the middle of the first fat_arch
"""
import os
import struct
import sys

MH_MAGIC, MH_MAGIC_64 = 0xFEEDFACE, 0xFEEDFACF
FAT_MAGIC, FAT_MAGIC_64 = 0xCAFEBABE, 0xCAFEBABF
LC_SEGMENT, LC_SEGMENT_64, LC_SYMTAB, LC_UUID = 0x1, 0x19, 0x2, 0x1B
N_STAB, N_TYPE, N_SECT = 0xE0, 0x0E, 0x0E
ZEROFILL = (0x1, 0xC, 0x12)
PAST_END_SECTIONS = ('__text', '__unwind_info', '__eh_frame', '__debug_info', '__debug_line',
                     '__debug_str')


class Skip(Exception):
    pass


def name16(raw):
    return raw.split(b'\0', 1)[0].decode('latin-1')


class Thin:
    """The structures of one thin Mach-O at `base` in `data`."""

    def __init__(self, data, base, size):
        self.base, self.size = base, size
        magic, = struct.unpack_from('<I', data, base)
        if magic not in (MH_MAGIC, MH_MAGIC_64):
            raise ValueError(f'not a little-endian Mach-O (magic {magic:#x})')
        self.is64 = magic == MH_MAGIC_64
        self.hdr_size = 32 if self.is64 else 28
        (_, _, _, _, self.ncmds, self.sizeofcmds, _) = struct.unpack_from('<7I', data, base)
        if self.hdr_size + self.sizeofcmds > size:
            raise ValueError('load commands run past the end')
        self.cmds = []          # (cmd, cmdsize, offset in slice)
        self.sections = []      # dicts
        self.segments = []
        self.symtab = self.uuid = None
        off = self.hdr_size
        for _ in range(self.ncmds):
            cmd, cmdsize = struct.unpack_from('<II', data, base + off)
            if cmdsize < 8 or off + cmdsize > self.hdr_size + self.sizeofcmds:
                raise ValueError('bad load command')
            self.cmds.append((cmd, cmdsize, off))
            if cmd in (LC_SEGMENT, LC_SEGMENT_64):
                self._segment(data, off, cmd == LC_SEGMENT_64)
            elif cmd == LC_SYMTAB:
                symoff, nsyms, stroff, strsize = struct.unpack_from('<4I', data, base + off + 8)
                self.symtab = dict(off=off, symoff=symoff, nsyms=nsyms, stroff=stroff,
                                   strsize=strsize)
            elif cmd == LC_UUID:
                self.uuid = off
            off += cmdsize

    def _segment(self, data, off, is64):
        b = self.base + off
        if is64:
            segname = name16(data[b + 8:b + 24])
            nsects, = struct.unpack_from('<I', data, b + 64)
            first, ssize = 72, 80
        else:
            segname = name16(data[b + 8:b + 24])
            nsects, = struct.unpack_from('<I', data, b + 48)
            first, ssize = 56, 68
        self.segments.append(dict(off=off, name=segname, nsects=nsects, nsects_at=off + first - 8,
                                  is64=is64))
        for i in range(nsects):
            s = off + first + i * ssize
            sect, seg = name16(data[self.base + s:self.base + s + 16]), \
                name16(data[self.base + s + 16:self.base + s + 32])
            if is64:
                addr, size, offset, _, _, _, flags = struct.unpack_from('<QQ5I', data,
                                                                        self.base + s + 32)
                size_at, offset_at = s + 40, s + 48
            else:
                addr, size, offset, _, _, _, flags = struct.unpack_from('<7I', data,
                                                                        self.base + s + 32)
                size_at, offset_at = s + 36, s + 40
            self.sections.append(dict(sect=sect, seg=seg, addr=addr, size=size, offset=offset,
                                      flags=flags, is64=is64, size_at=size_at,
                                      offset_at=offset_at))

    def section(self, sect, seg=None):
        for s in self.sections:
            if s['sect'] == sect and (seg is None or s['seg'] == seg):
                return s
        return None

    def has_bytes(self, s):
        return s is not None and s['offset'] != 0 and s['size'] != 0 and \
            (s['flags'] & 0xFF) not in ZEROFILL and s['offset'] + s['size'] <= self.size


class Variant:
    def __init__(self, data, thin):
        self.data = bytearray(data)
        self.thin = thin

    def put(self, fmt, off, *values):
        """Write at an offset inside the thin slice."""
        struct.pack_into('<' + fmt, self.data, self.thin.base + off, *values)

    def get(self, fmt, off):
        return struct.unpack_from('<' + fmt, self.data, self.thin.base + off)


def thin_defects(data, t):
    """(name, function(Variant) -> bytes or None) for the thin defects of t."""
    out = []

    def d(name):
        def reg(fn):
            out.append((name, fn))
            return fn
        return reg

    @d('ncmds-huge')
    def _(v):
        v.put('I', 16, 0xFFFFFFFF)

    @d('cmdsize-past-sizeofcmds')
    def _(v):
        _, cmdsize, off = t.cmds[-1]
        v.put('I', off + 4, t.hdr_size + t.sizeofcmds - off + 8)

    @d('cmdsize-huge')
    def _(v):
        v.put('I', t.cmds[0][2] + 4, 0xFFFFFFF8)

    @d('cmdsize-zero')
    def _(v):
        v.put('I', t.cmds[0][2] + 4, 0)

    @d('cmdsize-unaligned')
    def _(v):
        v.put('I', t.cmds[0][2] + 4, t.cmds[0][1] + 2)

    def text_segment():
        """__TEXT, or in an object the one unnamed segment"""
        for seg in sorted(t.segments, key=lambda seg: seg['name'] != '__TEXT'):
            if seg['nsects']:
                return seg
        raise Skip('no segment with sections')

    @d('nsects-huge')
    def _(v):
        v.put('I', text_segment()['nsects_at'], 0xFFFFFFFF)

    @d('nsects-wrap')
    def _(v):
        seg = text_segment()
        # 80 * 2**28 = 5 * 2**32 and 68 * 2**30 = 17 * 2**32: the byte count
        # of the section headers wraps to the true one
        v.put('I', seg['nsects_at'], seg['nsects'] + (0x10000000 if seg['is64'] else 0x40000000))

    for sname in PAST_END_SECTIONS:
        s = t.section(sname)
        if not t.has_bytes(s):
            continue

        def past_end(v, s=s):
            size = t.size - s['offset'] + 256
            v.put('Q' if s['is64'] else 'I', s['size_at'], size)

        def offset_wrap(v, s=s):
            v.put('I', s['offset_at'], 0xFFFFFF00)
            if s['size'] < 0x100:
                v.put('Q' if s['is64'] else 'I', s['size_at'], 0x200)

        out.append((f'section-past-end-{sname}', past_end))
        out.append((f'section-offset-wrap-{sname}', offset_wrap))

    def symtab():
        if t.symtab is None:
            raise Skip('no LC_SYMTAB')
        return t.symtab

    nl = 16 if t.is64 else 12

    @d('symoff-past-end')
    def _(v):
        v.put('I', symtab()['off'] + 8, t.size)

    @d('symtab-partly-past-end')
    def _(v):
        st = symtab()
        if st['nsyms'] == 0:
            raise Skip('no symbols')
        v.put('I', st['off'] + 8, t.size - st['nsyms'] * nl + nl // 2)

    @d('nsyms-absurd')
    def _(v):
        v.put('I', symtab()['off'] + 12, 0x7FFFFFFF)

    @d('stroff-past-end')
    def _(v):
        v.put('I', symtab()['off'] + 16, t.size + 16)

    @d('strsize-past-end')
    def _(v):
        st = symtab()
        v.put('I', st['off'] + 20, t.size - st['stroff'] + 64)

    @d('strtab-unterminated')
    def _(v):
        st = symtab()
        if st['strsize'] < 8 or st['stroff'] + st['strsize'] > t.size:
            raise Skip('no string table')
        for i in range(st['stroff'] + st['strsize'] - 8, st['stroff'] + st['strsize']):
            v.put('B', i, ord('A'))

    @d('nstrx-past-strtab')
    def _(v):
        st = symtab()
        if st['symoff'] + st['nsyms'] * nl > t.size:
            raise Skip('symbol table past the end')
        for i in range(st['nsyms']):
            at = st['symoff'] + i * nl
            n_type, = v.get('B', at + 4)
            if not n_type & N_STAB and n_type & N_TYPE == N_SECT:
                v.put('I', at, st['strsize'] + 100)
                return
        raise Skip('no N_SECT symbol')

    @d('uuid-cmdsize-small')
    def _(v):
        if t.uuid is None:
            raise Skip('no LC_UUID')
        v.put('I', t.uuid + 4, 16)

    def unwind():
        s = t.section('__unwind_info', '__TEXT')
        if not t.has_bytes(s) or s['size'] < 28:
            raise Skip('no __unwind_info with file bytes')
        hdr = struct.unpack_from('<7I', data, t.base + s['offset'])
        return s, s['offset'], hdr

    @d('unwind-index-count-huge')
    def _(v):
        _, off, _ = unwind()
        v.put('I', off + 24, 0xFFFFFFFF)

    @d('unwind-common-count-huge')
    def _(v):
        _, off, _ = unwind()
        v.put('I', off + 8, 0xFFFFFFFF)

    def first_index(v):
        s, off, hdr = unwind()
        index_off, index_count = hdr[5], hdr[6]
        if index_count < 2 or index_off + 12 * index_count > s['size']:
            raise Skip('no usable first-level index')
        return s, off, hdr, off + index_off

    @d('unwind-page-offset-outside')
    def _(v):
        s, off, hdr, idx = first_index(v)
        v.put('I', idx + 4, s['size'] + 0x100)

    def first_page(v):
        s, off, hdr, idx = first_index(v)
        page, = v.get('I', idx + 4)
        if page == 0 or page + 8 > s['size']:
            raise Skip('no second-level page')
        return s, off, hdr, off + page

    @d('unwind-encoding-index-bad')
    def _(v):
        s, off, hdr, page = first_page(v)
        kind, entry_off, entry_count, enc_off, enc_count = v.get('IHHHH', page)
        if kind != 3:
            raise Skip('the first page is not compressed')
        if entry_count == 0:
            raise Skip('empty page')
        entry, = v.get('I', page + entry_off)
        bad = hdr[2] + enc_count
        if bad > 0xFF:
            raise Skip('too many encodings for an 8-bit index')
        v.put('I', page + entry_off, (bad << 24) | (entry & 0xFFFFFF))

    @d('unwind-no-sentinel')
    def _(v):
        s, off, hdr, idx = first_index(v)
        v.put('I', off + 24, hdr[6] - 1)

    @d('unwind-entry-count-huge')
    def _(v):
        s, off, hdr, page = first_page(v)
        v.put('H', page + 6, 0xFFFF)

    return out


def truncations(t):
    """(name, length of the slice to keep)."""
    out = [('trunc-header', 16), ('trunc-loadcmds', t.hdr_size + t.sizeofcmds // 2)]
    st = t.symtab
    if st and st['nsyms'] and st['symoff'] + st['nsyms'] * (16 if t.is64 else 12) <= t.size:
        out.append(('trunc-symtab', st['symoff'] + st['nsyms'] * (16 if t.is64 else 12) // 2))
    else:
        print('macho-mutate.py: trunc-symtab skipped: no symbol table', file=sys.stderr)
    return out


def read_fat(data):
    magic, n = struct.unpack_from('>II', data, 0)
    is64 = magic == FAT_MAGIC_64
    esize = 32 if is64 else 20
    if not 0 < n <= 64 or 8 + n * esize > len(data):
        raise ValueError(f'bad nfat_arch {n}')
    arches = []
    for i in range(n):
        at = 8 + i * esize
        if is64:
            cpu, sub, off, size, align, _ = struct.unpack_from('>iiQQII', data, at)
            off_at, size_at, off_fmt = at + 8, at + 16, '>Q'
        else:
            cpu, sub, off, size, align = struct.unpack_from('>iiIII', data, at)
            off_at, size_at, off_fmt = at + 8, at + 12, '>I'
        if off + size > len(data):
            raise ValueError(f'slice {i} runs past the end')
        arches.append(dict(off=off, size=size, off_at=off_at, size_at=size_at, fmt=off_fmt))
    return is64, arches


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    src, outdir = argv[1], argv[2]
    data = open(src, 'rb').read()
    os.makedirs(outdir, exist_ok=True)
    # a dSYM's DWARF file has its binary's name: call it NAME.dSYM
    parts = os.path.normpath(os.path.abspath(src)).split(os.sep)
    name = parts[-1]
    if len(parts) >= 5 and parts[-5].endswith('.dSYM') and parts[-4:-1] == ['Contents', 'Resources', 'DWARF']:
        name = parts[-5]
    stem = os.path.join(outdir, name)
    if len(data) < 8:
        sys.exit(f'macho-mutate.py: {src}: too short')
    magic, = struct.unpack_from('>I', data, 0)
    fat = None
    try:
        if magic in (FAT_MAGIC, FAT_MAGIC_64):
            fat = read_fat(data)
            first = fat[1][0]
            thin = Thin(data, first['off'], first['size'])
        else:
            thin = Thin(data, 0, len(data))
    except (ValueError, struct.error) as e:
        sys.exit(f'macho-mutate.py: {src} is not a valid Mach-O: {e}')

    produced = []

    def write(name, content):
        path = f'{stem}.{name}'
        with open(path, 'wb') as f:
            f.write(content)
        produced.append(path)

    for name, fn in thin_defects(data, thin):
        v = Variant(data, thin)
        try:
            fn(v)
        except Skip as e:
            print(f'macho-mutate.py: {name} skipped: {e}', file=sys.stderr)
            continue
        if bytes(v.data) == data:
            print(f'macho-mutate.py: {name} changed nothing', file=sys.stderr)
            continue
        write(name, v.data)
    for name, keep in truncations(thin):
        write(name, data[:thin.base + keep])

    if fat:
        _, arches = fat
        d = bytearray(data)
        struct.pack_into('>I', d, 4, 0xFFFFFFFF)
        write('fat-nfat-huge', d)
        d = bytearray(data)
        struct.pack_into('>I', d, 4, 0)
        write('fat-nfat-zero', d)
        d = bytearray(data)
        last = arches[-1]
        struct.pack_into(last['fmt'], d, last['size_at'], len(data) - last['off'] + 16)
        write('fat-slice-past-end', d)
        if len(arches) > 1:
            d = bytearray(data)
            struct.pack_into(arches[1]['fmt'], d, arches[1]['off_at'], arches[0]['off'] + 0x100)
            write('fat-slices-overlap', d)
        else:
            print('macho-mutate.py: fat-slices-overlap skipped: one slice', file=sys.stderr)
        d = bytearray(data)
        struct.pack_into('>I', d, arches[0]['off'], 0xDEADBEEF)
        write('fat-slice-bad-magic', d)
        write('trunc-fat-header', data[:8 + 10])

    print('\n'.join(produced))


if __name__ == '__main__':
    main(sys.argv)
