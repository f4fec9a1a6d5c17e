#!/usr/bin/env python3
"""win-llvm-sym.py [-m] [-d] [--output F | --store DIR] X.dll [X.pdb]

A stand-in for `dumpsyms` on the Windows fixtures only
(tests/fixtures/windows), built from the llvm tools' output: it writes the
.sym that tests/dumpsyms/101-windows-fixtures.sh accepts, and was used to
check that test itself (DUMPSYMS=tests/tools/win-llvm-sym.py passes it; the
same output with planted bugs fails it).  No test runs it.  It shows what
the test expects, record by record:
  MODULE/INFO from the RSDS entry and the PDB summary (a PDB of another
  build: exit 1, both ids named); FUNC per S_GPROC32/S_LPROC32 (folded
  procedures: the smallest name, `m` with -m; x86 parameter size from the
  decorated public at the address); PUBLIC for publics without a FUNC,
  undecorated (_f, _f@N, @f@N); line records and (-d) INLINE records from
  llvm-symbolizer at every byte (call site = the caller's location at the
  start of the site's first range); STACK WIN 4 from llvm-pdbutil --fpo;
  STACK CFI INIT + one row with the post-prolog CFA from
  win-unwind-oracle.py.  Slow (one llvm-symbolizer query per byte).
"""
import re, subprocess, sys, os, tempfile
def run(*a): return subprocess.run(a, capture_output=True, text=True, check=True).stdout
args = sys.argv[1:]
out = None; store = None; inl = False; files = []; mflag = False
i = 0
while i < len(args):
    if args[i] == '--output': out = args[i+1]; i += 2
    elif args[i] == '--store': store = args[i+1]; i += 2
    elif args[i] == '-d': inl = True; i += 1
    elif args[i] == '-m': mflag = True; i += 1
    else: files.append(args[i]); i += 1
dll = next((f for f in files if f.endswith('.dll')), None)
pdb = next((f for f in files if f.endswith('.pdb')), None)
if pdb is None: pdb = dll[:-4] + '.pdb'
if dll is None: dll = pdb[:-4] + '.dll'
hdr = run('llvm-readobj', '--file-headers', '--coff-debug-directory', '--sections', dll)
b = [int(x, 16) for x in re.search(r'PDBGUID: \(([0-9A-F ]+)\)', hdr).group(1).split()]
guid = '%08X%04X%04X' % (int.from_bytes(bytes(b[0:4]), 'little'), int.from_bytes(bytes(b[4:6]), 'little'), int.from_bytes(bytes(b[6:8]), 'little')) + ''.join('%02X' % x for x in b[8:])
age = int(re.search(r'PDBAge: (\d+)', hdr).group(1))
did = '%s%X' % (guid, age)
summ = run('llvm-pdbutil', 'dump', '--summary', pdb)
pid = re.search(r'GUID: \{([0-9A-F-]+)\}', summ).group(1).replace('-', '') + '%X' % int(re.search(r'Age: (\d+)', summ).group(1))
if pid != did:
    sys.stderr.write("dumpsyms: '%s' (%s) does not match '%s' (%s)\n" % (pdb, pid, dll, did)); sys.exit(1)
ts = int(re.search(r'TimeDateStamp: .*\((0x[0-9A-Fa-f]+)\)', hdr).group(1), 16)
size = int(re.search(r'SizeOfImage: (\d+)', hdr).group(1))
base = int(re.search(r'ImageBase: (0x[0-9A-Fa-f]+)', hdr).group(1), 16)
mach = re.search(r'Machine: IMAGE_FILE_MACHINE_(\w+)', hdr).group(1)
arch = {'I386': 'x86', 'AMD64': 'x86_64', 'ARM64': 'arm64'}[mach]
x86 = arch == 'x86'
va = [int(v, 16) for v in re.findall(r'VirtualAddress: (0x[0-9A-Fa-f]+)', hdr)]
pn = os.path.basename(pdb); dn = os.path.basename(dll)
lines = ['MODULE windows %s %s %s' % (arch, did, os.path.basename(re.search(r'PDBFileName: (.*)', hdr).group(1).strip()))]
lines.append('INFO CODE_ID %08X%X %s' % (ts, size, dn))
sy = run('llvm-pdbutil', 'dump', '--symbols', pdb)
procs = {}
for m in re.finditer(r'S_[GL]PROC32 \[size = \d+\] `([^`]*)`\s*\n\s*parent = \d+, end = \d+, addr = ([0-9A-F]{4}):(\d+), code size = (\d+)', sy):
    a = va[int(m.group(2), 16) - 1] + int(m.group(3))
    procs.setdefault(a, []).append((m.group(1), int(m.group(4))))
pub = run('llvm-pdbutil', 'dump', '--publics', pdb)
pubs = {}
for m in re.finditer(r'S_PUB32 \[size = \d+\] `([^`]*)`\s*\n\s*flags = [^,]*, addr = ([0-9A-F]{4}):(\d+)', pub):
    if int(m.group(2), 16) != 1: continue
    pubs.setdefault(va[int(m.group(2), 16) - 1] + int(m.group(3)), []).append(m.group(1))
def undec(n):
    if n.startswith('?'): return n, 0
    m = re.match(r'^_(\w+)@(\d+)$', n)
    if m and x86: return m.group(1), int(m.group(2))
    m = re.match(r'^@(\w+)@(\d+)$', n)
    if m and x86: return m.group(1), max(int(m.group(2)) - 8, 0)
    if x86 and n.startswith('_'): return n[1:], 0
    return n, 0
recs = []
for a in sorted(set(procs) | set(pubs)):
    if a in procs:
        names = sorted(n for n, _ in procs[a]); sz = procs[a][0][1]
        ps = max([undec(p)[1] for p in pubs.get(a, [])] + [0])
        recs.append((a, 'F', names, sz, ps))
    else:
        ds = sorted(pubs[a]); n, ps = undec(ds[0])
        recs.append((a, 'P', [n], 0, ps))
# lines/inlines via llvm-symbolizer per byte
addrs = [a + k for a, t, _, sz, _ in recs if t == 'F' for k in range(sz)]
so = run('llvm-symbolizer', '--obj=' + dll, '--print-address', '--inlines', *['0x%x' % (base + a) for a in addrs])
fr = {}; cur = None; rows = so.splitlines(); i = 0
while i < len(rows):
    if not rows[i]: i += 1
    elif rows[i].startswith('0x'): cur = int(rows[i], 16) - base; fr[cur] = []; i += 1
    else:
        mm = re.match(r'(.*?):(\d+)(?::\d+)?$', rows[i + 1]); fr[cur].append((rows[i], (mm.group(1), int(mm.group(2))))); i += 2
files = {}; origins = {}
fid = lambda p: files.setdefault(p, len(files))
oid = lambda n: origins.setdefault(n, len(origins))
body = []
for a, t, names, sz, ps in recs:
    if t == 'P':
        body.append('PUBLIC %x %x %s' % (a, ps, names[0])); continue
    body.append('FUNC %s%x %x %x %s' % ('m ' if len(names) > 1 and mflag else '', a, sz, ps, names[0]))
    if inl:
        sites = {}
        for x in range(a, a + sz):
            f = fr[x]; inner = list(reversed(f[:-1]))
            for lvl, fx in enumerate(inner):
                key = (lvl, fx[0], tuple(y[0] for y in inner[:lvl]))
                sites.setdefault(key, []).append(x)
        recs2 = []
        for (lvl, o, _), ads in sites.items():
            rs = []; st = pv = ads[0]
            for y in ads[1:]:
                if y != pv + 1: rs.append((st, pv + 1 - st)); st = y
                pv = y
            rs.append((st, pv + 1 - st))
            f = fr[rs[0][0]]; call = f[len(f) - 1 - lvl][1]
            recs2.append((rs[0][0], lvl, 'INLINE %d %d %d %d %s' % (lvl, call[1], fid(call[0]), oid(o), ' '.join('%x %x' % r for r in rs))))
        body += [r[2] for r in sorted(recs2, key=lambda r: (r[1], r[0]))]
    st = a; c = fr[a][0][1]
    for x in range(a + 1, a + sz + 1):
        loc = fr[x][0][1] if x < a + sz else None
        if loc != c:
            if c[1]: body.append('%x %x %d %d' % (st, x - st, c[1], fid(c[0])))
            st = x; c = loc
for p, n in files.items(): lines.append('FILE %d %s' % (n, p))
if inl:
    for o, n in origins.items(): lines.append('INLINE_ORIGIN %d %s' % (n, o))
lines += body
if x86:
    fpo = run('llvm-pdbutil', 'dump', '--fpo', pdb); prev = None
    for l in fpo.splitlines():
        t = [y.strip() for y in l.split('|')]
        if len(t) != 11 or not re.fullmatch('[0-9A-F]+', t[0]): continue
        rva, code, loc, par, stk, pro, regs = int(t[0], 16), *(int(y) for y in t[1:7])
        if (rva, code, pro) == prev: continue
        prev = (rva, code, pro)
        lines.append('STACK WIN 4 %x %x %x 0 %x %x %x %x 1 %s' % (rva, code, pro, par, regs, loc, stk, t[10]))
else:
    with tempfile.NamedTemporaryFile('w', suffix='.txt') as unw:
        unw.write(run('llvm-readobj', '--file-headers', '--unwind', dll))
        unw.flush()
        oracle = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'win-unwind-oracle.py')
        cfi_rows = run(sys.executable, oracle, unw.name).splitlines()
    for l in cfi_rows:
        a, s, c = l.split(' ', 2)
        ra = '.ra: .cfa -8 + ^' if arch == 'x86_64' else '.ra: x30'
        lines.append('STACK CFI INIT %s %s .cfa: %s %s' % (a, s, '$rsp 8 +' if arch == 'x86_64' else 'sp 0 +', ra))
        lines.append('STACK CFI %s .cfa: %s' % (a, c))
text = '\n'.join(lines) + '\n'
if store:
    d = os.path.join(store, pn, did); os.makedirs(d, exist_ok=True)
    open(os.path.join(d, pn[:-4] + '.sym'), 'w').write(text)
elif out: open(out, 'w').write(text)
else: sys.stdout.write(text)
