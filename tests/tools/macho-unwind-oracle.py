#!/usr/bin/env python3
"""Expected Breakpad STACK CFI rules from a Mach-O file's compact unwind
(__TEXT,__unwind_info), decoded independently of dumpsyms.

    macho-unwind-oracle.py [--arch NAME] [--d-regs] BINARY
    macho-unwind-oracle.py --normalize FILE.sym
    macho-unwind-oracle.py --selftest

The (function offset, encoding) pairs come from `llvm-objdump --macho
--unwind-info` (this script does not parse the unwind tables itself); the
first-level index's last entry (page offset 0) is the sentinel.  Each
entry runs to the next entry's offset, the last one to the sentinel;
entries of size 0 (or below) are skipped, and so are zero encodings and
encodings without information (mode 0, unknown modes: reported on stderr).
One line per remaining entry:

    <hexoffset> <hexsize> <rules>          modes 1-3 (x86_64), 2 and 4 (arm64)
    <hexoffset> <hexsize> DWARF <fde>      x86_64 mode 4, arm64 mode 3: the
                                           encoding's low 24 bits, in hex

Offsets are image-relative (they are Breakpad addresses as they stand), in
lowercase hex without 0x, like a .sym file.  Rules are those of
shared/docs/macho-notes.md §9 and §10.  Within a line, `.cfa` comes first,
then `.ra`, then the saved registers sorted by name as plain strings (so
`$r12` before `$rbp`, `x19` before `x29`); `--normalize` prints a .sym
file's STACK CFI INIT records in the same form, so the two outputs compare
line for line whatever order a dumper writes its registers in.  STACK CFI
delta records (prolog rows) are not part of compact unwind and are ignored.

x86_64 mode 3 reads the `sub $imm32,%rsp` immediate from the file: the
function's address (+ __TEXT vmaddr) is mapped to a file offset through
the __TEXT sections listed by `llvm-objdump --macho --private-headers`,
plus the slice's offset for a fat file (`--universal-headers`; pick the
slice with --arch).  arm64 D-register pairs (d8..d15, Breakpad `v8`..,
stored below the X pairs) are printed only with --d-regs.
"""
import re
import struct
import subprocess
import sys

OBJDUMP = 'llvm-objdump'

X86_REGS = {1: '$rbx', 2: '$r12', 3: '$r13', 4: '$r14', 5: '$r15', 6: '$rbp'}
ARM64_PAIRS = [(0x1, 'x19', 'x20'), (0x2, 'x21', 'x22'), (0x4, 'x23', 'x24'),
               (0x8, 'x25', 'x26'), (0x10, 'x27', 'x28'), (0x100, 'v8', 'v9'),
               (0x200, 'v10', 'v11'), (0x400, 'v12', 'v13'), (0x800, 'v14', 'v15')]


class Undecodable(Exception):
    pass


def fmt(cfa, ra, saved):
    """One rule line: .cfa, .ra, then the saved registers sorted by name."""
    parts = [f'.cfa: {cfa}', f'.ra: {ra}']
    parts += [f'{reg}: {saved[reg]}' for reg in sorted(saved)]
    return ' '.join(parts)


def at(off):
    return f'.cfa {off} + ^'


def x86_permutation(n, perm):
    """The registers of a frameless x86_64 encoding, in push order
    (reg[0] lowest on the stack)."""
    if not 0 <= n <= 6:
        raise Undecodable(f'{n} registers')
    if n == 0:
        return []
    radices = {6: [120, 24, 6, 2, 1], 5: [120, 24, 6, 2, 1], 4: [60, 12, 3, 1],
               3: [20, 4, 1], 2: [5, 1], 1: [1]}[n]
    digits = []
    for r in radices:
        digits.append(perm // r)
        perm %= r
    if n == 6:
        digits.append(0)
    free = [1, 2, 3, 4, 5, 6]
    regs = []
    for d in digits:
        if d >= len(free):
            raise Undecodable(f'permutation digit {d}')
        regs.append(free.pop(d))
    return regs


def x86_64_rules(enc, read_u32=None, func_off=None):
    """Rules for an x86_64 encoding; None for no information, ('DWARF', fde)
    for DWARF mode.  read_u32(image_offset) reads mode 3's immediate."""
    mode = (enc >> 24) & 0xF
    if mode == 1:                                       # RBP frame
        off = (enc >> 16) & 0xFF
        saved = {'$rbp': at(-16)}
        for i in range(5):
            code = (enc >> (3 * i)) & 7
            if code == 0:
                continue
            if code == 7:
                raise Undecodable('register code 7')
            saved.setdefault(X86_REGS[code], at(-8 * (off + 2 - i)))
        return fmt('$rbp 16 +', at(-8), saved)
    if mode in (2, 3):                                  # frameless
        n = (enc >> 10) & 7
        regs = x86_permutation(n, enc & 0x3FF)
        if mode == 2:
            size = 8 * ((enc >> 16) & 0xFF)
        else:
            if read_u32 is None:
                raise Undecodable('mode 3 needs the file')
            imm = read_u32(func_off + ((enc >> 16) & 0xFF))
            size = imm + 8 * ((enc >> 13) & 7)
        saved = {X86_REGS[r]: at(-8 * (n + 1 - i)) for i, r in enumerate(regs)}
        return fmt(f'$rsp {size} +', at(-8), saved)
    if mode == 4:
        return ('DWARF', enc & 0xFFFFFF)
    return None


def arm64_rules(enc, d_regs=False):
    mode = (enc >> 24) & 0xF
    if mode == 4:                                       # frame
        saved = {'x29': at(-16)}
        k = 0
        for bit, first, second in ARM64_PAIRS:
            if enc & bit:
                if d_regs or first.startswith('x'):
                    saved[first] = at(-(24 + 16 * k))
                    saved[second] = at(-(32 + 16 * k))
                k += 1
        return fmt('x29 16 +', at(-8), saved)
    if mode == 2:                                       # frameless
        return fmt(f'sp {16 * ((enc >> 12) & 0xFFF)} +', 'x30', {})
    if mode == 3:
        return ('DWARF', enc & 0xFFFFFF)
    return None


# ---- llvm-objdump output -------------------------------------------------

def objdump(*args):
    try:
        return subprocess.run([OBJDUMP, '--macho', *args], check=True, capture_output=True,
                              text=True).stdout
    except FileNotFoundError:
        sys.exit(f'macho-unwind-oracle.py: {OBJDUMP} not found')
    except subprocess.CalledProcessError as e:
        sys.exit(f'macho-unwind-oracle.py: {OBJDUMP} {" ".join(args)}: {e.stderr.strip()}')


TOP_RE = re.compile(r'^\s*\[(\d+)\]: function offset=(0x[0-9a-fA-F]+), '
                    r'2nd level page offset=(0x[0-9a-fA-F]+)')
ENTRY_RE = re.compile(r'^\s*\[(\d+)\]: function offset=(0x[0-9a-fA-F]+), '
                      r'encoding(?:\[\d+\])?=(0x[0-9a-fA-F]+)\s*$')


def parse_unwind_listing(text):
    """(entries [(offset, encoding)], sentinel) from --unwind-info output."""
    if 'Contents of __unwind_info section' not in text:
        raise ValueError('no __unwind_info section')
    entries, sentinel = [], None
    for line in text.splitlines():
        m = TOP_RE.match(line)
        if m:
            if int(m.group(3), 16) == 0:
                sentinel = int(m.group(2), 16)
            continue
        m = ENTRY_RE.match(line)
        if m:
            entries.append((int(m.group(2), 16), int(m.group(3), 16)))
    if sentinel is None:
        raise ValueError('no sentinel in the first-level index')
    return entries, sentinel


def ranges(entries, sentinel):
    """(offset, size, encoding) for each entry, in address order."""
    entries = sorted(entries, key=lambda e: e[0])
    ends = [e[0] for e in entries[1:]] + [sentinel]
    return [(off, end - off, enc) for (off, enc), end in zip(entries, ends)]


def parse_headers(text):
    """cputype name, __TEXT vmaddr and the __TEXT sections with file bytes
    [(name, addr, size, fileoff)] from --private-headers output (one
    architecture)."""
    lines = text.splitlines()
    cpu = None
    for i, line in enumerate(lines):
        if line.split()[:2] == ['magic', 'cputype'] and i + 1 < len(lines):
            cpu = lines[i + 1].split()[1]
            break
    text_vmaddr, sections = None, []
    block, kind = {}, None

    def flush():
        if kind == 'seg' and block.get('segname') == '__TEXT':
            nonlocal text_vmaddr
            text_vmaddr = int(block['vmaddr'], 16)
        if kind == 'sect' and block.get('segname') == '__TEXT' and int(block['offset']):
            sections.append((block['sectname'], int(block['addr'], 16), int(block['size'], 16),
                             int(block['offset'])))

    for line in lines:
        words = line.split()
        if not words:
            continue
        if words[:1] == ['Load'] or words == ['Section']:
            flush()
            block, kind = {}, ('sect' if words == ['Section'] else None)
        elif words[0] == 'cmd' and len(words) > 1 and words[1] in ('LC_SEGMENT_64', 'LC_SEGMENT'):
            kind = 'seg'
        elif len(words) >= 2 and words[0] in ('sectname', 'segname', 'vmaddr', 'addr', 'size',
                                               'offset'):
            block.setdefault(words[0], words[1])
    flush()
    return cpu, text_vmaddr, sections


def slice_offset(path, arch):
    """(the file offset of the slice, whether the file is fat)."""
    with open(path, 'rb') as f:
        magic = f.read(4)
    if magic not in (b'\xca\xfe\xba\xbe', b'\xca\xfe\xba\xbf'):
        return 0, False
    text = objdump('--universal-headers', path)
    found, cur = {}, None
    for line in text.splitlines():
        words = line.split()
        if words[:1] == ['architecture'] and len(words) > 1:
            cur = words[1]
        elif words[:1] == ['offset'] and cur is not None:
            found[cur] = int(words[1])
    if arch is None:
        if len(found) != 1:
            sys.exit(f'macho-unwind-oracle.py: {path} is fat ({" ".join(found)}): pick one with --arch')
        return next(iter(found.values())), True
    if arch not in found:
        sys.exit(f'macho-unwind-oracle.py: {path} has no {arch} slice ({" ".join(found)})')
    return found[arch], True


def oracle(path, arch=None, d_regs=False):
    base, fat = slice_offset(path, arch)
    archopt = [f'--arch={arch}'] if arch and fat else []
    cpu, text_vmaddr, sections = parse_headers(objdump('--private-headers', *archopt, path))
    if arch and not fat and not arch.startswith({'X86_64': 'x86_64', 'ARM64': 'arm64'}.get(cpu, '?')):
        raise ValueError(f'a thin {cpu} file, not {arch}')
    if not any(name == '__unwind_info' for name, _, _, _ in sections):
        raise ValueError('no __TEXT,__unwind_info section with file bytes (a dSYM has none)')
    entries, sentinel = parse_unwind_listing(objdump('--unwind-info', *archopt, path))
    data = None

    def read_u32(image_off):
        nonlocal data
        if text_vmaddr is None:
            raise Undecodable('no __TEXT segment')
        vm = text_vmaddr + image_off
        for _, addr, size, fileoff in sections:
            if addr <= vm and vm + 4 <= addr + size:
                if data is None:
                    data = open(path, 'rb').read()
                pos = base + fileoff + (vm - addr)
                if pos + 4 > len(data):
                    raise Undecodable(f'immediate at file offset {pos:#x} is past the end')
                return struct.unpack_from('<I', data, pos)[0]
        raise Undecodable(f'{vm:#x} is in no __TEXT section')

    out = []
    for off, size, enc in ranges(entries, sentinel):
        if size <= 0:
            if size < 0:
                print(f'note: entry {off:x} ends before it starts (sentinel {sentinel:x})', file=sys.stderr)
            continue
        if enc == 0:
            continue
        try:
            if cpu == 'X86_64':
                rules = x86_64_rules(enc, read_u32, off)
            elif cpu == 'ARM64':
                rules = arm64_rules(enc, d_regs)
            else:
                sys.exit(f'macho-unwind-oracle.py: {path}: cputype {cpu} is not supported')
        except Undecodable as e:
            print(f'note: entry {off:x} encoding {enc:08x}: {e}: skipped', file=sys.stderr)
            continue
        if rules is None:
            print(f'note: entry {off:x} encoding {enc:08x} gives no rules', file=sys.stderr)
        elif isinstance(rules, tuple):
            out.append(f'{off:x} {size:x} DWARF {rules[1]:x}')
        else:
            out.append(f'{off:x} {size:x} {rules}')
    return out


# ---- .sym normalization ----------------------------------------------------

RULE_RE = re.compile(r'(\S+):')


def parse_rules(text):
    """'.cfa: a .ra: b $rbx: c' -> {'.cfa': 'a', '.ra': 'b', '$rbx': 'c'}"""
    keys = [(m.group(1), m.start(), m.end()) for m in RULE_RE.finditer(text)]
    rules = {}
    for i, (reg, _, end) in enumerate(keys):
        stop = keys[i + 1][1] if i + 1 < len(keys) else len(text)
        rules[reg] = ' '.join(text[end:stop].split())
    return rules


def normalize_rules(text):
    """'.cfa: a .ra: b $rbx: c' -> the fmt() order."""
    rules = parse_rules(text)
    cfa, ra = rules.pop('.cfa', '?'), rules.pop('.ra', '?')
    return fmt(cfa, ra, rules)


def normalize(path):
    """Each INIT record with the rules in force after its last row (the
    function's body, where a compact encoding holds)."""
    out, cur = [], None
    def flush():
        if cur:
            rules = dict(cur[2])
            cfa, ra = rules.pop('.cfa', '?'), rules.pop('.ra', '?')
            out.append(f'{cur[0]:x} {cur[1]:x} {fmt(cfa, ra, rules)}')
    for line in open(path, encoding='utf-8', errors='replace'):
        words = line.split(None, 5)
        if words[:3] == ['STACK', 'CFI', 'INIT'] and len(words) == 6:
            flush()
            cur = (int(words[3], 16), int(words[4], 16), parse_rules(words[5]))
        elif words[:2] == ['STACK', 'CFI'] and len(words) >= 4 and cur:
            cur[2].update(parse_rules(line.split(None, 3)[3]))
        elif words[:1] != ['STACK']:
            flush()
            cur = None
    flush()
    return out


# ---- self test -------------------------------------------------------------

SAMPLE = """\
a.out:
Contents of __unwind_info section:
  Version:                                   0x1
  Common encodings array section offset:     0x1c
  Number of common encodings in array:       0x2
  Personality function array section offset: 0x24
  Number of personality functions in array:  0x0
  Index array section offset:                0x24
  Number of indices in array:                0x2
  Common encodings: (count = 2)
    encoding[0]: 0x01000000
    encoding[1]: 0x010558d1
  Personality functions: (count = 0)
  Top level indices: (count = 2)
    [0]: function offset=0x000003d0, 2nd level page offset=0x00000048, LSDA offset=0x00000048
    [1]: function offset=0x000004ca, 2nd level page offset=0x00000000, LSDA offset=0x00000048
  LSDA descriptors:
  Second level indices:
    Second level index[0]: offset in section=0x00000048, base function offset=0x000003d0
      [0]: function offset=0x000003d0, encoding[0]=0x01000000
      [1]: function offset=0x000003e0, encoding[1]=0x010558d1
      [2]: function offset=0x000003e0, encoding[0]=0x01000000
      [3]: function offset=0x00000460, encoding=0x00000000
      [4]: function offset=0x000004a0, encoding=0x04000123
"""


def selftest():
    fails = 0

    def check(what, got, want):
        nonlocal fails
        if got != want:
            fails += 1
            print(f'FAIL {what}:\n  got  {got}\n  want {want}')
        else:
            print(f'ok   {what}')

    check('x86_64 010558D1 (mode 1, O=5, rbx..r15)', x86_64_rules(0x010558D1),
          '.cfa: $rbp 16 + .ra: .cfa -8 + ^ $r12: .cfa -48 + ^ $r13: .cfa -40 + ^ '
          '$r14: .cfa -32 + ^ $r15: .cfa -24 + ^ $rbp: .cfa -16 + ^ $rbx: .cfa -56 + ^')
    check('x86_64 01000000 (mode 1, nothing saved)', x86_64_rules(0x01000000),
          '.cfa: $rbp 16 + .ra: .cfa -8 + ^ $rbp: .cfa -16 + ^')
    check('x86_64 02061409 (mode 2, S=48, n=5, P=9)', x86_64_rules(0x02061409),
          '.cfa: $rsp 48 + .ra: .cfa -8 + ^ $r12: .cfa -40 + ^ $r14: .cfa -32 + ^ '
          '$r15: .cfa -24 + ^ $rbp: .cfa -16 + ^ $rbx: .cfa -48 + ^')
    check('x86_64 02040804 (mode 2, S=32, n=2, P=4)', x86_64_rules(0x02040804),
          '.cfa: $rsp 32 + .ra: .cfa -8 + ^ $rbp: .cfa -16 + ^ $rbx: .cfa -24 + ^')
    check('x86_64 020a1800 (mode 2, n=6, P=0)', x86_64_rules(0x020A1800),
          '.cfa: $rsp 80 + .ra: .cfa -8 + ^ $r12: .cfa -48 + ^ $r13: .cfa -40 + ^ '
          '$r14: .cfa -32 + ^ $r15: .cfa -24 + ^ $rbp: .cfa -16 + ^ $rbx: .cfa -56 + ^')
    check('x86_64 permutation n=3 P=0x4b', x86_permutation(3, 0x4B), [4, 5, 6])
    check('x86_64 permutation n=4 P=0', x86_permutation(4, 0), [1, 2, 3, 4])
    check('x86_64 03044400 (mode 3, imm 9008 at +4, adjust 2)',
          x86_64_rules(0x03044400, lambda off: 9008 if off == 0x104 else 0, 0x100),
          '.cfa: $rsp 9024 + .ra: .cfa -8 + ^ $rbx: .cfa -16 + ^')
    check('x86_64 04000123 (DWARF)', x86_64_rules(0x04000123), ('DWARF', 0x123))
    check('x86_64 00ffffff (mode 0)', x86_64_rules(0x00FFFFFF), None)
    check('arm64 04000003 (frame, x19..x22)', arm64_rules(0x04000003),
          '.cfa: x29 16 + .ra: .cfa -8 + ^ x19: .cfa -24 + ^ x20: .cfa -32 + ^ '
          'x21: .cfa -40 + ^ x22: .cfa -48 + ^ x29: .cfa -16 + ^')
    check('arm64 04000102 (d8/d9 not printed)', arm64_rules(0x04000102),
          '.cfa: x29 16 + .ra: .cfa -8 + ^ x21: .cfa -24 + ^ x22: .cfa -32 + ^ x29: .cfa -16 + ^')
    check('arm64 04000101 --d-regs', arm64_rules(0x04000101, True),
          '.cfa: x29 16 + .ra: .cfa -8 + ^ v8: .cfa -40 + ^ v9: .cfa -48 + ^ '
          'x19: .cfa -24 + ^ x20: .cfa -32 + ^ x29: .cfa -16 + ^')
    check('arm64 02003000 (frameless, 48)', arm64_rules(0x02003000), '.cfa: sp 48 + .ra: x30')
    check('arm64 03000040 (DWARF)', arm64_rules(0x03000040), ('DWARF', 0x40))
    entries, sentinel = parse_unwind_listing(SAMPLE)
    check('listing: entries and sentinel', (entries, sentinel),
          ([(0x3D0, 0x01000000), (0x3E0, 0x010558D1), (0x3E0, 0x01000000), (0x460, 0),
            (0x4A0, 0x04000123)], 0x4CA))
    check('listing: ranges', ranges(entries, sentinel),
          [(0x3D0, 0x10, 0x01000000), (0x3E0, 0, 0x010558D1), (0x3E0, 0x80, 0x01000000),
           (0x460, 0x40, 0), (0x4A0, 0x2A, 0x04000123)])
    check('normalize', normalize_rules('.cfa: $rsp 16 + $rbx: .cfa -16 + ^  .ra: .cfa -8 + ^'),
          '.cfa: $rsp 16 + .ra: .cfa -8 + ^ $rbx: .cfa -16 + ^')
    print('selftest:', 'FAILED' if fails else 'passed')
    return 1 if fails else 0


def main(argv):
    args = argv[1:]
    arch, d_regs = None, False
    if args == ['--selftest']:
        return selftest()
    if len(args) == 2 and args[0] == '--normalize':
        print('\n'.join(normalize(args[1])))
        return 0
    while args and args[0].startswith('--'):
        if args[0] == '--arch' and len(args) > 1:
            arch = args[1]
            args = args[2:]
        elif args[0].startswith('--arch='):
            arch = args[0].split('=', 1)[1]
            args = args[1:]
        elif args[0] == '--d-regs':
            d_regs = True
            args = args[1:]
        else:
            sys.exit(__doc__)
    if len(args) != 1:
        sys.exit(__doc__)
    try:
        lines = oracle(args[0], arch, d_regs)
    except ValueError as e:
        sys.exit(f'macho-unwind-oracle.py: {args[0]}: {e}')
    try:
        if lines:
            print('\n'.join(lines))
    except BrokenPipeError:
        pass
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
