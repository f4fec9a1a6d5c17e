#!/usr/bin/env python3
# chain-check.py FLOORS NAME OURS LLVM LOAD [NAME OURS LLVM LOAD]...: for
# each fixture NAME, compares address by address the frames symlookup
# --inlines gave from our .sym (OURS) with llvm-symbolizer --inlines
# --output-style=JSON's (LLVM, one JSON object a line, for the same
# addresses plus LOAD).  Three agreements, each over the addresses
# llvm-symbolizer knows a function at:
#
#   name    the outermost (non-inlined) function's name;
#   line    the innermost file:line;
#   chain   the whole chain: its depth, and every frame's name, file and
#           line (an outer frame's line is the line of the call in it).
#
# Names are normalised the same way on both sides (norm_name): return type,
# parameter lists (also an enclosing function's), cv and ref qualifiers,
# clone suffixes (.cold, .part.N, .isra.N, .constprop.N, .lto_priv.N,
# "[clone .x]", LLVM's " (.x.N)") and spaces are dropped, lambdas and
# unnamed classes become one token, {unnamed}; _Z names that LLVM left
# mangled are demangled by c++filt.  llvm-symbolizer names an inline frame
# that has no linkage name by its bare DW_AT_name: such a frame (no "::",
# no "(") is compared on the last component of ours only, and counted.
#
# Where llvm-symbolizer knows no function, ours must claim no line.  Where
# it knows no line (line 0), ours must not claim one either.
#
# Prints, for each fixture, the first 30 addresses that miss any of the
# three (each with the number of later misses that differ from it only in
# the addresses and lines), then one line with the three percentages.
# Exits 1 when, for any fixture, one is below NAME's floor in FLOORS
# ("NAME NAME% LINE% CHAIN%" lines; # starts a comment), NAME has none,
# ours claims a line llvm-symbolizer has not, or fewer than 500 addresses
# were compared.  Several fixtures in one run, since starting Python (and
# c++filt) takes longer than the comparison.
import json, re, subprocess, sys

if len(sys.argv) < 6 or (len(sys.argv) - 2) % 4:
    sys.exit('usage: chain-check.py FLOORS NAME OURS LLVM LOAD [NAME OURS LLVM LOAD]...')
floors_file = sys.argv[1]
MINIMUM = 500

floors = {}
for row in open(floors_file):
    p = row.split('#', 1)[0].split()
    if p:
        # '-': not compared (a fixture without DWARF has no lines)
        floors[p[0]] = [None if x == '-' else float(x) for x in p[1:4]]

def norm_path(p):
    p = re.sub(r' \(discriminator \d+\)$', '', p)
    while '/./' in p:
        p = p.replace('/./', '/')
    return re.sub('/+', '/', p)

def close(s, i, op, cl):
    """index just past the bracket group opening at s[i]"""
    depth = 0
    for j in range(i, len(s)):
        if s[j] == op:
            depth += 1
        elif s[j] == cl:
            depth -= 1
            if depth == 0:
                return j + 1
    return len(s)

def unnamed(s):
    """lambdas and unnamed classes, as each tool spells them: {unnamed}"""
    out, i = [], 0
    while i < len(s):
        m = re.compile(r"\{lambda\(|'lambda\d*'\(").match(s, i)
        if m:
            j = close(s, m.end() - 1, '(', ')')
            if s[i] == '{':
                j = s.find('}', j) + 1 or len(s)
            out.append('{unnamed}')
            i = j
            continue
        m = re.compile(r"\{unnamed type#\d+\}|'unnamed\d*'|\$_\d+|\._anon_\d+|"
                       r"\((lambda|anonymous (struct|class|union)|unnamed (struct|class|union))\)").match(s, i)
        if m:
            out.append('{unnamed}')
            i = m.end()
            continue
        out.append(s[i])
        i += 1
    return ''.join(out)

def components(s):
    """a::b<c::d>::e(x::y) -> [a, b<c::d>, e(x::y)]"""
    out, depth, start = [], 0, 0
    i = 0
    while i < len(s):
        c = s[i]
        if c in '<([':
            depth += 1
        elif c in '>)]' and depth:
            depth -= 1
        elif depth == 0 and s.startswith('::', i):
            out.append(s[start:i])
            start = i + 2
            i += 1
        i += 1
    out.append(s[start:])
    return out

QUALIFIERS = re.compile(r'(\s*(const|volatile|&&|&))+$')

def strip_params(c):
    """f(int) const -> f; operator()(int) -> operator(); (anonymous
    namespace) and operator() stay"""
    c = QUALIFIERS.sub('', c)
    if not c.endswith(')') or c.endswith('operator()') or c.startswith('('):
        return c
    depth = 0
    for i in range(len(c) - 1, -1, -1):
        depth += {')': 1, '(': -1}.get(c[i], 0)
        if depth == 0:
            return c[:i] if i else c
    return c

def strip_return_type(s):
    """"long a::f<long>(long const*)" -> "a::f<long>(long const*)": the
    text after the last space outside brackets, or from an operator
    keyword before it"""
    depth, cut = 0, 0
    for i, c in enumerate(s):
        if c in '<([':
            depth += 1
        elif c in '>)]' and depth:
            depth -= 1
        elif c == ' ' and depth == 0:
            cut = i + 1
    if cut and re.search(r'(^|[\s:])operator$', s[:cut - 1]):
        head = s[:cut - 1]
        k = head.rfind('operator')
        depth = 0
        for i in range(k - 1, -1, -1):
            c = head[i]
            if c in '>)]':
                depth += 1
            elif c in '<([' and depth:
                depth -= 1
            elif c == ' ' and depth == 0:
                return s[i + 1:]
        return s
    return s[cut:]

demangled = {}

def norm_name(n):
    if n in ('', '??'):
        return '??'
    n = demangled.get(n, n)
    n = re.sub(r'\s*\[clone [^]]*\]', '', n)
    n = re.sub(r'\s*\(\.[A-Za-z_][\w.]*\)', '', n)
    n = re.sub(r'(\.(cold|part|isra|constprop|lto_priv|localalias|llvm)(\.\d+)?)+(?=$|\()', '', n)
    n = unnamed(n)
    n = QUALIFIERS.sub('', n)
    # an enclosing function's qualifiers (a local class in a const member):
    # "f(int) const::Local::g" -> "f(int)::Local::g", or the space before
    # them would pass for the end of a return type
    n = re.sub(r'\)(\s*(const|volatile|&&|&))+(?=::)', ')', n)
    n = strip_return_type(n)
    return '::'.join(strip_params(c) for c in components(n)).replace(' ', '')

def base(n):
    return components(n)[-1]

def read(ours_file, llvm_file, load):
    """({addr: ours frames}, {addr: llvm frames}), innermost first, each
    frame (name, file, line); ours from symlookup's ADDR<TAB>NAME<TAB>
    FILE:LINE lines"""
    ours, llvm = {}, {}
    for row in open(ours_file):
        a, name, loc = row.rstrip('\n').split('\t')
        f, _, line = loc.rpartition(':')
        ours.setdefault(int(a, 16), []).append((name, f, int(line)))
    for row in open(llvm_file):
        if not row.strip():
            continue
        d = json.loads(row)
        frames = [(s['FunctionName'] or '??', s['FileName'] or '??', int(s['Line']))
                  for s in d['Symbol']]
        llvm[int(d['Address'], 16) - load] = frames or [('??', '??', 0)]
    return ours, llvm

def show(frames):
    return ' <- '.join('%s@%s:%d' % (n, f.rsplit('/', 1)[-1], l) for n, f, l in frames)

def check(fixture, ours, llvm):
    """prints the misses and the percentages; True when at or above the
    floors"""
    compared = excluded = false_lines = base_only = 0
    ok = {'name': 0, 'line': 0, 'chain': 0}
    misses = []
    floor = floors.get(fixture)
    # what a '-' floor leaves out is not reported as a miss either
    kept = [k for i, k in enumerate(('name', 'line', 'chain')) if not floor or floor[i] is not None]
    for addr in sorted(ours):
        o = ours[addr]
        w = llvm.get(addr)
        if w is None:
            print('%s: llvm-symbolizer gave no answer for 0x%x' % (fixture, addr))
            return False
        if w[0][0] == '??':
            excluded += 1
            if o[0][2] != 0:
                false_lines += 1
                misses.append((addr, 'claims a line where llvm-symbolizer knows no function', o, w))
            continue
        compared += 1
        missed = []
        if norm_name(o[-1][0]) == norm_name(w[-1][0]):
            ok['name'] += 1
        else:
            missed.append('name')
        if w[0][2] == 0:
            inner_ok = o[0][2] == 0
            if not inner_ok:
                false_lines += 1
        else:
            inner_ok = o[0][2] == w[0][2] and norm_path(o[0][1]) == norm_path(w[0][1])
        if inner_ok:
            ok['line'] += 1
        else:
            missed.append('line')
        chain_ok = len(o) == len(w)
        if chain_ok:
            for k, (of, wf) in enumerate(zip(o, w)):
                if k == len(w) - 1:
                    same = norm_name(of[0]) == norm_name(wf[0])
                elif '::' not in wf[0] and '(' not in wf[0] and wf[0] != '??':
                    base_only += 1
                    same = base(norm_name(of[0])) == norm_name(wf[0])
                else:
                    same = norm_name(of[0]) == norm_name(wf[0])
                if k == 0:
                    same = same and inner_ok
                else:
                    same = same and of[2] == wf[2] and norm_path(of[1]) == norm_path(wf[1])
                if not same:
                    chain_ok = False
                    break
        if chain_ok:
            ok['chain'] += 1
        else:
            missed.append('chain')
        missed = [k for k in missed if k in kept]
        if missed:
            misses.append((addr, ' '.join(missed), o, w))

    # the first 30 misses, each with the number of later ones that differ from
    # it only in the address and lines
    seen = {}
    for addr, kinds, o, w in misses:
        key = (kinds, tuple(f[0] for f in o), tuple(f[0] for f in w))
        if key in seen:
            seen[key][1] += 1
        elif len(seen) < 30:
            seen[key] = [(addr, kinds, o, w), 0]
    for (addr, kinds, o, w), more in seen.values():
        print('%s 0x%x [%s]%s\n    ours %s\n    llvm %s' % (fixture, addr, kinds,
              ' (and %d more like it)' % more if more else '', show(o), show(w)))
    shown = sum(1 + more for _, more in seen.values())
    if len(misses) > shown:
        print('%s: %d more misses not shown' % (fixture, len(misses) - shown))
    pct = {k: 100.0 * v / compared if compared else 0.0 for k, v in ok.items()}
    print('%s: %d addresses compared (%d unknown to llvm-symbolizer left out, %d inline frames by base '
          'name): name %.1f%%, file:line %.1f%%, chain %.1f%% (floors %s)'
          % (fixture, compared, excluded, base_only, pct['name'], pct['line'], pct['chain'],
             '/'.join('-' if x is None else '%g' % x for x in floor) if floor else 'none'))
    bad = []
    if floor is None:
        bad.append('no floor in %s' % floors_file)
    else:
        for k, f in zip(('name', 'line', 'chain'), floor):
            if f is not None and pct[k] < f:
                bad.append('%s %.1f%% is below its floor %g%%' % (k, pct[k], f))
    if false_lines:
        bad.append('%d addresses where ours claims a line llvm-symbolizer has not' % false_lines)
    if compared < MINIMUM:
        bad.append('only %d addresses compared' % compared)
    if bad:
        print('%s: FAILS: %s' % (fixture, '; '.join(bad)))
    return not bad

runs = []
for i in range(2, len(sys.argv), 4):
    name, ours_file, llvm_file, load = sys.argv[i:i + 4]
    runs.append((name,) + read(ours_file, llvm_file, int(load, 16)))
names = set(f[0] for _, ours, llvm in runs for fr in list(ours.values()) + list(llvm.values())
            for f in fr)
mangled = sorted(n for n in names if n.startswith('_Z'))
if mangled:
    out = subprocess.run(['c++filt'], input='\n'.join(mangled) + '\n', capture_output=True,
                         text=True, check=True).stdout.splitlines()
    demangled.update(zip(mangled, out))
failed = [r[0] for r in runs if not check(*r)]
if failed:
    print('%d of %d fixtures fail: %s' % (len(failed), len(runs), ' '.join(failed)))
    sys.exit(1)
