#!/usr/bin/env python3
# sym-addrs.py FILE.sym: addresses worth looking up in a .sym file, one hex
# number a line: every FUNC start and the first, middle and last byte of
# every line record.
import re, sys
out = set()
for row in open(sys.argv[1]):
    p = row.split()
    if row.startswith('FUNC '):
        out.add(int(p[2] if p[1] == 'm' else p[1], 16))
    elif len(p) == 4 and all(re.fullmatch('[0-9a-f]+', x) for x in p[:2]) and p[2].isdigit():
        a, s = int(p[0], 16), int(p[1], 16)
        out.update((a, a + s // 2, a + s - 1))
for a in sorted(out):
    print('%x' % a)
