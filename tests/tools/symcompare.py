#!/usr/bin/env python3
"""Compares two Breakpad .sym files record for record.

    symcompare.py BREAKPAD.sym OURS.sym ALLOW-LIST

Records are compared as sets (FILE and INLINE_ORIGIN ids are replaced by the
names they stand for; each line and INLINE record is keyed by its FUNC), so
ordering does not matter. Every record found in only one file must belong
to a difference class named in the allow-list, which gives the reason ours
is the more correct; otherwise the difference is printed and the exit status
is 1. Classes:

  public-covered      a PUBLIC of Breakpad's inside or at the start of one
                      of our FUNC ranges
  inline-empty-range  an INLINE that differs only by zero-size ranges
  inline-multirange   INLINE records of a function with several ranges
"""
import collections
import sys


def load(path):
    files, origins = {}, {}
    recs = collections.Counter()
    funcs = []                      # (start, end, name)
    func = None
    for raw in open(path, encoding='utf-8', errors='replace'):
        line = raw.rstrip('\n')
        if line.startswith(('MODULE ', 'INFO ')):
            recs[('HEAD', line)] += 1
        elif line.startswith('FILE '):
            _, i, p = line.split(' ', 2)
            files[i] = p
        elif line.startswith('INLINE_ORIGIN '):
            _, i, n = line.split(' ', 2)
            origins[i] = n
        elif line.startswith('FUNC '):
            p = line.split(' ')
            if p[1] == 'm':
                p.pop(1)
            a, s, name = int(p[1], 16), int(p[2], 16), ' '.join(p[4:])
            func = (a, name)
            funcs.append((a, a + s, name))
            recs[('FUNC', a, s, name)] += 1
        elif line.startswith('INLINE '):
            p = line.split(' ')
            ranges = tuple((int(p[k], 16), int(p[k + 1], 16)) for k in range(5, len(p) - 1, 2))
            recs[('INLINE', func, int(p[1]), int(p[2]), files.get(p[3], p[3]),
                  origins.get(p[4], '?'), ranges)] += 1
        elif line.startswith('PUBLIC '):
            p = line.split(' ')
            if p[1] == 'm':
                p.pop(1)
            recs[('PUBLIC', int(p[1], 16), ' '.join(p[3:]))] += 1
            func = None
        elif line.startswith('STACK CFI INIT '):
            func = None
            cfi = line.split(' ')[3]
            recs[('CFI', line)] += 1
        elif line.startswith('STACK CFI '):
            recs[('CFI', cfi, line)] += 1
        elif line.startswith('STACK '):
            recs[('STACK', line)] += 1
        elif line:
            p = line.split(' ')
            recs[('LINE', func, int(p[0], 16), int(p[1], 16), int(p[2]), files.get(p[3], p[3]))] += 1
    return recs, funcs


def main():
    bp, bp_funcs = load(sys.argv[1])
    ours, our_funcs = load(sys.argv[2])
    allowed = set()
    for line in open(sys.argv[3]):
        line = line.strip()
        if line and not line.startswith('#'):
            allowed.add(line.split()[0])
    starts = sorted(our_funcs)
    names = collections.Counter(n for _, _, n in our_funcs)

    def covered(addr):
        return any(a <= addr < b for a, b, _ in starts)

    def nonempty(r):
        return tuple(x for x in r if x[1] > 0)

    only_bp = bp - ours
    only_ours = ours - bp
    # inlines that differ only by empty ranges pair up
    ours_inl = collections.Counter()
    for k, n in only_ours.items():
        if k[0] == 'INLINE':
            ours_inl[k[:6] + (nonempty(k[6]),)] += n
    classes = collections.Counter()
    unexplained = []
    for side, diff in (('-', only_bp), ('+', only_ours)):
        for k, n in diff.items():
            cls = None
            if side == '-' and k[0] == 'PUBLIC' and covered(k[1]):
                cls = 'public-covered'
            elif k[0] == 'INLINE' and k[1] and names[k[1][1]] > 1:
                cls = 'inline-multirange'
            elif k[0] == 'INLINE' and side == '-' and (
                    not nonempty(k[6]) or ours_inl[k[:6] + (nonempty(k[6]),)]):
                cls = 'inline-empty-range'
            elif k[0] == 'INLINE' and side == '+' and any(
                    b[0] == 'INLINE' and b[:6] == k[:6] and nonempty(b[6]) == k[6] for b in only_bp):
                cls = 'inline-empty-range'
            if cls and cls in allowed:
                classes[cls] += n
            else:
                unexplained.append((side, k, cls))
    for c, n in sorted(classes.items()):
        print('allowed %s: %d records' % (c, n))
    for side, k, cls in unexplained[:40]:
        print('%s %r%s' % (side, k, ' (class %s is not allowed)' % cls if cls else ''))
    if unexplained:
        print('%d unexplained differences' % len(unexplained))
        return 1
    return 0


sys.exit(main())
