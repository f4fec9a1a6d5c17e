#!/usr/bin/env python3
# gen-dwarf.py [--zlib] OUT UNITS DECLS FUNCS: writes a debug file (an x86-64 ELF
# whose .text is NOBITS, as objcopy --only-keep-debug leaves it) of UNITS
# DWARF 4 compile units shaped like C++ ones, at tens of MB a second:
# each unit declares a class of DECLS member functions in a namespace of
# its own (as a header does; the bulk of the input, never a record), and
# defines FUNCS of them out of line (DW_AT_specification), each with a call
# inlined from an abstract instance (DW_AT_abstract_origin) and two line
# rows.  References are unit-local (DW_FORM_ref4).  The output is UNITS x
# FUNCS FUNC records named ns<unit>::Widget::method<k>, with their lines
# and an INLINE each (dumpsyms -d); the memory a converter needs for the
# declarations is the test (tests/dumpsyms/079-unit-refs.sh) and the
# benchmark (scripts/bench-dumpsyms -G).  --zlib: the DWARF sections are
# compressed (SHF_COMPRESSED, zlib at level 1), as Debian ships them.
# .debug_info is written a unit at a time, so a file of several GB takes
# little memory to make.
import hashlib, struct, sys, zlib

args = sys.argv[1:]
compress = args[0] == '--zlib'
if compress:
    args = args[1:]
out, units, decls, funcs = args[0], int(args[1]), int(args[2]), int(args[3])
assert units >= 1 and 1 <= funcs <= decls and units * funcs * 16 < 1 << 31
TEXT = 0x401000
FSIZE = 16


def uleb(v):
    b = bytearray()
    while True:
        c = v & 0x7f
        v >>= 7
        b.append(c | (0x80 if v else 0))
        if not v:
            return bytes(b)


def sleb(v):
    b = bytearray()
    while True:
        c = v & 0x7f
        v >>= 7
        done = (v == 0 and not c & 0x40) or (v == -1 and c & 0x40)
        b.append(c | (0 if done else 0x80))
        if done:
            return bytes(b)


# DW_TAG, DW_AT and DW_FORM numbers
CU, NS, CLASS, SUB, INL = 0x11, 0x39, 0x02, 0x2e, 0x1d
NAME, LANG, STMT, LOW, HIGH, SIZE, DECL, EXT, INLINE, SPEC, ORIGIN, CFILE, CLINE = (
    0x03, 0x13, 0x10, 0x11, 0x12, 0x0b, 0x3c, 0x3f, 0x20, 0x47, 0x31, 0x58, 0x59)
STRING, DATA1, DATA2, DATA4, SECOFF, ADDR, STRP, FLAGP, REF4 = (
    0x08, 0x0b, 0x05, 0x06, 0x17, 0x01, 0x0e, 0x19, 0x13)
abbrevs = [
    (CU, 1, [(NAME, STRING), (LANG, DATA2), (STMT, SECOFF), (LOW, ADDR), (HIGH, DATA4)]),
    (NS, 1, [(NAME, STRING)]),
    (CLASS, 1, [(NAME, STRP), (SIZE, DATA1)]),
    (SUB, 0, [(NAME, STRP), (DECL, FLAGP), (EXT, FLAGP)]),
    (SUB, 0, [(NAME, STRP), (INLINE, DATA1)]),
    (SUB, 1, [(SPEC, REF4), (LOW, ADDR), (HIGH, DATA4)]),
    (INL, 0, [(ORIGIN, REF4), (LOW, ADDR), (HIGH, DATA4), (CFILE, DATA1), (CLINE, DATA2)]),
]
abbrev = bytearray()
for code, (tag, children, attrs) in enumerate(abbrevs, 1):
    abbrev += uleb(code) + uleb(tag) + bytes([children])
    for a, f in attrs:
        abbrev += uleb(a) + uleb(f)
    abbrev += b'\0\0'
abbrev += b'\0'

strs = bytearray(b'Widget\0helper\0')
method = []
for k in range(decls):
    method.append(len(strs))
    strs += b'method%d\0' % k

# one unit's bytes but its name, statement list and addresses, which are
# patched per unit (they have fixed sizes, so every offset is the same)
HDR = 11
cu_die = bytearray(uleb(1)) + b'u000000.cc\0' + struct.pack('<HIQI', 4, 0, 0, funcs * FSIZE)
ns_die = uleb(2) + b'ns000000\0'
class_die = uleb(3) + struct.pack('<IB', 0, 8)
decl_at = []
body = bytearray()
base = HDR + len(cu_die) + len(ns_die) + len(class_die)
for k in range(decls):
    decl_at.append(base + len(body))
    body += uleb(4) + struct.pack('<I', method[k])
body += b'\0'				# the class's children end
helper_at = base + len(body)
body += uleb(5) + struct.pack('<IB', 7, 3)
body += b'\0'				# the namespace's children end
defs_at = base + len(body)
dies = bytes(cu_die + ns_die + class_die + body)
stride = decls // funcs


def def_die(k, lo):
    return (uleb(6) + struct.pack('<IQI', decl_at[k * stride], lo, FSIZE) +
            uleb(7) + struct.pack('<IQIBH', helper_at, lo + 4, 4, 1, 10 + k) + b'\0')


def line_program(u, lo):
    hdr = (struct.pack('<BBBbBB', 1, 1, 1, -5, 14, 13) + bytes([0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1]) +
           b'\0' + b'u%06d.cc\0\0\0\0' % u + b'\0')
    prog = bytearray(b'\0' + uleb(9) + b'\x02' + struct.pack('<Q', lo))
    line = 1
    for k in range(funcs):
        for off, ln in ((0, 20 + k * 3), (8, 21 + k * 3)):
            if k or off:
                prog += b'\x02' + uleb(8)
            prog += b'\x03' + sleb(ln - line) + b'\x01'
            line = ln
    prog += b'\x02' + uleb(8) + b'\0\x01\x01'
    rest = struct.pack('<HI', 4, len(hdr)) + hdr + prog
    return struct.pack('<I', len(rest)) + rest


# the line programs first (small): the units name their offsets
line = bytearray()
stmt = []
for u in range(units):
    stmt.append(len(line))
    line += line_program(u, TEXT + u * funcs * FSIZE)
assert len(line) < 1 << 32 and len(dies) + HDR == defs_at


def info_chunks():
    """.debug_info, a unit at a time: the file is written as a stream"""
    for u in range(units):
        lo = TEXT + u * funcs * FSIZE
        d = bytearray(dies)
        d[1:11] = b'u%06d.cc' % u
        struct.pack_into('<IQ', d, 14, stmt[u], lo)
        d[len(cu_die) + 1 + 2:len(cu_die) + 1 + 8] = b'%06d' % u
        unit = d + b''.join(def_die(k, lo + k * FSIZE) for k in range(funcs)) + b'\0'
        yield struct.pack('<IHIB', 7 + len(unit), 4, 0, 8) + unit


text_size = units * funcs * FSIZE
build_id = hashlib.sha1(b'gen-dwarf %d %d %d' % (units, decls, funcs)).digest()
note = struct.pack('<III', 4, 20, 3) + b'GNU\0' + build_id
sections = [  # name, type, flags, addr, chunks of data (NOBITS: its size)
    ('.note.gnu.build-id', 7, 2, 0x400200, [note]),
    ('.text', 8, 6, TEXT, text_size),
    ('.debug_abbrev', 1, 0, 0, [bytes(abbrev)]),
    ('.debug_info', 1, 0, 0, info_chunks()),
    ('.debug_line', 1, 0, 0, [bytes(line)]),
    ('.debug_str', 1, 0x30, 0, [bytes(strs)]),
]
PH = 2
shstr = bytearray(b'\0')
layout = []
with open(out, 'wb') as f:
    f.seek(64 + 56 * PH)
    for name, typ, flags, addr, data in sections:
        nameoff = len(shstr)
        shstr += name.encode() + b'\0'
        if typ == 8:
            layout.append((nameoff, typ, flags, addr, f.tell(), data))
            continue
        if compress and name.startswith('.debug'):
            # Elf64_Chdr (8-aligned): ELFCOMPRESS_ZLIB, the size and
            # alignment uncompressed (patched at the end), the stream
            flags |= 0x800
            f.write(b'\0' * (-f.tell() & 7))
            start = f.tell()
            f.write(bytes(24))
            z, n = zlib.compressobj(1), 0
            for c in data:
                n += len(c)
                f.write(z.compress(c))
            f.write(z.flush())
            end = f.tell()
            f.seek(start)
            f.write(struct.pack('<IIQQ', 1, 0, n, 1))
            f.seek(end)
        else:
            start = f.tell()
            for c in data:
                f.write(c)
        layout.append((nameoff, typ, flags, addr, start, f.tell() - start))
    nameoff = len(shstr)
    shstr += b'.shstrtab\0'
    layout.append((nameoff, 3, 0, 0, f.tell(), len(shstr)))
    f.write(shstr)
    f.write(b'\0' * (-f.tell() & 7))
    shoff = f.tell()
    f.write(b'\0' * 64)
    for nameoff, typ, flags, addr, o, size in layout:
        f.write(struct.pack('<IIQQQQIIQQ', nameoff, typ, flags, addr, o, size, 0, 0,
                            8 if flags & 0x800 else 4 if typ == 7 else 1, 1 if flags & 0x10 else 0))
    f.seek(0)
    f.write(b'\x7fELF\x02\x01\x01' + b'\0' * 9 +
            struct.pack('<HHIQQQIHHHHHH', 2, 62, 1, TEXT, 64, shoff, 0, 64, 56, PH, 64,
                        len(layout) + 1, len(layout)))
    f.write(struct.pack('<IIQQQQQQ', 1, 5, 0, TEXT, TEXT, 0, text_size, 0x1000))
    f.write(struct.pack('<IIQQQQQQ', 4, 4, layout[0][4], 0x400200, 0x400200, len(note), len(note), 4))
