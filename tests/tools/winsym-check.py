#!/usr/bin/env python3
"""winsym-check.py addrs OURS.sym
winsym-check.py check NAME OURS.sym SYMBOLIZER.txt LOAD MIN [--inlines]

addrs: prints the addresses worth looking up (hex, module-relative): each
FUNC start, the first, middle and last byte of each line record and of
each INLINE range.

check: compares OURS.sym with llvm-symbolizer's answers for those
addresses (SYMBOLIZER.txt = `llvm-symbolizer --obj=X.dll --print-address
--inlines` output for LOAD + each address; llvm-symbolizer reads the PDB
beside the image).  At every address:
  - the FUNC covering it is named as llvm-symbolizer's outermost frame
    (our name without its parameter list and trailing qualifiers);
  - the line record covering it gives the innermost frame's file and line;
  - with --inlines: our INLINE records covering it, by nest level, give
    exactly the inner frames: origin name = the frame's function, call
    file and line = the location the next outer frame gives.
Exits 1 on any disagreement or fewer than MIN addresses with a line.
"""
import bisect, re, sys


def strip_params(name):
    """ns::W::f(const ns::W &, int *) const -> ns::W::f"""
    n = name.strip()
    for q in (' const', ' volatile', ' &&', ' &'):
        while n.endswith(q):
            n = n[:-len(q)].rstrip()
    if n.endswith(')') and not n.endswith('operator()'):
        depth = 0
        for i in range(len(n) - 1, -1, -1):
            depth += {')': 1, '(': -1}.get(n[i], 0)
            if depth == 0:
                return n[:i]
    return n


def load(path):
    files, origins, funcs, publics = {}, {}, [], []
    cur = None
    for row in open(path, encoding='utf-8', errors='replace'):
        row = row.rstrip('\n')
        t = row.split(' ')
        if t[0] == 'FILE':
            files[int(t[1])] = row.split(' ', 2)[2]
        elif t[0] == 'INLINE_ORIGIN':
            origins[int(t[1])] = row.split(' ', 2)[2]
        elif t[0] == 'FUNC':
            if t[1] == 'm':
                t = t[1:]
            name = row.split(' ', 5 if row.startswith('FUNC m ') else 4)[-1]
            cur = dict(addr=int(t[1], 16), size=int(t[2], 16), name=name, lines=[], inlines=[],
                       m=row.startswith('FUNC m '))
            funcs.append(cur)
        elif t[0] == 'PUBLIC':
            if t[1] == 'm':
                t = t[1:]
            publics.append((int(t[1], 16), ' '.join(t[3:])))
            cur = None
        elif t[0] in ('STACK', 'MODULE', 'INFO'):
            cur = None
        elif t[0] == 'INLINE':
            r = [(int(t[i], 16), int(t[i + 1], 16)) for i in range(5, len(t) - 1, 2)]
            cur['inlines'].append((int(t[1]), int(t[2]), int(t[3]), int(t[4]), r))
        elif cur is not None and len(t) == 4:
            cur['lines'].append((int(t[0], 16), int(t[1], 16), int(t[2]), int(t[3])))
    funcs.sort(key=lambda f: f['addr'])
    publics.sort()
    return files, origins, funcs, publics


def main(argv):
    if len(argv) == 2 and argv[0] == 'addrs':
        _, _, funcs, _ = load(argv[1])
        out = set()
        for f in funcs:
            out.add(f['addr'])
            for a, s, _, _ in f['lines']:
                if s:
                    out.update((a, a + s // 2, a + s - 1))
            for inl in f['inlines']:
                for a, s in inl[4]:
                    if s:
                        out.update((a, a + s // 2, a + s - 1))
        for a in sorted(out):
            print('%x' % a)
        return 0
    if len(argv) < 6 or argv[0] != 'check':
        print(__doc__, file=sys.stderr)
        return 2
    name, ours, symf, base, minimum = argv[1], argv[2], argv[3], int(argv[4], 16), int(argv[5])
    inlines = '--inlines' in argv[6:]
    files, origins, funcs, publics = load(ours)
    starts = [f['addr'] for f in funcs]
    pstarts = [p[0] for p in publics]

    frames, cur = {}, None
    rows = open(symf).read().splitlines()
    i = 0
    while i < len(rows):
        if not rows[i]:
            i += 1
        elif rows[i].startswith('0x'):
            cur = int(rows[i], 16) - base
            frames[cur] = []
            i += 1
        else:
            m = re.match(r'(.*?):(\d+)(?::\d+)?$', rows[i + 1])
            loc = (m.group(1), int(m.group(2))) if m else (rows[i + 1], 0)
            frames[cur].append((rows[i], loc))
            i += 2

    bad = checked = 0

    def report(msg):
        nonlocal bad
        bad += 1
        if bad <= 30:
            print('%s %s' % (name, msg))

    for addr in sorted(frames):
        fr = frames[addr]
        k = bisect.bisect_right(starts, addr) - 1
        f = funcs[k] if k >= 0 and funcs[k]['addr'] <= addr < funcs[k]['addr'] + funcs[k]['size'] else None
        if not fr or fr[-1][0] == '??':
            if f is not None:
                report('0x%x: ours FUNC %s, llvm-symbolizer knows no function' % (addr, f['name']))
            continue
        if f is None:
            # code known only by a public symbol (llvm-symbolizer names it
            # from the publics): our PUBLIC at or below it, above any FUNC
            j = bisect.bisect_right(pstarts, addr) - 1
            if j >= 0 and (k < 0 or publics[j][0] >= funcs[k]['addr'] + funcs[k]['size']) and \
                    publics[j][1] == strip_params(fr[-1][0]) and fr[0][1][1] == 0:
                continue
            # padding after a function: llvm-symbolizer names the public
            # symbol before it, but knows no line there
            if fr[0][1][1] == 0 and len(fr) == 1:
                continue
            report('0x%x: no FUNC of ours covers it, llvm-symbolizer says %s' % (addr, fr[-1][0]))
            continue
        # llvm-symbolizer names some functions from their demangled public
        # symbol, with parameters; of folded functions (FUNC m) it may
        # name any
        if not f['m'] and strip_params(f['name']) != strip_params(fr[-1][0]):
            report('0x%x: ours FUNC %s, llvm-symbolizer %s' % (addr, f['name'], fr[-1][0]))
        line = [x for x in f['lines'] if x[0] <= addr < x[0] + x[1]]
        want = fr[0][1]
        if want[1] == 0:
            if line:
                report('0x%x: ours line %s:%d, llvm-symbolizer has none' % (addr, files.get(line[0][3]), line[0][2]))
            continue
        checked += 1
        if len(line) != 1:
            report('0x%x: %d line records of ours cover it (want %s:%d)' % (addr, len(line), want[0], want[1]))
        elif (files.get(line[0][3]), line[0][2]) != want:
            report('0x%x: ours %s:%d, llvm-symbolizer %s:%d' % (addr, files.get(line[0][3]), line[0][2], want[0], want[1]))
        if not inlines:
            continue
        chain = sorted((x for x in f['inlines'] if any(a <= addr < a + s for a, s in x[4])), key=lambda x: x[0])
        # frames: innermost first; fr[-1] the FUNC, fr[-2] nest 0, ...
        inner = list(reversed(fr[:-1]))
        if [x[0] for x in chain] != list(range(len(chain))) or len(chain) != len(inner):
            report('0x%x: ours inline chain %s, llvm-symbolizer %s' %
                   (addr, [origins.get(x[3]) for x in chain], [x[0] for x in inner]))
            continue
        for lvl, (x, want_f) in enumerate(zip(chain, inner)):
            caller_loc = fr[len(fr) - 1 - lvl][1]
            if origins.get(x[3]) != want_f[0]:
                report('0x%x: nest %d origin %s, llvm-symbolizer %s' % (addr, lvl, origins.get(x[3]), want_f[0]))
            # the call site is where the caller is at the start of the
            # site's first range (notes §6); llvm-symbolizer gives the
            # caller's line at each address, which moves inside the site
            if addr == x[4][0][0] and (files.get(x[2]), x[1]) != caller_loc:
                report('0x%x: nest %d (%s) called from %s:%d, llvm-symbolizer %s:%d' %
                       (addr, lvl, want_f[0], files.get(x[2]), x[1], caller_loc[0], caller_loc[1]))
    print('%s: %d addresses, %d with a line checked, %d disagree' % (name, len(frames), checked, bad))
    if bad or checked < minimum:
        if checked < minimum:
            print('%s: only %d addresses with a line (want %d)' % (name, checked, minimum))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
