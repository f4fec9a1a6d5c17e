#!/usr/bin/env python3
"""Checks the PDB type-name, OMAP and STACK WIN readers through
tests/tools/pdbaux-driver against Breakpad's reference symbol files, with
llvm-pdbutil as the oracle for stream contents.

    pdbaux-check.py DRIVER TESTDATA_DIR WORKDIR [CLANG_PDB]

TESTDATA_DIR holds Breakpad's windows-dump_syms test PDBs and .sym files.
CLANG_PDB, when given, is a clang-built PDB whose inlinee names are
compared with llvm-pdbutil's.  Prints one line per check with its numbers;
exits 1 when a check fails.
"""
import os
import re
import subprocess
import sys

drv, data, work = sys.argv[1:4]
clang_pdb = sys.argv[4] if len(sys.argv) > 4 else None
failed = False


def fail(msg):
    global failed
    failed = True
    print('FAIL: ' + msg)


def pdbutil(*args):
    r = subprocess.run(['llvm-pdbutil'] + list(args), capture_output=True, text=True)
    if r.returncode:
        raise SystemExit('llvm-pdbutil %s failed: %s' % (' '.join(args), r.stderr[-500:]))
    return r.stdout


def export(pdb, label):
    """Exports the streams the readers need; returns {kind: path or '-'}."""
    streams = pdbutil('dump', '--streams', pdb)
    kinds = {'tpi': 'TPI Stream', 'ipi': 'IPI Stream', 'fpo': 'FPO Data',
             'fd': 'New FPO Data', 'names': 'Named Stream "/names"',
             'omapto': 'Omap To Source Data', 'omapfrom': 'Omap From Source Data'}
    got = {}
    for k, title in kinds.items():
        m = re.search(r'Stream\s+(\d+) \(\s*\d+ bytes\): \[' + re.escape(title) + r'\]', streams)
        if not m:
            got[k] = '-'
            continue
        path = os.path.join(work, '%s.%s' % (label, k))
        pdbutil('export', '--stream=' + m.group(1), '--out=' + path, pdb)
        got[k] = path
    return got


def section_vas(pdb):
    out = pdbutil('dump', '--section-headers', pdb)
    return [int(v, 16) for v in re.findall(r'^\s*([0-9A-Fa-f]+) virtual address', out, re.M)]


def orig_image_len(pdb, vas):
    out = pdbutil('dump', '--section-map', pdb)
    n = 0
    for fr, off, size in re.findall(r'frame = (\d+).*?offset = (\d+), size = (\d+)', out, re.S):
        fr = int(fr)
        if 0 < fr <= len(vas):
            n = max(n, vas[fr - 1] + int(off) + int(size))
    return n


def procs(pdb, vas):
    """(rva, size, type index, name) of every S_*PROC32 with code."""
    out = pdbutil('dump', '--symbols', pdb)
    res = []
    for m in re.finditer(r'S_[GL]PROC32(?:_ID)? \[size = \d+\] `(.*)`\n\s*parent = \d+, end = \d+, '
                         r'addr = (\d+):(\d+), code size = (\d+)\n\s*type = `(0x[0-9A-F]+)', out):
        sec, off, size = int(m.group(2)), int(m.group(3)), int(m.group(4))
        if 0 < sec <= len(vas) and size:
            res.append((vas[sec - 1] + off, size, m.group(5), m.group(1)))
    return res


def cxx_publics(pdb, vas):
    out = pdbutil('dump', '--publics', pdb)
    res = set()
    for m in re.finditer(r'S_PUB32 \[size = \d+\] `(.*)`\n\s*flags = [^\n]*addr = (\d+):(\d+)', out):
        sec = int(m.group(2))
        if m.group(1).startswith('?') and 0 < sec <= len(vas):
            res.add(vas[sec - 1] + int(m.group(3)))
    return res


def sym_lines(path, kind):
    with open(path, newline='') as f:
        return [l.rstrip('\r\n') for l in f if l.startswith(kind)]


def run(args, stdin=''):
    r = subprocess.run([drv] + args, input=stdin, capture_output=True, text=True, timeout=300)
    if r.returncode:
        raise SystemExit('pdbaux-driver %s failed: %s' % (' '.join(args), r.stderr[-500:]))
    return r.stdout


def check_stack_win(name, s, extra, ordered):
    ours = [l for l in run(['frames', s['fpo'], s['fd'], s['names']] + extra).split('\n')
            if l.startswith('STACK WIN')]
    ref = sym_lines(os.path.join(data, name + '.sym'), 'STACK WIN')
    same_set = sorted(ours) == sorted(ref)
    # Breakpad lists FrameData (type 4) records, then FPO (type 0), each in
    # table order; we list them by address.
    by_type = all([l for l in ours if l.split()[2] == t] == [l for l in ref if l.split()[2] == t]
                  for t in ('0', '4'))
    print('%s: STACK WIN ours %d, Breakpad %d, same set: %s, same order within each type: %s'
          % (name, len(ours), len(ref), same_set, by_type))
    if not same_set or (ordered and not by_type):
        fail('%s: STACK WIN records differ' % name)


def func_pieces(sym):
    res = set()
    for l in sym_lines(sym, 'FUNC '):
        f = l.split(' ')
        if f[1] == 'm':
            f = f[1:]
        res.add((int(f[1], 16), int(f[2], 16)))
    return res


# STACK WIN without OMAP must be Breakpad's records exactly.
reg = os.path.join(data, 'dump_syms_regtest.pdb')
s = export(reg, 'regtest')
check_stack_win('dump_syms_regtest', s, [], True)

# OMAP: FUNC (address, size) pieces and STACK WIN records as sets.
for name in ('omap_stretched', 'omap_stretched_filled', 'omap_reorder_funcs', 'omap_reorder_bbs'):
    pdb = os.path.join(data, name + '.pdb')
    s = export(pdb, name)
    vas = section_vas(pdb)
    olen = orig_image_len(pdb, vas)
    seen = sorted(set((p[0], p[1]) for p in procs(pdb, vas)))
    out = run(['omap', s['omapto'], s['omapfrom'], hex(olen), '0'],
              ''.join('%x %x\n' % r for r in seen)).split('\n')
    ours = set()
    unsorted = 0
    for line in out[:len(seen)]:
        v = [int(x, 16) for x in line.split()]
        pieces = list(zip(v[0::2], v[1::2]))
        unsorted += sum(1 for a, b in zip(pieces, pieces[1:]) if a[0] + a[1] >= b[0])
        ours.update(pieces)
    ref = func_pieces(os.path.join(data, name + '.sym'))
    print('%s: %d procedures -> %d FUNC pieces, Breakpad %d, only ours %d, only Breakpad %d, '
          'unsorted %d' % (name, len(seen), len(ours), len(ref), len(ours - ref), len(ref - ours),
                           unsorted))
    if ours != ref or unsorted:
        fail('%s: OMAP FUNC pieces differ' % name)
    check_stack_win(name, s, [s['omapto'], s['omapfrom'], hex(olen), '0'], False)

# FUNC names: procedures that have a C++ (decorated) public get the
# argument list; Breakpad prints the plain name for the others.
for name in ('dump_syms_regtest', 'dump_syms_regtest64'):
    pdb = os.path.join(data, name + '.pdb')
    s = export(pdb, name)
    vas = section_vas(pdb)
    cxx = cxx_publics(pdb, vas)
    ps = [p for p in procs(pdb, vas) if p[0] in cxx]
    got = run(['names', s['tpi'], s['ipi']], ''.join('%s %s\n' % (p[2], p[3]) for p in ps)).split('\n')
    ref = {}
    for l in sym_lines(os.path.join(data, name + '.sym'), 'FUNC '):
        f = l.split(' ')
        if f[1] == 'm':
            f = f[1:]
        ref.setdefault(int(f[1], 16), set()).add(' '.join(f[4:]))
    eq = [p for p, g in zip(ps, got) if g in ref.get(p[0], ())]
    print('%s: C++ procedure names equal to Breakpad: %d of %d' % (name, len(eq), len(ps)))
    for p, g in zip(ps, got):
        if g not in ref.get(p[0], ()):
            print('   ours %r, Breakpad %r' % (g, sorted(ref.get(p[0], ()))))
    if len(eq) != len(ps) or not ps:
        fail('%s: names differ' % name)

# Inlinee names of a clang-built PDB against llvm-pdbutil's id records.
if clang_pdb:
    s = export(clang_pdb, 'clang')
    ids = pdbutil('dump', '--ids', clang_pdb)
    types = pdbutil('dump', '--types', clang_pdb)
    syms = pdbutil('dump', '--symbols', clang_pdb)
    strs = dict(re.findall(r'(0x[0-9A-F]+) \| LF_STRING_ID \[size = \d+\] ID: [^,]*, String: (.*)', ids))
    cls = dict(re.findall(r'(0x[0-9A-F]+) \| LF_(?:CLASS|STRUCTURE|UNION|ENUM|INTERFACE) '
                          r'\[size = \d+\] `(.*)`', types))
    exp = {}
    for k, body in re.findall(r'(0x[0-9A-F]+) \| LF_M?FUNC_ID \[size = \d+\]\n\s*(.*)', ids):
        m = re.match(r'name = (.*), type = \S+, parent scope = (\S+)', body)
        if m:
            scope = strs.get(m.group(2))
            exp[k] = (scope + '::' if scope else '') + m.group(1)
            continue
        m = re.match(r'name = (.*), type = \S+, class type = (\S+)', body)
        exp[k] = cls.get(m.group(2), '?') + '::' + m.group(1)
    used = sorted(set(re.findall(r'S_INLINESITE \[size = \d+\]\n\s*inlinee = (0x[0-9A-F]+)', syms)))
    got = run(['inlinees', s['tpi'], s['ipi']], ''.join(u + '\n' for u in used)).split('\n')
    eq = sum(1 for u, g in zip(used, got) if exp.get(u) == g)
    print('clang PDB: inlinee names equal to llvm-pdbutil: %d of %d' % (eq, len(used)))
    for u, g in zip(used, got):
        if exp.get(u) != g:
            print('   %s: ours %r, llvm-pdbutil %r' % (u, g, exp.get(u)))
    if eq != len(used) or len(used) < 4:
        fail('clang PDB: inlinee names differ')
    # Procedure names with argument lists, checked against fixed strings.
    want = {'c_entry': 'c_entry(int, char const *, int (*)(int), ...)',
            'cpp_entry': 'cpp_entry(ns::Widget &, ns::Widget const *, unsigned __int64, void (**)())',
            "ns::Widget::peek": "ns::Widget::peek(int) const",
            'arr_entry': 'arr_entry(int (&)[4], char const (*)[2][3])'}
    vas = section_vas(clang_pdb)
    ps = [p for p in procs(clang_pdb, vas) if p[3] in want]
    got = run(['names', s['tpi'], s['ipi']], ''.join('%s %s\n' % (p[2], p[3]) for p in ps)).split('\n')
    for p, g in zip(ps, got):
        if g != want[p[3]]:
            fail('clang PDB: %s named %r, want %r' % (p[3], g, want[p[3]]))
    print('clang PDB: procedure names checked: %d' % len(ps))
    if len(ps) < 3:
        fail('clang PDB: expected procedures missing')

sys.exit(1 if failed else 0)
