#!/usr/bin/env python3
# symbolizer-check.py NAME OURS SYMBOLIZER LOAD [MIN]: compares symlookup's
# answers (OURS) with llvm-symbolizer's (SYMBOLIZER, --print-address
# --inlines output for the same addresses plus LOAD); exits 1 on any
# disagreement or fewer than MIN (200) addresses with a source line.
# With BREAKPAD_NAMES=1 in the environment, OURS comes from dumpsyms
# --breakpad-names: a name built from DIE scopes may have lost its unnamed
# scopes and every scope around them (named_tail).
import os, re, subprocess, sys
name, ours_file, sym_file, load = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4], 16)
minimum = int(sys.argv[5]) if len(sys.argv) > 5 else 200

def norm_path(p):
    p = re.sub(r' \(discriminator \d+\)$', '', p)
    while '/./' in p:
        p = p.replace('/./', '/')
    return re.sub('/+', '/', p)

def strip_return_type(fn):
    """"void f<int>(int)" -> "f<int>(int)": demanglers print the return
    type of template functions, and LLVM's also that of a template
    function enclosing a local class"""
    depth = 0
    for i, c in enumerate(fn):
        if c in '<(':
            if c == '(' and depth == 0:
                return fn
            depth += 1
        elif c in '>)':
            depth -= 1
        elif c == ' ' and depth == 0:
            head = fn[:i]
            if head.endswith('operator') or head.endswith('::operator'):
                return fn
            return fn[i + 1:]
    return fn

def split(fn):
    """(scope, base) of a function name without return type and parameters;
    spaces are dropped, since demanglers differ on "> >" against ">>"."""
    fn = strip_return_type(fn).replace(' ', '')
    for suffix in ('const', '&', '&&', 'volatile'):
        while fn.endswith(suffix) and not fn.endswith('operator' + suffix):
            fn = fn[:-len(suffix)]
    if fn.endswith(')') and not fn.endswith('operator()'):
        depth = 0
        for i in range(len(fn) - 1, -1, -1):
            depth += {')': 1, '(': -1}.get(fn[i], 0)
            if depth == 0:
                fn = fn[:i]
                break
    depth, last = 0, 0
    for i, c in enumerate(fn):
        if c in '<(':
            depth += 1
        elif c in '>)':
            depth -= 1
        elif depth == 0 and fn.startswith('::', i):
            last = i + 2
    return fn[:last], fn[last:]

def untemplate(b):
    """f<int, 3> -> f: demanglers spell template arguments differently"""
    if b.endswith('>') and (not b.startswith('operator') or
                            b.startswith(('operator()<', 'operator[]<'))):
        depth = 0
        for i in range(len(b) - 1, -1, -1):
            depth += {'>': 1, '<': -1}.get(b[i], 0)
            if depth == 0:
                return b[:i]
    return b

def untemplate_scope(s):
    """a::B<std::vector<int>>::c:: -> a::B::c:: -- gcc's DW_AT_name of a
    class template instance omits default arguments and spells lambdas
    its own way, demanglers spell what the mangled name says"""
    out, depth = [], 0
    for c in s:
        if c == '<':
            depth += 1
        elif c == '>' and depth:
            depth -= 1
        elif not depth:
            out.append(c)
    return ''.join(out)

# how LLVM's demangler spells scopes that have no name in the source
UNNAMED = ('(anonymousnamespace)', "'lambda", "'unnamed", '{lambda', '$_')

def components(scope):
    """a::b<c::d>::e:: -> [a, b<c::d>, e]"""
    out, depth, start = [], 0, 0
    for i, c in enumerate(scope):
        if c in '<(':
            depth += 1
        elif c in '>)':
            depth -= 1
        elif depth == 0 and scope.startswith('::', i) and i >= start:
            out.append(scope[start:i])
            start = i + 2
    return out

# how dumpsyms spells them in a name built from DIE scopes (spaces dropped)
OURS_UNNAMED = ('(lambda)', '(anonymousclass)', '(anonymousstruct)', '(anonymousunion)')

def same_scope(so, sw):
    """our scope against the demangler's, component by component, where
    ours spells an unnamed class "(lambda)" or "(anonymous struct)" (DWARF
    has no number for it) and the demangler "'lambda0'(int)",
    "{lambda(int)#1}", "'unnamed'", "$_0" or gcc's "._anon_0"""
    po, pw = components(untemplate_scope(so)), components(untemplate_scope(sw))
    if len(po) != len(pw):
        return False
    for a, b in zip(po, pw):
        if a in OURS_UNNAMED:
            if not b.startswith(UNNAMED + ('._anon_',)) or b == '(anonymousnamespace)':
                return False
        elif a != b:
            return False
    return True

def named_tail(scope):
    """Breakpad's convention for a name built from DIE scopes (no linkage
    name): a scope without a name (an anonymous namespace, a lambda's
    closure type) has an empty qualified name, so it and every scope
    around it vanish: a::(anonymous namespace)::B:: -> B::"""
    parts = components(scope)
    for k in range(len(parts) - 1, -1, -1):
        if parts[k].startswith(UNNAMED):
            return ''.join(p + '::' for p in parts[k + 1:])
    return None

demangled = {}
def same_function(ours, want):
    if want.startswith('_Z'):
        # LLVM 14's demangler gives up on some names (e.g. "sr" in
        # enable_if); binutils' c++filt is the tie-breaker
        if want not in demangled:
            demangled[want] = subprocess.run(['c++filt', want], capture_output=True,
                                             text=True).stdout.strip()
        want = demangled[want]
    # gcc's clone suffixes that llvm-symbolizer prints from the symbol
    # table: "f(int) (.cold)", "f(int) [clone .isra.0]"
    want = re.sub(r'\s*(\(\.[a-z]+(\.\d+)?\)|\[clone [^]]*\])', '', want)
    so, bo = split(ours)
    sw, bw = split(want)
    if untemplate(bo) != untemplate(bw):
        # an inheriting constructor: one demangler names the base class,
        # the other the derived one; the scope still has to agree
        cls = untemplate(sw[:-2]).rsplit('::', 1)[-1]
        return so == sw and bw == cls
    if untemplate_scope(so) == untemplate_scope(sw) or same_scope(so, sw):
        return True
    if os.environ.get('BREAKPAD_NAMES') != '1':
        return False
    tail = named_tail(sw)
    return tail is not None and untemplate_scope(so) == untemplate_scope(tail)

# llvm-symbolizer --print-address: "0xADDR", then NAME / FILE:LINE:COL
# pairs, innermost first, then an empty line
frames, cur = {}, None
lines = open(sym_file).read().splitlines()
i = 0
while i < len(lines):
    if not lines[i]:
        i += 1
    elif lines[i].startswith('0x'):
        cur = int(lines[i], 16) - load
        frames[cur] = []
        i += 1
    else:
        loc = re.sub(r':\d+$', '', lines[i + 1])    # drop the column
        frames[cur].append((lines[i], loc))
        i += 2

bad = checked = noline = unknown = 0
def report(msg):
    global bad
    bad += 1
    if bad <= 30:
        print('%s %s' % (name, msg))
for row in open(ours_file):
    addr_s, rest = row.rstrip('\n').split(' ', 1)
    fn, loc = rest.rsplit(' ', 1)
    addr = int(addr_s, 16)
    fr = frames.get(addr)
    if fr is None:
        report('0x%x: llvm-symbolizer gave no answer' % addr)
        continue
    want_fn, want_loc = fr[-1][0], norm_path(fr[0][1])
    if fr[0][0] == '??' or want_loc.startswith('??:'):
        # no function or no line in the DWARF here (padding between
        # functions, code without debug information): we must not claim a
        # line either
        noline += 1
        if fr[0][0] == '??' and want_loc.startswith('??:'):
            unknown += 1
        if loc != '??:0':
            report('0x%x: ours %s %s, llvm-symbolizer has no function and line (%s %s)'
                   % (addr, fn, loc, want_fn, want_loc))
        continue
    if want_loc.endswith(':0'):
        # line 0: compiler-generated code, or a file name from the symbol
        # table (crtstuff.c:0)
        noline += 1
        if loc not in ('??:0', want_loc):
            report('0x%x: ours %s %s, llvm-symbolizer %s %s' % (addr, fn, loc, want_fn, want_loc))
        continue
    checked += 1
    if norm_path(loc) != want_loc or not same_function(fn, want_fn):
        report('0x%x: ours %s %s, llvm-symbolizer %s %s' % (addr, fn, loc, want_fn, want_loc))
total = checked + noline
print('%s: %d addresses, %d with a source line checked, %d without one (%d unknown to both), %d disagree'
      % (name, total, checked, noline, unknown, bad))
if bad or checked < minimum:
    if checked < minimum:
        print('%s: only %d addresses with a source line' % (name, checked))
    sys.exit(1)
