#!/usr/bin/env python3
"""tests/fuzz/seed-elf.py MODE OUTDIR ELF...: seeds for fuzz_dwarf (MODE
dwarf) or fuzz_cfi (MODE cfi) from ELF files, in the input forms those
targets describe.  Reads the section headers itself (zlib-compressed
sections are expanded) so that one process does every file."""
import struct
import sys
import zlib

DWARF = [".debug_info", ".debug_abbrev", ".debug_str", ".debug_line", ".debug_line_str",
         ".debug_ranges", ".debug_rnglists", ".debug_addr", ".debug_str_offsets"]
# e_machine -> fuzz_cfi machine bits (x86_64, x86, arm64, arm)
MACHINES = {62: 0, 3: 4, 183: 8, 40: 12}


def sections(data):
    """name -> bytes of an ELF file's sections; {} when it is not one."""
    if data[:4] != b"\x7fELF":
        return {}, 0, 0
    is64, le = data[4] == 2, data[5] == 1
    e = "<" if le else ">"
    if is64:
        shoff, = struct.unpack_from(e + "Q", data, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from(e + "HHH", data, 0x3a)
    else:
        shoff, = struct.unpack_from(e + "I", data, 0x20)
        shentsize, shnum, shstrndx = struct.unpack_from(e + "HHH", data, 0x2e)
    machine, = struct.unpack_from(e + "H", data, 18)
    hdrs = []
    for i in range(shnum):
        o = shoff + i * shentsize
        if is64:
            name, typ, flags, _, off, size = struct.unpack_from(e + "IIQQQQ", data, o)
        else:
            name, typ, flags, _, off, size = struct.unpack_from(e + "IIIIII", data, o)
        hdrs.append((name, typ, flags, off, size))
    strtab = hdrs[shstrndx]
    out = {}
    for name, typ, flags, off, size in hdrs:
        if typ == 8:  # SHT_NOBITS
            continue
        s = strtab[3] + name
        n = data[s:data.index(b"\0", s)].decode("latin-1")
        b = data[off:off + size]
        if flags & 0x800:  # SHF_COMPRESSED
            hlen = 24 if is64 else 12
            ctype, = struct.unpack_from(e + "I", b, 0)
            if ctype != 1:
                continue
            b = zlib.decompress(b[hlen:])
        out[n] = b
    return out, machine, 0 if is64 else 16


def main():
    mode, outdir = sys.argv[1], sys.argv[2]
    for i, path in enumerate(sys.argv[3:]):
        try:
            secs, machine, addr4 = sections(open(path, "rb").read())
        except (OSError, struct.error, ValueError, IndexError, zlib.error):
            continue
        if mode == "dwarf" and secs.get(".debug_info"):
            b = bytearray([1])
            for n in DWARF:
                s = secs.get(n, b"")
                b += struct.pack("<I", len(s)) + s
            open("%s/dwarf-%d" % (outdir, i), "wb").write(b)
        elif mode == "cfi" and machine in MACHINES:
            for n, eh in ((".eh_frame", 1), (".debug_frame", 0)):
                if secs.get(n):
                    flags = MACHINES[machine] | addr4 | eh
                    open("%s/cfi-%d%s" % (outdir, i, n), "wb").write(bytes([flags]) + secs[n])


main()
