#!/usr/bin/env python3
"""pdb-publics.py - the code publics of a PDB with their RVAs, from
llvm-pdbutil, as "<rva hex> <decorated name>" lines.

    pdb-publics.py FILE.pdb > publics.txt

A public is code when its section is executable (what DIA's get_code
answers for labels such as __NLG_Dispatch, whose S_PUB32 flags are none).
Section offsets become RVAs through the section headers; when the PDB has
an "Omap From Source Data" stream the RVA is translated through it, as
Breakpad does (an address OMAP maps to 0 is dropped).
"""
import os
import re
import struct
import subprocess
import sys
import tempfile


def pdbutil(*args):
    return subprocess.run(["llvm-pdbutil"] + list(args), check=True,
                          capture_output=True, text=True).stdout


def sections(pdb):
    """[(virtual address, executable)] in section order (1-based seg)."""
    out = []
    text = pdbutil("dump", "--section-headers", pdb)
    text = text.split("Original Section Headers")[0]
    for block in re.split(r"SECTION HEADER #\d+", text)[1:]:
        va = re.search(r"^\s*([0-9A-F]+) virtual address", block, re.M)
        if not va:
            continue
        out.append((int(va.group(1), 16), "IMAGE_SCN_MEM_EXECUTE" in block))
    return out


def omap_from_src(pdb):
    streams = pdbutil("dump", "--streams", pdb)
    m = re.search(r"Stream\s+(\d+)\s*\(\s*\d+ bytes\): \[Omap From Source Data\]", streams)
    if not m:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "omap")
        pdbutil("export", "--stream=" + m.group(1), "--out=" + path, pdb)
        with open(path, "rb") as f:
            data = f.read()
    n = len(data) // 8
    return [struct.unpack_from("<II", data, 8 * i) for i in range(n)]


def translate(omap, rva):
    lo, hi = 0, len(omap)
    while lo < hi:
        mid = (lo + hi) // 2
        if omap[mid][0] <= rva:
            lo = mid + 1
        else:
            hi = mid
    if lo == 0:
        return None
    src, dst = omap[lo - 1]
    return dst + (rva - src) if dst else None


def main():
    pdb = sys.argv[1]
    secs = sections(pdb)
    omap = omap_from_src(pdb)
    text = pdbutil("dump", "--publics", pdb)
    for m in re.finditer(r"S_PUB32 \[size = \d+\] `(.*)`\n\s*flags = [^\n]*?addr = (\d+):(\d+)", text):
        name, seg, off = m.group(1), int(m.group(2)), int(m.group(3))
        if seg < 1 or seg > len(secs) or not secs[seg - 1][1]:
            continue
        rva = secs[seg - 1][0] + off
        if omap is not None:
            rva = translate(omap, rva)
            if rva is None:
                continue
        print("%x %s" % (rva, name))


main()
