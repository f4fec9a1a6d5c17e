#!/usr/bin/env python3
"""win-unwind-oracle.py READOBJ.txt

Reads `llvm-readobj --file-headers --unwind X.dll` output (x64 or arm64 PE)
and prints one line per RUNTIME_FUNCTION, in address order:

    RVA SIZE CFA

RVA and SIZE in hex (relative to ImageBase); CFA = the rule in force after
the prolog, in Breakpad's syntax ($rsp S +, $rbp K + / sp S +, x29 K +),
or - when this oracle cannot tell (PUSH_MACHFRAME, arm64 fragments, byte
codes it does not know).

x64 (notes §11): S starts at 8 (the return address); the chain parent's
codes run first, then the entry's own, each list in reverse of the order
printed; PUSH_NONVOL adds 8, ALLOC_SMALL/ALLOC_LARGE their size;
SET_FPREG reg, offset=O (O already scaled by 16) makes the CFA
`$reg (S - O) +` with S at that point.  Saves change nothing.
arm64 (notes §12): S starts at 0; `sub sp, #N`, `sub sp, sp, #N` and
pre-indexed stores `[sp, #-N]!` add N; `add fp, sp, #N` / `mov fp, sp`
make the CFA `x29 (S - N) +`.
"""
import re, sys


def blocks(text):
    """The RuntimeFunction blocks at indentation 2, as line lists."""
    out, cur = [], None
    for line in text.splitlines():
        if line == '  RuntimeFunction {':
            cur = []
            out.append(cur)
        elif line == '  }' and cur is not None:
            cur = None
        elif cur is not None:
            cur.append(line)
    return out


def num(s):
    return int(s, 16) if s.lower().startswith('0x') else int(s)


def x64(text, base):
    ents = {}
    for b in blocks(text):
        e = dict(codes=[], parent=None, unknown=False)
        in_chain = False
        for line in b:
            s = line.strip()
            m = re.match(r'(Start|End)Address: (?:\S+ )?\((0x[0-9A-Fa-f]+)\)', s)
            if m:
                a = num(m.group(2))
                if a < base:
                    a += base
                if in_chain:
                    if m.group(1) == 'Start':
                        e['parent'] = a - base
                else:
                    e[m.group(1).lower()] = a - base
                continue
            if s.startswith('Chained {'):
                in_chain = True
                continue
            m = re.match(r'0x[0-9A-Fa-f]+: ([A-Z_0-9]+)(.*)', s)
            if m:
                e['codes'].append((m.group(1), m.group(2)))
        # readobj prints entries it found no unwind info for (e.g. zeros
        # past the exception directory inside .pdata): not functions
        if 'start' in e and 'end' in e and any(l.strip() == 'UnwindInfo {' for l in b):
            ents[e['start']] = e

    def ops(e, depth=0):
        if depth > 32:
            raise ValueError('chain too long')
        first = ops(ents[e['parent']], depth + 1) if e['parent'] is not None and e['parent'] in ents else []
        if e['parent'] is not None and e['parent'] not in ents:
            return None
        if first is None:
            return None
        return first + list(reversed(e['codes']))

    out = []
    for start in sorted(ents):
        e = ents[start]
        cfa = '-'
        seq = ops(e)
        if seq is not None:
            s, fp, ok = 8, None, True
            for op, arg in seq:
                if op == 'PUSH_NONVOL':
                    s += 8
                elif op in ('ALLOC_SMALL', 'ALLOC_LARGE'):
                    s += num(re.search(r'size=(\w+)', arg).group(1))
                elif op == 'SET_FPREG':
                    m = re.search(r'reg=(\w+), offset=(\w+)', arg)
                    fp = (m.group(1).lower(), s - num(m.group(2)))
                elif op in ('SAVE_NONVOL', 'SAVE_NONVOL_FAR', 'SAVE_XMM128', 'SAVE_XMM128_FAR', 'EPILOG'):
                    pass
                else:
                    ok = False
            if ok:
                cfa = '$%s %d +' % fp if fp else '$rsp %d +' % s
        out.append((start, e['end'] - start, cfa))
    return out


def arm64(text, base):
    out = []
    for b in blocks(text):
        start = length = None
        prolog, in_prolog, fragment = [], False, False
        for line in b:
            s = line.strip()
            if s.startswith('Function: '):
                # "Function: 0x1234", "Function: 0x1234 (sym)" or, with a
                # symbol table, "Function: sym (0x1234)"
                m = re.search(r'\((0x[0-9A-Fa-f]+)\)', s)
                tok = s.split()[1]
                start = num(m.group(1) if m and not tok.lower().startswith('0x') else tok.split('(')[0]) - base
            elif s.startswith('FunctionLength: '):
                length = int(s.split()[1])
            elif s == 'Fragment: Yes':
                fragment = True
            elif s.startswith('Prologue ['):
                in_prolog = True
            elif in_prolog and s == ']':
                in_prolog = False
            elif in_prolog:
                prolog.append(s.split(';', 1)[1].strip() if ';' in s else s)
        if start is None or length is None:
            continue
        cfa = '-'
        if not fragment:
            sp, fp, ok = 0, None, True
            for ins in reversed(prolog):
                m = re.search(r'\[sp, #-(\d+)\]!', ins)
                if ins in ('end', 'end_c', 'nop', 'save next'):
                    continue
                if m:
                    sp += int(m.group(1))
                elif re.match(r'sub sp, (sp, )?#(\d+)$', ins):
                    sp += int(ins.rsplit('#', 1)[1])
                elif re.match(r'(add (fp|x29), sp, #\d+|mov (fp|x29), sp)$', ins):
                    n = int(ins.rsplit('#', 1)[1]) if '#' in ins else 0
                    fp = sp - n
                elif re.match(r'(stp|str|st1|stur)\b', ins) and '!' not in ins:
                    pass
                else:
                    ok = False
            if ok:
                cfa = 'x29 %d +' % fp if fp is not None else 'sp %d +' % sp
        out.append((start, length, cfa))
    return sorted(out)


def main():
    text = open(sys.argv[1]).read()
    m = re.search(r'ImageBase: (0x[0-9A-Fa-f]+)', text)
    if not m:
        sys.exit('win-unwind-oracle.py: no ImageBase in %s (want --file-headers)' % sys.argv[1])
    base = num(m.group(1))
    if 'Arch: x86_64' in text:
        rows = x64(text, base)
    elif 'Arch: aarch64' in text:
        rows = arm64(text, base)
    else:
        sys.exit('win-unwind-oracle.py: %s is neither x86_64 nor aarch64' % sys.argv[1])
    if not rows:
        sys.exit('win-unwind-oracle.py: no RUNTIME_FUNCTION in %s' % sys.argv[1])
    for start, size, cfa in rows:
        print('%x %x %s' % (start, size, cfa))


if __name__ == '__main__':
    main()
