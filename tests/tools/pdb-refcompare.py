#!/usr/bin/env python3
"""Compares our .sym of a PDB with the one Breakpad's Windows dump_syms wrote.

    pdb-refcompare.py BREAKPAD.sym OURS.sym [--strict-lines] [-v]

Prints, per record kind, how many records both have and how many only one
has.  FUNC records are keyed by (address, size, parameter size), line
records by (address, size, line, FILE path), PUBLIC by (address, parameter
size), STACK WIN by the whole record; names are compared loosely (without
argument lists, `static`, return types and spacing), since Breakpad's names
come from an old DIA.  Exit status 1 when:
  - a FUNC or STACK WIN record is in only one file;
  - with --strict-lines, a line record of Breakpad's with a non-zero size is
    not ours, or one of ours is not Breakpad's (Breakpad prints 0-size
    lines, we drop them);
  - a PUBLIC of ours is not Breakpad's (Breakpad also prints publics inside
    FUNCs, which we drop).
"""
import re
import sys


def load(path):
    files, funcs, lines, pubs, wins = {}, {}, set(), {}, set()
    for raw in open(path, encoding='utf-8', errors='replace'):
        line = raw.rstrip('\n')
        t = line.split(' ')
        if t[0] == 'FILE':
            files[t[1]] = line.split(' ', 2)[2].lower()
        elif t[0] == 'FUNC':
            if t[1] == 'm':
                t = t[:1] + t[2:]
            funcs[(int(t[1], 16), int(t[2], 16), int(t[3], 16))] = ' '.join(t[4:])
        elif t[0] == 'PUBLIC':
            if t[1] == 'm':
                t = t[:1] + t[2:]
            pubs[(int(t[1], 16), int(t[2], 16))] = ' '.join(t[3:])
        elif line.startswith('STACK WIN'):
            wins.add(line.rstrip())
        elif len(t) == 4 and re.fullmatch(r'[0-9a-f]+', t[0]):
            lines.add((int(t[0], 16), int(t[1], 16), int(t[2]), t[3]))
    lines = {(a, s, n, files.get(f, '?')) for a, s, n, f in lines}
    return funcs, lines, pubs, wins


def loose(name):
    name = re.sub(r'^(static |virtual )', '', name)
    if '(' in name:
        name = re.sub(r'^[\w:<>* ]+? (?=[\w:~`]+\()', '', name)
    return name.split('(')[0].replace(' ', '').lstrip('_')


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('-')]
    strict = '--strict-lines' in sys.argv
    verbose = '-v' in sys.argv
    ref, ours = load(args[0]), load(args[1])
    bad = False
    for i, kind in enumerate(('FUNC', 'line', 'PUBLIC', 'STACK WIN')):
        r, o = set(ref[i]), set(ours[i])
        print(f'{kind}: Breakpad {len(r)}, ours {len(o)}, both {len(r & o)}, '
              f'only Breakpad {len(r - o)}, only ours {len(o - r)}')
        if verbose:
            for x in sorted(r - o)[:20]:
                print('  only Breakpad:', x)
            for x in sorted(o - r)[:20]:
                print('  only ours:', x)
        if kind in ('FUNC', 'STACK WIN') and r != o:
            bad = True
        if kind == 'line' and strict and ({x for x in r - o if x[1]} or o - r):
            bad = True
        if kind == 'PUBLIC' and o - r:
            bad = True
    rf, of = ref[0], ours[0]
    both = set(rf) & set(of)
    same = sum(1 for k in both if loose(rf[k]) == loose(of[k]))
    print(f'FUNC names loosely equal: {same}/{len(both)}')
    return 1 if bad else 0


sys.exit(main())
