#!/usr/bin/env python3
"""Compares the FUNC names of our .sym of a PDB with Breakpad's, exactly.

    pdb-funcnames.py BREAKPAD.sym OURS.sym [-v]

FUNCs are matched by address.  Prints one line
    equal N different N static N static-types N static-lost N underscore N other N
where every name that is not equal falls in exactly one class:
  static        Breakpad's (old DIA) name of a function without a public is
                "static <return type> " followed by ours;
  static-types  such a name whose argument list DIA also spelled its old
                way: "struct " before a class, "const char" for our
                "char const";
  static-lost   such a name with a type DIA lost (" * " for "int (*)()"):
                same name and number of arguments;
  underscore    on x64 (not x86: no decoration there), a C name whose
                leading underscore Breakpad dropped: ours is "_" + its;
  other         none of these.
With -v the names of every class but equal are listed.
"""
import re
import sys


def load(path):
    names = {}
    for raw in open(path, encoding='utf-8', errors='replace'):
        t = raw.rstrip('\r\n').split(' ')
        if t[0] != 'FUNC':
            continue
        if t[1] == 'm':
            t = t[:1] + t[2:]
        names[int(t[1], 16)] = ' '.join(t[4:])
    return names


def strip_static(bp):
    """Breakpad's name without "static <return type> ", or None."""
    m = re.match(r"static (?:.*? )?(?=[\w:~`$']+\()", bp)
    return bp[m.end():] if m else None


def old_types(s):
    """An argument list in the spelling both sides share."""
    s = s.replace('struct ', '').replace('class ', '').replace('union ', '')
    s = re.sub(r'\bconst (\w+)', r'\1 const', s)
    return s


def lost_types(bp, ours):
    """bp's argument list is ours with some types DIA could not name
    printed as nothing: compare the argument count only."""
    a, b = bp[bp.find('('):], ours[ours.find('('):]
    return bp[:bp.find('(')] == ours[:ours.find('(')] and a.count(',') == b.count(',') \
        and re.search(r'(^\(| ) ?\*', a) is not None


def classify(bp, ours, x64):
    if bp == ours:
        return 'equal'
    rest = strip_static(bp)
    if rest is not None and '(' in ours:
        if rest == ours:
            return 'static'
        if old_types(rest) == old_types(ours):
            return 'static-types'
        if lost_types(rest, ours):
            return 'static-lost'
    if x64 and ours == '_' + bp:
        return 'underscore'
    return 'other'


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('-')]
    verbose = '-v' in sys.argv
    ref, ours = load(args[0]), load(args[1])
    x64 = False
    for raw in open(args[0], encoding='utf-8', errors='replace'):
        x64 = raw.split(' ')[2] == 'x86_64'
        break
    counts = dict.fromkeys(('equal', 'static', 'static-types', 'static-lost', 'underscore', 'other'), 0)
    listed = []
    for a in sorted(set(ref) & set(ours)):
        k = classify(ref[a], ours[a], x64)
        counts[k] += 1
        if k != 'equal':
            listed.append(f'  {k}: {a:x} Breakpad {ref[a]!r} ours {ours[a]!r}')
    diff = sum(v for k, v in counts.items() if k != 'equal')
    print(f"equal {counts['equal']} different {diff} static {counts['static']} "
          f"static-types {counts['static-types']} static-lost {counts['static-lost']} underscore {counts['underscore']} "
          f"other {counts['other']}")
    if verbose:
        print('\n'.join(listed))
    return 0


sys.exit(main())
