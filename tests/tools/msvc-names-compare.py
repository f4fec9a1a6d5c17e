#!/usr/bin/env python3
"""msvc-names-compare.py - compares msvc_public_name() with the names in a
Breakpad Windows .sym file.

    msvc-names-compare.py REF.sym PUBLICS NAMES

PUBLICS is pdb-publics.py's output ("<rva> <decorated>"), NAMES what
"msvc-names --names" printed for its decorated names, line by line
("<param size hex> <name>").  Where several publics share an address the
lexicographically smallest decorated name stands for it, as in Breakpad.

A FUNC name is DIA's name of the procedure, which for a folded address
(`scalar deleting destructor' and `vector deleting destructor', _chkstk
and _alloca_probe) can be another public than the smallest; such a FUNC
counts as "other" when another public at its address gives its name.

Prints one line per record that differs and a summary:
    PUBLIC <equal>/<total>  FUNC <equal>(+<other>)/<total with a public>
Exits 1 when a PUBLIC record differs (name or parameter size) or a FUNC
with a public differs from every public at its address.
"""
import sys


def main():
    ref, pubs, names = sys.argv[1:4]
    by_rva = {}
    all_rva = {}
    with open(pubs) as p, open(names) as n:
        for pl, nl in zip(p, n):
            rva, dec = pl.rstrip("\n").split(" ", 1)
            ps, name = nl.rstrip("\n").split(" ", 1)
            rva = int(rva, 16)
            all_rva.setdefault(rva, []).append((int(ps, 16), name))
            if rva not in by_rva or dec < by_rva[rva][0]:
                by_rva[rva] = (dec, int(ps, 16), name)
    pub_eq = pub_n = func_eq = func_other = func_n = 0
    with open(ref) as f:
        for line in f:
            w = line.rstrip("\n").split(" ")
            if w[0] not in ("PUBLIC", "FUNC"):
                continue
            if w[1] == "m":
                del w[1]
            if w[0] == "PUBLIC":
                rva, ps, name = int(w[1], 16), int(w[2], 16), " ".join(w[3:])
            else:
                rva, ps, name = int(w[1], 16), int(w[3], 16), " ".join(w[4:])
            got = by_rva.get(rva)
            if w[0] == "PUBLIC":
                pub_n += 1
            elif got is None:
                continue
            else:
                func_n += 1
            if got is not None and got[1] == ps and got[2] == name:
                if w[0] == "PUBLIC":
                    pub_eq += 1
                else:
                    func_eq += 1
                continue
            if w[0] == "FUNC" and (ps, name) in all_rva[rva]:
                func_other += 1
                print("FUNC %x: '%s' is another public's at this address than the smallest '%s'" %
                      (rva, name, got[0]))
                continue
            print("%s %x: want %x '%s', got %s" % (
                w[0], rva, ps, name,
                "no public" if got is None else "%x '%s' from '%s'" % (got[1], got[2], got[0])))
    print("PUBLIC %d/%d  FUNC %d(+%d)/%d" % (pub_eq, pub_n, func_eq, func_other, func_n))
    return 0 if pub_eq == pub_n and func_eq + func_other == func_n else 1


sys.exit(main())
