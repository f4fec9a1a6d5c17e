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

Where llvm-symbolizer (LLVM 14) is known to be wrong, and only where the
record that makes it wrong is seen, its answer is corrected (each kind is
counted and printed):
  --pdb-dump DUMP --sections SECTIONS  (`llvm-pdbutil dump --symbols --il
      X.pdb`, `llvm-readobj --sections X.dll`): LLVM 14 reads the line of
      an inline site at an offset inside one of its ranges as the line of
      the range after it when a ChangeLineOffset precedes that range's
      ChangeCodeOffset (NativeInlineSiteSymbol::getLineOffset stops at the
      first code offset >= the address, after applying the line change
      that belongs to the next range).  The site's annotation bytes are
      decoded here (pdb-pe-notes section 6: opcodes 3, 11 and 12 start a
      range at the new offset with the current line); where
      llvm-symbolizer's line of an inline frame is LLVM 14's reading and
      differs from the decoded one, the decoded one is expected.
  --pdb-lines LINES  (`llvm-pdbutil dump --l X.pdb`): two line entries at
      one address, the first covering nothing: llvm-symbolizer answers the
      first, a .sym has only the second (0-length entries are dropped).
  FUNC m: llvm-symbolizer may name any of the folded functions, and give
      its line records; where it names another than ours, the line is
      not compared.
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


def uncompress(b, i):
    """One compressed annotation integer of the bytes b at i: (value, next)."""
    if b[i] & 0x80 == 0:
        return b[i], i + 1
    if b[i] & 0xC0 == 0x80:
        return ((b[i] & 0x3F) << 8) | b[i + 1], i + 2
    if b[i] & 0xE0 == 0xC0:
        return ((b[i] & 0x1F) << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3], i + 4
    raise ValueError('bad compressed annotation byte %02x' % b[i])


def signed(v):
    return -(v >> 1) if v & 1 else v >> 1


def decode_site(ops, base):
    """The ranges [(lo, hi, line)] (offsets in the procedure) of an inline
    site's annotations, and LLVM 14's reading: a function offset -> line."""
    rng, off, line = [], 0, base
    parsed = []
    i = 0
    while i < len(ops):
        op, i = uncompress(ops, i)
        if op == 0:
            break
        a, i = uncompress(ops, i)
        b = None
        if op == 12:
            b, i = uncompress(ops, i)
        parsed.append((op, a, b))

    def close(at):
        if rng and rng[-1][1] is None:
            rng[-1][1] = at
    for op, a, b in parsed:
        if op == 1:
            off = a
        elif op == 3:
            off += a
            close(off)
            rng.append([off, None, line])
        elif op == 4:
            if rng and rng[-1][1] is None:
                rng[-1][1] = off + a
            off += a
        elif op == 6:
            line += signed(a)
        elif op == 11:
            off += a & 0xF
            line += signed(a >> 4)
            close(off)
            rng.append([off, None, line])
        elif op == 12:
            off += b
            close(off)
            rng.append([off, off + a, line])

    def llvm14(at):
        code, lo = 0, 0
        for op, a, b in parsed:
            if op in (1, 3, 4):
                code += a
            elif op == 12:
                code += b
            elif op == 6:
                lo += signed(a)
            elif op == 11:
                code += a & 0xF
                lo += signed(a >> 4)
            if code >= at:
                break
        return base + lo
    return [tuple(r) for r in rng if r[1] is not None], llvm14


def load_sites(dump, sections):
    """Inline sites of the PDB: [(depth, name, [(lo, hi, line)] as RVAs,
    llvm14(rva) -> line)]."""
    va = [int(v, 16) for v in re.findall(r'VirtualAddress: (0x[0-9A-Fa-f]+)', open(sections).read())]
    rows = open(dump).read().splitlines()
    il, mod, sites = {}, None, []
    part = None
    recs = {}       # offset -> (kind, depth, proc rva)
    i = 0
    while i < len(rows):
        r = rows[i]
        if 'Inlinee Lines' in r:
            part = 'il'
        elif r.strip() == 'Symbols':
            part = 'sym'
        m = re.match(r'\s*Mod (\d+) \|', r)
        if m:
            mod = int(m.group(1))
            recs = {}
        elif part == 'il':
            m = re.match(r'\s*0x([0-9A-Fa-f]+) \|\s*(\d+) \|', r)
            if m:
                il[(mod, int(m.group(1), 16))] = int(m.group(2))
        elif part == 'sym':
            m = re.match(r'\s*(\d+) \| (S_[A-Z0-9_]+) ', r)
            if m and i + 1 < len(rows):
                at, kind = int(m.group(1)), m.group(2)
                nxt = rows[i + 1]
                if kind in ('S_GPROC32', 'S_LPROC32', 'S_GPROC32_ID', 'S_LPROC32_ID'):
                    a = re.search(r'addr = ([0-9A-F]{4}):(\d+)', nxt)
                    sec = int(a.group(1), 16)
                    if 1 <= sec <= len(va):
                        recs[at] = (0, va[sec - 1] + int(a.group(2)))
                elif kind in ('S_INLINESITE', 'S_INLINESITE2'):
                    a = re.search(r'inlinee = 0x([0-9A-Fa-f]+) \((.*)\), parent = (\d+)', nxt)
                    parent = recs.get(int(a.group(3)))
                    ops = []
                    k = i + 2
                    while k < len(rows) and re.match(r'\s+[0-9A-F]+(\s{2,}|$)', rows[k]) and \
                            not re.match(r'\s*\d+ \|', rows[k]):
                        ops += list(bytes.fromhex(rows[k].split()[0]))
                        k += 1
                    base = il.get((mod, int(a.group(1), 16)))
                    if parent is not None and base is not None:
                        depth, proc = parent[0], parent[1]
                        recs[at] = (depth + 1, proc)
                        rng, llvm14 = decode_site(bytes(ops), base)
                        sites.append((depth, a.group(2), [(proc + lo, proc + hi, ln) for lo, hi, ln in rng],
                                      (lambda f, p: lambda rva: f(rva - p))(llvm14, proc)))
        i += 1
    return sites


def load_zero_lines(path):
    """Addresses where `llvm-pdbutil dump --l` lists several line entries:
    {rva offset in its section... } as (section-relative) -> [lines]."""
    out = {}
    sec = None
    for r in open(path):
        m = re.match(r'\s*([0-9A-F]{4}):([0-9A-F]{8})-([0-9A-F]{8}), line/addr entries', r)
        if m:
            sec = int(m.group(1), 16)
            continue
        for ln, a in re.findall(r'(\d+) ([0-9A-F]{8}) ', r + ' '):
            out.setdefault((sec, int(a, 16)), []).append(int(ln))
    return out


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
    opts = {}
    rest = argv[6:]
    for k, o in enumerate(rest):
        if o in ('--pdb-dump', '--sections', '--pdb-lines') and k + 1 < len(rest):
            opts[o] = rest[k + 1]
    sites, zlines, va = [], {}, []
    if '--sections' in opts:
        va = [int(v, 16) for v in re.findall(r'VirtualAddress: (0x[0-9A-Fa-f]+)', open(opts['--sections']).read())]
    if '--pdb-dump' in opts:
        sites = load_sites(opts['--pdb-dump'], opts['--sections'])
    if '--pdb-lines' in opts:
        for (sec, off), lns in load_zero_lines(opts['--pdb-lines']).items():
            if 1 <= sec <= len(va):
                zlines[va[sec - 1] + off] = lns
    zstarts = sorted(zlines)
    fixed = {'llvm14-inline-line': 0, 'first-of-two-entries': 0, 'folded-other-name': 0}

    def corrected(fr, i, addr):
        """Frame i's location, LLVM 14's inline-line misreading undone."""
        loc = fr[i][1]
        if i >= len(fr) - 1:
            return loc
        depth = len(fr) - 2 - i
        for d, nm, rng, llvm14 in sites:
            if d != depth or not (nm == fr[i][0] or fr[i][0].endswith('::' + nm)):
                continue
            for lo, hi, ln in rng:
                if lo <= addr < hi and loc[1] == llvm14(addr) != ln:
                    fixed['llvm14-inline-line'] += 1
                    return (loc[0], ln)
        return loc
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
        if f['m'] and strip_params(f['name']) != strip_params(fr[-1][0]):
            fixed['folded-other-name'] += 1
            continue
        line = [x for x in f['lines'] if x[0] <= addr < x[0] + x[1]]
        want = corrected(fr, 0, addr)
        if len(fr) == 1 and len(line) == 1 and zstarts:
            z = bisect.bisect_right(zstarts, addr) - 1
            lns = zlines[zstarts[z]] if z >= 0 else []
            if len(lns) > 1 and want[1] == lns[0] and line[0][2] == lns[-1] and line[0][0] == zstarts[z] and \
                    files.get(line[0][3]) == want[0]:
                fixed['first-of-two-entries'] += 1
                want = (want[0], lns[-1])
        if want[1] == 0:
            # a DWARF line-0 record (no source line: compiler-made code)
            # says what llvm-symbolizer's silence says
            if line and line[0][2] != 0:
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
            caller_loc = corrected(fr, len(fr) - 1 - lvl, addr)
            if origins.get(x[3]) != want_f[0]:
                report('0x%x: nest %d origin %s, llvm-symbolizer %s' % (addr, lvl, origins.get(x[3]), want_f[0]))
            # the call site is where the caller is at the start of the
            # site's first range (notes §6); llvm-symbolizer gives the
            # caller's line at each address, which moves inside the site
            if addr == x[4][0][0] and (files.get(x[2]), x[1]) != caller_loc:
                report('0x%x: nest %d (%s) called from %s:%d, llvm-symbolizer %s:%d' %
                       (addr, lvl, want_f[0], files.get(x[2]), x[1], caller_loc[0], caller_loc[1]))
    print('%s: %d addresses, %d with a line checked, %d disagree' % (name, len(frames), checked, bad))
    print('%s: llvm-symbolizer corrected: %s' % (name, ', '.join('%s %d' % kv for kv in sorted(fixed.items()))))
    if bad or checked < minimum:
        if checked < minimum:
            print('%s: only %d addresses with a line (want %d)' % (name, checked, minimum))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
