#!/usr/bin/env python3
# sample-addrs.py [-n COUNT] ELF SYM SEED OUT [ELF SYM SEED OUT]...: writes
# to OUT the code addresses of ELF to look up, one module-relative hex
# number a line (the ELF address less the lowest PT_LOAD address), sorted:
# COUNT (500) drawn uniformly, with a generator seeded by SEED (the
# fixture's name, so every run checks the same ones), from the bytes of
# the sized function symbols (STT_FUNC) in executable sections, or all of
# those bytes when there are fewer; plus every such symbol's start and
# every FUNC start of SYM.  Several fixtures in one run, since starting
# Python takes longer than the sampling.
import random, re, subprocess, sys

def sample(elf, sym, seed, count):
    out = subprocess.run(['readelf', '-W', '-l', '-S', '-s', elf], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    load = min(int(l.split()[2], 16) for l in out if l.split()[:1] == ['LOAD'])
    execs = set()
    for l in out:
        m = re.match(r'\s*\[\s*(\d+)\]\s+\S+\s+\S+\s+[0-9a-f]+\s+[0-9a-f]+\s+[0-9a-f]+\s+\S+\s+(\S*)\s', l)
        if m and 'X' in m.group(2):
            execs.add(m.group(1))
    spans, starts = set(), set()
    for l in out:
        p = l.split()
        if len(p) >= 8 and p[0].endswith(':') and p[3] == 'FUNC' and p[6] in execs and int(p[2], 0):
            a = int(p[1], 16) - load
            spans.add((a, int(p[2], 0)))
            starts.add(a)
    for row in open(sym):
        p = row.split()
        if row.startswith('FUNC '):
            starts.add(int(p[2] if p[1] == 'm' else p[1], 16))
    if not spans:
        sys.exit('sample-addrs.py: %s has no sized function symbols in executable sections' % elf)
    # the bytes of overlapping symbols (aliases) count once
    covered = []
    for a, s in sorted(spans):
        if covered and a <= covered[-1][1]:
            covered[-1][1] = max(covered[-1][1], a + s)
        else:
            covered.append([a, a + s])
    total = sum(e - a for a, e in covered)
    rng = random.Random(seed)
    picks = range(total) if total <= count else rng.sample(range(total), count)
    addrs = set(starts)
    for k in picks:
        for a, e in covered:
            if k < e - a:
                addrs.add(a + k)
                break
            k -= e - a
    return sorted(addrs)

args = sys.argv[1:]
count = 500
if args[:1] == ['-n']:
    count, args = int(args[1]), args[2:]
if not args or len(args) % 4:
    sys.exit('usage: sample-addrs.py [-n COUNT] ELF SYM SEED OUT [ELF SYM SEED OUT]...')
for i in range(0, len(args), 4):
    elf, sym, seed, out = args[i:i + 4]
    with open(out, 'w') as f:
        f.write(''.join('%x\n' % a for a in sample(elf, sym, seed, count)))
