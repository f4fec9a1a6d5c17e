#!/usr/bin/env python3
"""Checks the STACK CFI that pe-driver prints against llvm-readobj --unwind.

    pe-unwind-oracle.py READOBJ_OUTPUT PE_DRIVER_OUTPUT
    pe-unwind-oracle.py --make-packed OUT.dll

The first form replays, for each function llvm-readobj lists, the prologue
it prints (x64: the unwind codes; arm64: the instructions it decodes from
.xdata codes or packed .pdata words) and compares the rules in force after
each prologue instruction with the rules pe-driver's INIT and rows give at
that address: the CFA, .ra and each saved general register.  Functions the
oracle cannot replay (arm64 end_c chains, llvm-readobj's "INVALID!"
packed forms) are counted and skipped.  Prints each difference and a
summary; exits 1 when any function differs or when pe-driver has a
function llvm-readobj does not list, or lacks one it does (other than those
whose unwind data llvm-readobj itself calls invalid).

--make-packed writes a synthetic arm64 DLL whose .pdata holds packed
entries for every combination of CR (0, 1, 3), RegI (0-10), RegF (0, 1,
2, 7), H and a spread of frame sizes, each as a function and as a
fragment.
"""
import re
import struct
import sys

X64_REGS = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi',
            'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15']


def make_packed(path):
    def al(n, a):
        return (n + a - 1) // a * a
    words = []
    for cr in (0, 1, 3):
        for regi in range(11):
            for regf in (0, 1, 2, 7):
                for h in (0, 1):
                    intsz = regi * 8 + (8 if cr == 1 else 0)
                    fpsz = (regf + 1) * 8 if regf else 0
                    savsz = (intsz + fpsz + 64 * h + 15) & ~15
                    for extra in (0, 16, 496, 512, 1024, 4080, 4096, 6000):
                        fs = savsz + extra
                        if (cr == 3 and extra < 16) or fs // 16 > 0x1ff:
                            continue
                        for flag in (1, 2):
                            words.append(flag | (40 << 2) | (regf << 13) | (regi << 16) |
                                         (h << 20) | (cr << 21) | ((fs // 16) << 23))
    pdata = b''.join(struct.pack('<II', 0x1000 + 0x100 * i, w) for i, w in enumerate(words))
    text_size = al(0x100 * len(words), 0x1000)
    pva, fa = 0x1000 + text_size, 0x200
    secs = [(b'.text', 0x1000, text_size, 0, 0, 0x60000020),
            (b'.pdata', pva, len(pdata), 0x400, al(len(pdata), fa), 0x40000040)]
    dos = bytearray(0x40)
    dos[0:2] = b'MZ'
    struct.pack_into('<I', dos, 0x3c, 0x40)
    coff = struct.pack('<HHIIIHH', 0xaa64, len(secs), 0x12345678, 0, 0, 240, 0x2022)
    opt = bytearray(240)
    struct.pack_into('<H', opt, 0, 0x20b)
    struct.pack_into('<Q', opt, 24, 0x180000000)
    struct.pack_into('<II', opt, 32, 0x1000, fa)
    struct.pack_into('<II', opt, 56, pva + al(len(pdata), 0x1000), 0x400)
    struct.pack_into('<H', opt, 68, 3)
    struct.pack_into('<I', opt, 108, 16)
    struct.pack_into('<II', opt, 112 + 8 * 3, pva, len(pdata))
    hdr = bytes(dos) + b'PE\0\0' + coff + bytes(opt)
    for (n, va, vs, ro, rs, ch) in secs:
        hdr += struct.pack('<8sIIIIIIHHI', n, vs, va, rs, ro, 0, 0, 0, 0, ch)
    out = hdr + bytes(0x400 - len(hdr)) + pdata + bytes(al(len(pdata), fa) - len(pdata))
    with open(path, 'wb') as f:
        f.write(out)


class State:
    def __init__(self, cfa, ra):
        self.cfa = cfa          # (register, offset)
        self.ra = ra            # rule text
        self.regs = {}          # name -> offset from the CFA

    def copy(self):
        s = State(self.cfa, self.ra)
        s.regs = dict(self.regs)
        return s

    def key(self):
        return (self.cfa, self.ra, tuple(sorted(self.regs.items())))


# ---- the oracle's replay of llvm-readobj's text ----

def parse_readobj(text, image_base):
    """(arch, [function dicts])."""
    arch = 'arm64' if re.search(r'^Arch: aarch64', text, re.M) else 'x86_64'
    funcs = []
    cur = None
    section = None
    for line in text.splitlines():
        s = line.strip()
        if s == 'RuntimeFunction {':
            cur = {'begin': None, 'codes': [], 'prologue': [], 'parent': None,
                   'packed': False, 'fragment': False}
            funcs.append(cur)
            section = None
            continue
        if cur is None:
            continue
        m = re.match(r'(StartAddress|Function): \(?0x([0-9A-Fa-f]+)', s)
        if m:
            if section == 'chained':
                cur['parent'] = int(m.group(2), 16) - image_base
            else:
                cur['begin'] = int(m.group(2), 16) - image_base
            continue
        if s.startswith('Chained {'):
            section = 'chained'
        elif m := re.match(r'EndAddress: \(?0x([0-9A-Fa-f]+)', s):
            if section != 'chained':
                cur['end'] = int(m.group(1), 16) - image_base
        elif m := re.match(r'FunctionLength: (\d+)', s):
            cur['size'] = int(m.group(1))
        elif s.startswith('Fragment: Yes'):
            cur['fragment'] = True
            cur['packed'] = True
        elif s.startswith('Fragment: No'):
            cur['packed'] = True
        elif m := re.match(r'FrameRegister: (\w+)', s):
            cur['frame_reg'] = m.group(1).lower()
        elif m := re.match(r'FrameOffset: 0x([0-9a-fA-F]+)', s):
            cur['frame_off'] = int(m.group(1), 16)
        elif s.startswith('Prologue ['):
            section = 'prologue'
        elif s.startswith('Epilogue') or s.startswith('EpilogueScopes'):
            section = 'epilogue'
        elif s == ']':
            if section in ('prologue', 'epilogue'):
                section = 'done'
        elif section == 'prologue':
            ins = s.split(';', 1)[1].strip() if ';' in s else s
            cur['prologue'].append(ins)
        elif m := re.match(r'0x([0-9A-Fa-f]+): (\w+)(.*)', s):
            cur['codes'].append((int(m.group(1), 16), m.group(2), m.group(3)))
    for f in funcs:
        if 'end' in f:
            f['size'] = f['end'] - f['begin']
    # all-zero entries (llvm-readobj prints them as small raw addresses)
    funcs = [f for f in funcs if f['begin'] is not None and f['begin'] >= 0]
    return arch, funcs


def x64_apply(st, s, fp, op, args, frame_reg, frame_off):
    """Returns the new (s, fp)."""
    if op == 'PUSH_NONVOL':
        s += 8
        st.regs['$' + re.search(r'reg=(\w+)', args).group(1).lower()] = -s
    elif op in ('ALLOC_SMALL', 'ALLOC_LARGE'):
        s += int(re.search(r'size=(\d+)', args).group(1))
    elif op == 'SET_FPREG':
        fp = s
        st.cfa = ('$' + frame_reg, s - frame_off)
    elif op in ('SAVE_NONVOL', 'SAVE_NONVOL_FAR'):
        off = int(re.search(r'offset=0x([0-9a-fA-F]+)', args).group(1), 16)
        st.regs['$' + re.search(r'reg=(\w+)', args).group(1).lower()] = off - (fp if fp is not None else s)
    elif op == 'PUSH_MACHFRAME':
        err = 'errcode=yes' in args
        s += 48 if err else 40
        st.ra = '.cfa %d + ^' % ((8 if err else 0) - s)
        st.regs['$rsp'] = (8 if err else 0) - s + 24
    if fp is None:
        st.cfa = ('$rsp', s)
    return s, fp


def x64_expect(f, by_begin):
    """[(address, State)] after each prologue step, INIT first."""
    st = State(('$rsp', 8), '.cfa -8 + ^')
    s, fp = 8, None
    chain = []
    p = f['parent']
    while p is not None and len(chain) < 32:
        pf = by_begin.get(p)
        if pf is None:
            return None
        chain.append(pf)
        p = pf['parent']
    for pf in reversed(chain):
        for (off, op, args) in reversed(pf['codes']):
            s, fp = x64_apply(st, s, fp, op, args, pf.get('frame_reg'), pf.get('frame_off', 0) * 16)
    out = []
    codes = list(reversed(f['codes']))
    i = 0
    while i < len(codes) and codes[i][0] == 0:
        s, fp = x64_apply(st, s, fp, codes[i][1], codes[i][2], f.get('frame_reg'), f.get('frame_off', 0) * 16)
        i += 1
    out.append((f['begin'], st.copy()))
    while i < len(codes):
        off = codes[i][0]
        while i < len(codes) and codes[i][0] == off:
            s, fp = x64_apply(st, s, fp, codes[i][1], codes[i][2], f.get('frame_reg'), f.get('frame_off', 0) * 16)
            i += 1
        if off < f['size']:
            out.append((f['begin'] + off, st.copy()))
    return out


def a64_reg(name):
    name = name.strip()
    if name in ('lr', 'x30'):
        return '.ra'
    if name in ('fp', 'x29'):
        return 'x29'
    if re.match(r'x(19|2\d)$', name):
        return name
    return None     # d registers, x0-x7 homing: not described


def a64_expect(f):
    st = State(('sp', 0), 'x30')
    s, fp = 0, False
    steps = []
    last = None
    for ins in reversed(f['prologue']):
        if ins == 'end':
            continue
        if ins == 'INVALID!' or ins == 'end_c' or 'custom' in ins:
            return None
        ins = ins.replace('#--', '#-')
        m = re.match(r'(stp|str) ([\w]+)(?:, ([\w]+))?, \[sp, #(-?\d+)\](!?)', ins)
        if m:
            n = int(m.group(4))
            if m.group(5):
                s += -n
                k = -s
            else:
                k = n - s
            regs = [m.group(2)] + ([m.group(3)] if m.group(3) else [])
            for j, r in enumerate(regs):
                name = a64_reg(r)
                if name == '.ra':
                    st.ra = '.cfa %d + ^' % (k + 8 * j)
                elif name:
                    st.regs[name] = k + 8 * j
            last = (regs[0], k) if len(regs) == 2 else None
        elif m := re.match(r'sub sp, (?:sp, )?#(\d+)', ins):
            s += int(m.group(1))
        elif ins in ('mov fp, sp', 'mov x29, sp'):
            fp = True
            st.cfa = ('x29', s)
        elif m := re.match(r'add (?:fp|x29), sp, #(\d+)', ins):
            fp = True
            st.cfa = ('x29', s - int(m.group(1)))
        elif ins == 'save next':
            if last is None:
                return None
            r, k = last
            mm = re.match(r'([xd])(\d+)', r)
            kind, num = mm.group(1), int(mm.group(2)) + 2
            if kind == 'x' and num + 1 > 28:
                kind, num = 'd', 8
            k += 16
            if kind == 'x':
                st.regs['x%d' % num] = k
                st.regs['x%d' % (num + 1)] = k + 8
            last = ('%s%d' % (kind, num), k)
        elif ins == 'nop' or ins.startswith('pac'):
            pass
        else:
            return None
        if not fp:
            st.cfa = ('sp', s)
        steps.append(st.copy())
    if f['fragment']:
        return [(f['begin'], steps[-1] if steps else st.copy())]
    out = [(f['begin'], State(('sp', 0), 'x30'))]
    for i, t in enumerate(steps):
        at = 4 * (i + 1)
        if at < f['size']:
            out.append((f['begin'] + at, t))
    return out


# ---- pe-driver's output ----

def parse_rules(text, st):
    toks = text.split()
    i = 0
    while i < len(toks):
        name = toks[i][:-1]
        j = i + 1
        while j < len(toks) and not toks[j].endswith(':'):
            j += 1
        expr = toks[i + 1:j]
        if name == '.cfa':
            st.cfa = (expr[0], int(expr[1]))
        elif name == '.ra':
            st.ra = ' '.join(expr)
        else:
            st.regs[name] = int(expr[1])
        i = j


def parse_driver(text):
    funcs = {}
    cur = None
    for line in text.splitlines():
        if line.startswith('STACK CFI INIT '):
            p = line.split(None, 5)
            st = State(None, None)
            parse_rules(p[5], st)
            cur = {'begin': int(p[3], 16), 'size': int(p[4], 16), 'rows': [(int(p[3], 16), st.copy())]}
            funcs[cur['begin']] = cur
        elif line.startswith('STACK CFI '):
            p = line.split(None, 3)
            st = cur['rows'][-1][1].copy()
            parse_rules(p[3], st)
            cur['rows'].append((int(p[2], 16), st))
    return funcs


def dedupe(rows):
    out = []
    for a, st in rows:
        if out and out[-1][1].key() == st.key():
            continue
        out.append((a, st))
    return out


def fmt(st):
    return '%s %d, .ra %s, %s' % (st.cfa[0], st.cfa[1], st.ra,
                                  ' '.join('%s@%d' % kv for kv in sorted(st.regs.items())))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == '--make-packed':
        make_packed(sys.argv[2])
        return 0
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    text = open(sys.argv[1]).read()
    m = re.search(r'ImageBase: 0x([0-9A-Fa-f]+)', text)
    image_base = int(m.group(1), 16) if m else 0x180000000
    arch, funcs = parse_readobj(text, image_base)
    ours = parse_driver(open(sys.argv[2]).read())
    by_begin = {f['begin']: f for f in funcs}
    bad = skipped = ok = 0
    seen = set()
    for f in funcs:
        seen.add(f['begin'])
        exp = x64_expect(f, by_begin) if arch == 'x86_64' else a64_expect(f)
        if exp is None:
            skipped += 1
            continue
        got = ours.get(f['begin'])
        if got is None:
            print('MISSING %x' % f['begin'])
            bad += 1
            continue
        if got['size'] != f['size']:
            print('SIZE %x: readobj %x, ours %x' % (f['begin'], f['size'], got['size']))
            bad += 1
            continue
        e, g = dedupe(exp), dedupe(got['rows'])
        if [(a, s.key()) for a, s in e] != [(a, s.key()) for a, s in g]:
            bad += 1
            print('DIFF %x' % f['begin'])
            for a, s in e:
                print('  readobj %x: %s' % (a, fmt(s)))
            for a, s in g:
                print('  ours    %x: %s' % (a, fmt(s)))
        else:
            ok += 1
    extra = [a for a in ours if a not in seen]
    for a in extra:
        print('EXTRA %x' % a)
    print('%d functions agree, %d differ, %d skipped, %d extra' % (ok, bad, skipped, len(extra)))
    return 1 if bad or extra else 0


if __name__ == '__main__':
    sys.exit(main())
