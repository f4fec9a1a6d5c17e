#!/usr/bin/env python3
"""wincompare.py OURS.sym THEIRS.sym [--allow FILE] [--name NAME] [--unsorted-reference]

Compares our .sym with a Breakpad reference .sym record by record and
prints, per record kind, how many are equal, ours-only, theirs-only and
different, with examples.  Exits 0 when every difference is covered by the
allow-list and every allow-list entry for NAME (default: THEIRS' basename)
covers exactly its COUNT differences; 1 otherwise; 2 on bad input.

What is compared, and how:
  MODULE, INFO   the lines, exactly (INFO lines as a list, in order).
  FILE           by path, through the file numbers (numbering differs):
                 the set of paths referenced by line records and INLINE
                 call sites.  Breakpad lists every file of every module
                 (and newer ones `FILE 0 unknown file`), so theirs'
                 unreferenced FILE records are only counted; ours must
                 reference every FILE we write (FILE-unreferenced).
  FUNC           keyed by address (ours must be in address order:
                 ORDER): size, parameter size, name exactly, the `m` flag
                 (run dumpsyms with -m: Breakpad marks them).  A
                 reference name `static <type> NAME` (old DIA) against
                 our NAME is its own kind, FUNC-name-static, so it needs
                 its own allow entry.
  line records   of each FUNC both have, in order: (address, size, line,
                 file path).
  INLINE         of each FUNC both have, in order: (nest, call line, call
                 file path, origin name, ranges).
  PUBLIC         keyed by address: name, parameter size, `m` flag.
  STACK WIN      in order, every field (program with trailing blanks
                 dropped); ours must be in address order.
  STACK CFI      keyed by INIT address: INIT size exactly, and the CFA rule
                 in force after the function's last row (Breakpad's x64
                 rows are crude: `.cfa: $rsp .ra: .cfa 8 - ^` and one row
                 with the post-prolog CFA; ours have a row per prolog
                 step), not the text.  Ours: rows ascending, inside
                 [INIT, INIT + size).
  ORDER          rules only ours must keep: FUNC, PUBLIC (each on its
                 own: interleaving is free), STACK WIN and STACK CFI INIT
                 in address order, line records of a FUNC
                 ascending and not overlapping, one FUNC/PUBLIC/INIT per
                 address.
  --unsorted-reference: the reference's order means nothing (Breakpad's
                 OMAP output is in original-address order): line records
                 are compared sorted (ours must still be sorted: ORDER).

Allow-list lines (tests/dumpsyms/windows-allow.txt), blank and # lines
ignored:
  NAME  KIND  SELECTOR  COUNT  REASON...
NAME is a reference file's basename; KIND a difference kind as printed
(FUNC-theirs-only, LINE-different, PUBLIC-name, ...); SELECTOR one of
  addr=HEX            the record at that address
  addr=HEX-HEX        records at addresses in [lo, hi)
  name=REGEX          records whose name (theirs, or ours when only we have
                      it) matches REGEX entirely
  inside-func         PUBLIC records inside a FUNC of the reference
  fpo-shadowed        type 0 (FPO) STACK WIN records of the reference at an
                      address where ours has a type 4 (FrameData) record
  all                 every difference of KIND
Each difference is taken by the first entry that selects it.  An entry
covering a different number of differences than COUNT is an error, so the
list cannot silently cover more (or less) than it says.
"""
import bisect, difflib, os, re, sys

HEX = re.compile(r'[0-9a-fA-F]+\Z')


class SymError(Exception):
    pass


class Sym:
    def __init__(self, path):
        self.path = path
        self.module = None
        self.info = []
        self.files = {}
        self.origins = {}
        self.funcs = {}          # addr -> dict
        self.func_order = []     # FUNC addresses in file order
        self.public_order = []   # PUBLIC addresses in file order
        self.publics = {}
        self.win = []
        self.cfi = {}            # addr -> dict(size, rows=[(addr, rules)])
        self.cfi_order = []
        self.dups = []           # (kind, addr) seen twice
        self.raw_inlines = []    # (func addr, tokens) resolved later
        self.parse()

    def parse(self):
        cur = None
        cfi = None
        with open(self.path, encoding='utf-8', errors='replace') as f:
            for no, row in enumerate(f, 1):
                row = row.rstrip('\n').rstrip('\r')
                if not row:
                    continue
                try:
                    cur, cfi = self.record(row, cur, cfi)
                except (ValueError, IndexError) as e:
                    raise SymError('%s:%d: cannot parse %r (%s)' % (self.path, no, row[:80], e))

    def record(self, row, cur, cfi):
        t = row.split(' ')
        k = t[0]
        if k == 'MODULE':
            self.module = row
        elif k == 'INFO':
            self.info.append(row)
        elif k == 'FILE':
            self.files[int(t[1])] = row.split(' ', 2)[2]
        elif k == 'INLINE_ORIGIN':
            self.origins[int(t[1])] = row.split(' ', 2)[2]
        elif k in ('FUNC', 'PUBLIC'):
            multi = t[1] == 'm'
            if multi:
                t = t[1:]
            if k == 'FUNC':
                p = row.split(' ', 5 if multi else 4)
                addr, size, params = int(t[1], 16), int(t[2], 16), int(t[3], 16)
                name = p[-1] if len(p) == (6 if multi else 5) else ''
                rec = dict(addr=addr, size=size, params=params, name=name, m=multi,
                           lines=[], inlines=[])
                if addr in self.funcs:
                    self.dups.append(('FUNC', addr))
                else:
                    self.funcs[addr] = rec
                self.func_order.append(addr)
                return rec, None
            p = row.split(' ', 4 if multi else 3)
            addr, params = int(t[1], 16), int(t[2], 16)
            name = p[-1] if len(p) == (5 if multi else 4) else ''
            if addr in self.publics:
                self.dups.append(('PUBLIC', addr))
            else:
                self.publics[addr] = dict(addr=addr, params=params, name=name, m=multi)
            self.public_order.append(addr)
            return None, None
        elif k == 'INLINE':
            if cur is None:
                raise ValueError('INLINE outside a FUNC')
            cur['inlines'].append(t[1:])
        elif k == 'STACK' and t[1] == 'WIN':
            typ = int(t[2], 16)
            nums = tuple(int(x, 16) for x in t[3:11])
            if t[11] not in ('0', '1'):
                raise ValueError('has_program is %r' % t[11])
            has_prog = t[11] == '1'
            rest = row.split(' ', 12)[12] if has_prog else t[12]
            self.win.append((nums[0], typ) + nums[1:] + (has_prog, rest.rstrip()))
            return None, None
        elif k == 'STACK' and t[1] == 'CFI':
            if t[2] == 'INIT':
                addr, size = int(t[3], 16), int(t[4], 16)
                rules = row.split(' ', 5)[5]
                c = dict(addr=addr, size=size, rows=[(addr, rules)])
                if addr in self.cfi:
                    self.dups.append(('CFI', addr))
                else:
                    self.cfi[addr] = c
                self.cfi_order.append(addr)
                return None, c
            if cfi is None:
                raise ValueError('STACK CFI row without INIT')
            cfi['rows'].append((int(t[2], 16), row.split(' ', 3)[3]))
            return None, cfi
        elif len(t) == 4 and HEX.match(t[0]) and HEX.match(t[1]) and t[2].isdigit():
            if cur is None:
                raise ValueError('line record outside a FUNC')
            cur['lines'].append((int(t[0], 16), int(t[1], 16), int(t[2]), int(t[3])))
            return cur, None
        else:
            raise ValueError('unknown record')
        return cur, cfi

    def path_of(self, n):
        return self.files.get(n, '<FILE %d missing>' % n)

    def lines_of(self, f):
        return [(a, s, l, self.path_of(n)) for a, s, l, n in f['lines']]

    def inlines_of(self, f):
        out = []
        for t in f['inlines']:
            nest, line, fn, origin = int(t[0]), int(t[1]), int(t[2]), int(t[3])
            ranges = tuple((int(t[i], 16), int(t[i + 1], 16)) for i in range(4, len(t) - 1, 2))
            out.append((nest, line, self.path_of(fn),
                        self.origins.get(origin, '<origin %d missing>' % origin), ranges))
        return out

    def referenced(self):
        used = set()
        for f in self.funcs.values():
            used.update(n for _, _, _, n in f['lines'])
            used.update(int(t[2]) for t in f['inlines'])
        return used


def cfa_after(rows):
    """The CFA rule in force after the last row, as a token tuple."""
    cfa = None
    for _, rules in rows:
        m = re.search(r'(?:^| )\.cfa: (.*?)(?= \S+:|$)', rules)
        if m:
            cfa = tuple(m.group(1).split())
    return cfa


class Diff:
    def __init__(self):
        self.counts = {}     # kind -> dict(equal, ours-only, theirs-only, different)
        self.diffs = []      # (kind, addr, name, text)

    def kind(self, k):
        return self.counts.setdefault(k, {'equal': 0, 'ours-only': 0, 'theirs-only': 0, 'different': 0})

    def equal(self, k, n=1):
        self.kind(k)['equal'] += n

    def add(self, k, cls, sub, addr, name, text, rec=None):
        self.kind(k)[cls] += 1
        self.diffs.append((sub, addr, name, text, rec))


def fmt(a):
    return '%x' % a if a is not None else '-'


def compare(o, t, unsorted_ref):
    d = Diff()
    # MODULE, INFO
    if o.module == t.module:
        d.equal('MODULE')
    else:
        d.add('MODULE', 'different', 'MODULE-different', None, None,
              'ours %r, theirs %r' % (o.module, t.module))
    if o.info == t.info:
        d.equal('INFO', len(o.info))
    else:
        d.add('INFO', 'different', 'INFO-different', None, None, 'ours %r, theirs %r' % (o.info, t.info))

    # duplicates and order of ours
    for k, a in o.dups:
        d.add('ORDER', 'different', k + '-duplicate', a, None, 'ours has two %s records at %x' % (k, a))
    # FUNC and PUBLIC each in address order: interleaved or all PUBLICs
    # after the FUNCs are both fine (symfile-format.md §2)
    for prev, nxt in zip(o.func_order, o.func_order[1:]):
        if nxt < prev:
            d.add('ORDER', 'different', 'ORDER-func', nxt, None, 'ours: FUNC %x after %x' % (nxt, prev))
    for prev, nxt in zip(o.public_order, o.public_order[1:]):
        if nxt < prev:
            d.add('ORDER', 'different', 'ORDER-public', nxt, None, 'ours: PUBLIC %x after %x' % (nxt, prev))
    for prev, nxt in zip(o.win, o.win[1:]):
        if nxt[0] < prev[0]:
            d.add('ORDER', 'different', 'ORDER-stackwin', nxt[0], None,
                  'ours: STACK WIN %x after %x' % (nxt[0], prev[0]))
    for prev, nxt in zip(o.cfi_order, o.cfi_order[1:]):
        if nxt < prev:
            d.add('ORDER', 'different', 'ORDER-cfi', nxt, None, 'ours: STACK CFI INIT %x after %x' % (nxt, prev))

    # FUNC
    for a in sorted(set(o.funcs) | set(t.funcs)):
        of, tf = o.funcs.get(a), t.funcs.get(a)
        if tf is None:
            d.add('FUNC', 'ours-only', 'FUNC-ours-only', a, of['name'],
                  'FUNC %x %x %x %s' % (a, of['size'], of['params'], of['name']))
            continue
        if of is None:
            d.add('FUNC', 'theirs-only', 'FUNC-theirs-only', a, tf['name'],
                  'FUNC %x %x %x %s' % (a, tf['size'], tf['params'], tf['name']))
            continue
        same = True
        for field, sub in (('size', 'FUNC-size'), ('params', 'FUNC-params'), ('m', 'FUNC-m')):
            if of[field] != tf[field]:
                same = False
                d.add('FUNC', 'different', sub, a, tf['name'],
                      '%x %s: ours %s, theirs %s' % (a, field, of[field], tf[field]))
        if of['name'] != tf['name']:
            same = False
            st = tf['name']
            sub = 'FUNC-name'
            if st.startswith('static ') and st.endswith(of['name']) and \
                    len(st) > len(of['name']) and st[-len(of['name']) - 1] in ' *':
                sub = 'FUNC-name-static'
            d.add('FUNC', 'different', sub, a, tf['name'], '%x: ours %r, theirs %r' % (a, of['name'], tf['name']))
        if same:
            d.equal('FUNC')
        # line records, in order
        ol, tl = o.lines_of(of), t.lines_of(tf)
        for x, y in zip(ol, ol[1:]):
            if y[0] < x[0] + x[1]:
                d.add('ORDER', 'different', 'ORDER-line', y[0], of['name'],
                      'ours: line record %x %x after %x %x (FUNC %x)' % (y[0], y[1], x[0], x[1], a))
        if unsorted_ref:
            ol, tl = sorted(ol), sorted(tl)
        seq(d, 'LINE', ol, tl, lambda x: x[0], tf['name'],
            lambda x: '%x %x %d %s' % x)
        # INLINE, in order
        seq(d, 'INLINE', o.inlines_of(of), t.inlines_of(tf),
            lambda x: x[4][0][0] if x[4] else a, tf['name'], repr)

    # PUBLIC
    tfa = sorted(t.funcs)

    def inside(a):
        i = bisect.bisect_right(tfa, a) - 1
        return i >= 0 and tfa[i] <= a < tfa[i] + t.funcs[tfa[i]]['size']
    for a in sorted(set(o.publics) | set(t.publics)):
        op, tp = o.publics.get(a), t.publics.get(a)
        if tp is None:
            d.add('PUBLIC', 'ours-only', 'PUBLIC-ours-only', a, op['name'],
                  'PUBLIC %x %x %s' % (a, op['params'], op['name']))
            continue
        if op is None:
            sub = 'PUBLIC-theirs-only'
            d.add('PUBLIC', 'theirs-only', sub, a, tp['name'],
                  'PUBLIC %x %x %s%s' % (a, tp['params'], tp['name'], ' (inside a FUNC)' if inside(a) else ''))
            continue
        same = True
        for field in ('name', 'params', 'm'):
            if op[field] != tp[field]:
                same = False
                d.add('PUBLIC', 'different', 'PUBLIC-' + field, a, tp['name'],
                      '%x %s: ours %r, theirs %r' % (a, field, op[field], tp[field]))
        if same:
            d.equal('PUBLIC')

    # FILE: referenced paths
    oref = o.referenced()
    tref = t.referenced()
    for n in sorted(set(o.files) - oref):
        d.add('FILE', 'ours-only', 'FILE-unreferenced', None, o.files[n], 'ours: FILE %d %s is not referenced' % (n, o.files[n]))
    for n in sorted(oref - set(o.files)):
        d.add('FILE', 'ours-only', 'FILE-missing', None, str(n), 'ours: file %d is used but has no FILE record' % n)
    op = {o.files[n] for n in oref if n in o.files}
    tp = {t.files[n] for n in tref if n in t.files}
    d.equal('FILE', len(op & tp))
    for p in sorted(op - tp):
        d.add('FILE', 'ours-only', 'FILE-ours-only', None, p, 'FILE %s' % p)
    for p in sorted(tp - op):
        d.add('FILE', 'theirs-only', 'FILE-theirs-only', None, p, 'FILE %s' % p)
    d.theirs_unreferenced = len(set(t.files) - tref)

    # STACK WIN
    # Breakpad writes the FrameData records, then the FPO ones, each in
    # address order: compare both sides by address (FrameData first at
    # one address); ours must be in address order (ORDER above)
    def wkey(x):
        return (x[0], -x[1]) + x[2:]
    seq(d, 'STACKWIN', sorted(o.win, key=wkey), sorted(t.win, key=wkey), lambda x: x[0], None,
        lambda x: 'STACK WIN %x %x %x %x %x %x %x %x %x %d %s' % ((x[1], x[0]) + x[2:]))

    # STACK CFI
    for a in sorted(set(o.cfi) | set(t.cfi)):
        oc, tc = o.cfi.get(a), t.cfi.get(a)
        if tc is None:
            d.add('CFI', 'ours-only', 'CFI-ours-only', a, None, 'STACK CFI INIT %x %x' % (a, oc['size']))
            continue
        if oc is None:
            d.add('CFI', 'theirs-only', 'CFI-theirs-only', a, None, 'STACK CFI INIT %x %x' % (a, tc['size']))
            continue
        same = True
        if oc['size'] != tc['size']:
            same = False
            d.add('CFI', 'different', 'CFI-size', a, None,
                  'INIT %x size: ours %x, theirs %x' % (a, oc['size'], tc['size']))
        ocfa, tcfa = cfa_after(oc['rows']), cfa_after(tc['rows'])
        if ocfa != tcfa or ocfa is None:
            same = False
            d.add('CFI', 'different', 'CFI-cfa', a, None,
                  'INIT %x CFA after the prolog: ours %s, theirs %s' %
                  (a, ' '.join(ocfa or ('<none>',)), ' '.join(tcfa or ('<none>',))))
        rows = [r for r, _ in oc['rows']]
        if rows != sorted(rows) or any(not a <= r < a + max(oc['size'], 1) for r in rows):
            same = False
            d.add('CFI', 'different', 'CFI-rows', a, None,
                  'INIT %x: our rows %s are not ascending inside the function' % (a, ' '.join(map(fmt, rows))))
        if same:
            d.equal('CFI')
    return d


def seq(d, kind, ours, theirs, addr_of, name, show):
    """Aligns two record lists in order; pairs of a replaced block are
    'different', the rest of a block ours-only / theirs-only."""
    sm = difflib.SequenceMatcher(None, ours, theirs, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == 'equal':
            d.equal(kind, i2 - i1)
            continue
        n = min(i2 - i1, j2 - j1) if op == 'replace' else 0
        for k in range(n):
            x, y = ours[i1 + k], theirs[j1 + k]
            d.add(kind, 'different', kind + '-different', addr_of(y), name,
                  'ours %s | theirs %s' % (show(x), show(y)))
        for x in ours[i1 + n:i2]:
            d.add(kind, 'ours-only', kind + '-ours-only', addr_of(x), name, show(x))
        for y in theirs[j1 + n:j2]:
            d.add(kind, 'theirs-only', kind + '-theirs-only', addr_of(y), name, show(y), y)


def load_allow(path, name):
    entries = []
    with open(path) as f:
        for no, row in enumerate(f, 1):
            row = row.strip()
            if not row or row.startswith('#'):
                continue
            p = row.split(None, 4)
            if len(p) < 5 or not p[3].isdigit():
                raise SymError('%s:%d: want NAME KIND SELECTOR COUNT REASON' % (path, no))
            if p[0] != name:
                continue
            sel = p[2]
            if sel.startswith('addr='):
                r = sel[5:].split('-')
                lo = int(r[0], 16)
                hi = int(r[1], 16) if len(r) == 2 else lo + 1
                match = (lambda lo, hi: lambda df, ins: df[1] is not None and lo <= df[1] < hi)(lo, hi)
            elif sel.startswith('name='):
                rx = re.compile(sel[5:])
                match = (lambda rx: lambda df, ins: df[2] is not None and rx.fullmatch(df[2]) is not None)(rx)
            elif sel == 'inside-func':
                match = lambda df, ins: df[0].startswith('PUBLIC') and df[1] is not None and ins(df[1])
            elif sel == 'fpo-shadowed':
                match = lambda df, ins: df[0] == 'STACKWIN-theirs-only' and df[4] is not None and \
                    df[4][1] == 0 and df[1] in ins.win4
            elif sel == 'all':
                match = lambda df, ins: True
            else:
                raise SymError('%s:%d: unknown selector %r' % (path, no, sel))
            entries.append(dict(line=no, kind=p[1], sel=sel, count=int(p[3]), reason=p[4],
                                match=match, got=0))
    return entries


def main(argv):
    args = [a for a in argv if not a.startswith('--')]
    opts = {}
    i = 0
    rest = []
    while i < len(argv):
        a = argv[i]
        if a in ('--allow', '--name'):
            if i + 1 >= len(argv):
                print(__doc__, file=sys.stderr)
                return 2
            opts[a] = argv[i + 1]
            i += 2
        elif a == '--unsorted-reference':
            opts[a] = True
            i += 1
        elif a.startswith('--'):
            print('wincompare.py: unknown option %s' % a, file=sys.stderr)
            return 2
        else:
            rest.append(a)
            i += 1
    args = rest
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        o, t = Sym(args[0]), Sym(args[1])
        name = opts.get('--name', os.path.basename(args[1]))
        entries = load_allow(opts['--allow'], name) if '--allow' in opts else []
    except (OSError, SymError) as e:
        print('wincompare.py: %s' % e, file=sys.stderr)
        return 2
    d = compare(o, t, '--unsorted-reference' in opts)

    tfa = sorted(t.funcs)

    def inside(a):
        i = bisect.bisect_right(tfa, a) - 1
        return i >= 0 and tfa[i] <= a < tfa[i] + t.funcs[tfa[i]]['size']

    inside.win4 = {w[0] for w in o.win if w[1] == 4}
    uncovered = []
    allowed = {}
    for df in d.diffs:
        for e in entries:
            if e['kind'] == df[0] and e['match'](df, inside):
                e['got'] += 1
                allowed.setdefault(df[0], []).append(df)
                break
        else:
            uncovered.append(df)

    print('%s against %s' % (args[0], args[1]))
    for k in ('MODULE', 'INFO', 'FILE', 'FUNC', 'LINE', 'INLINE', 'PUBLIC', 'STACKWIN', 'CFI', 'ORDER'):
        c = d.counts.get(k)
        if c is None:
            continue
        print('%-8s equal %d, ours-only %d, theirs-only %d, different %d' %
              (k, c['equal'], c['ours-only'], c['theirs-only'], c['different']))
    print('FILE     theirs lists %d unreferenced FILE records (not compared)' % d.theirs_unreferenced)
    bykind = {}
    for df in d.diffs:
        bykind.setdefault(df[0], []).append(df)
    for k in sorted(bykind):
        n_allowed = len(allowed.get(k, []))
        print('  %s: %d (%d allowed)' % (k, len(bykind[k]), n_allowed))
        for df in [x for x in bykind[k] if x in uncovered][:5] or bykind[k][:2]:
            print('    %s' % df[3])
    ok = True
    for e in entries:
        if e['got'] != e['count']:
            ok = False
            print('ALLOW line %d (%s %s) covers %d differences, not %d: %s' %
                  (e['line'], e['kind'], e['sel'], e['got'], e['count'], e['reason']))
    if uncovered:
        ok = False
        print('NOT ALLOWED: %d differences' % len(uncovered))
        for df in uncovered[:20]:
            print('  %s at %s: %s' % (df[0], fmt(df[1]), df[3]))
    print('RESULT: %s' % ('pass' if ok else 'FAIL'))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
