#!/usr/bin/env python3
"""Compares two Breakpad .sym files function by function.

    symcompare.py BREAKPAD.sym OURS.sym ALLOW-LIST [ONE-SYMBOL-ADDRS]

FILE and INLINE_ORIGIN ids are replaced by the names they stand for.  Each
FUNC (address, size, name) must be in both files (in any order), with
the same 'm' marker and parameter size; under it, its line records must be
equal in file order, and its INLINE records equal in file order (nesting
level, call line, call file, origin, ranges), so an INLINE sits under the
same FUNC range in both.  PUBLIC records must be equal with their 'm'
marker; STACK CFI rows are compared per INIT.  A difference is allowed
only when it belongs to a class named in the allow-list, which gives the
reason ours is the more correct; every other difference is printed and
the exit status is 1.  For each class the records it absorbed are counted
("allowed CLASS: N records"); tests/dumpsyms/010-parity.sh holds each
class to the bound the allow-list records.  Classes:

  public-covered      a PUBLIC of Breakpad's at the start of one of our FUNC
                      records of the same function (the symbol's name is
                      the FUNC's name), which Breakpad keeps when the
                      function has several ranges
  inline-empty-range  under one FUNC, a zero-size range of an INLINE of
                      Breakpad's, or an INLINE of Breakpad's made only of
                      zero-size ranges; after dropping them the INLINE
                      lists must be equal
  inline-multirange   under a FUNC of a function with several FUNC ranges
                      (its name appears in more than one FUNC of both
                      files), an INLINE of Breakpad's that lies (in part)
                      outside the FUNC's range: Breakpad's list clipped to
                      the range (ranges cut, INLINEs left empty dropped)
                      must equal ours
  inline-in-block     under one FUNC, an INLINE of ours that Breakpad does
                      not write, with all the INLINEs nested in it: a call
                      inlined inside a DW_TAG_lexical_block (a loop body or
                      a block with locals), which Breakpad skips with its
                      contents; Breakpad's list must be ours with such whole
                      subtrees taken out, nothing else changed or reordered
  m-one-symbol        a FUNC that Breakpad marks 'm' and we do not, at an
                      address where the ELF symbol tables name one symbol
                      only (ONE-SYMBOL-ADDRS, hex, one a line): Breakpad
                      marks a function two compile units describe (a
                      COMDAT copy the linker folded), which is one
                      function, not several symbols sharing code
  scope-qualified     a FUNC of ours, or the origin of an INLINE of ours,
                      whose name is Breakpad's with the unnamed scopes
                      Breakpad drops: Breakpad's name is what follows the
                      last "(anonymous namespace|class|struct|union)::" or
                      "(lambda)::" of ours (every scope before it is lost
                      in Breakpad's, e.g. "normalize_sku" for our
                      "store::(anonymous namespace)::normalize_sku"); the
                      records must be equal once ours is spelled so
"""
import collections
import re
import sys

UNNAMED = re.compile(r'\((?:anonymous (?:namespace|class|struct|union)|lambda)\)::')


def bp_spelling(name):
    """Breakpad's name for one of ours: what follows the last unnamed
    scope (Breakpad loses it and every scope around it)."""
    last = None
    for m in UNNAMED.finditer(name):
        last = m
    return name[last.end():] if last else name


def load(path):
    files, origins = {}, {}
    head = collections.Counter()
    funcs = []              # dicts in file order
    publics = collections.Counter()
    cfi = collections.Counter()
    func = None
    cfi_init = None
    raw_inlines = []        # (func, fields) resolved after the ids are known
    raw_lines = []
    for raw in open(path, encoding='utf-8', errors='replace'):
        line = raw.rstrip('\n')
        if line.startswith(('MODULE ', 'INFO ')):
            head[line] += 1
        elif line.startswith('FILE '):
            _, i, p = line.split(' ', 2)
            files[i] = p
        elif line.startswith('INLINE_ORIGIN '):
            _, i, n = line.split(' ', 2)
            origins[i] = n
        elif line.startswith('FUNC '):
            p = line.split(' ')
            m = p[1] == 'm'
            if m:
                p.pop(1)
            a, s = int(p[1], 16), int(p[2], 16)
            func = {'addr': a, 'size': s, 'params': p[3], 'name': ' '.join(p[4:]),
                    'm': m, 'lines': [], 'inlines': []}
            funcs.append(func)
        elif line.startswith('INLINE '):
            raw_inlines.append((func, line.split(' ')))
        elif line.startswith('PUBLIC '):
            p = line.split(' ')
            m = p[1] == 'm'
            if m:
                p.pop(1)
            publics[(int(p[1], 16), p[2], ' '.join(p[3:]), m)] += 1
            func = None
        elif line.startswith('STACK CFI INIT '):
            func = None
            cfi_init = line.split(' ')[3]
            cfi[line] += 1
        elif line.startswith('STACK CFI '):
            cfi[(cfi_init, line)] += 1
        elif line.startswith('STACK '):
            func = None
            cfi[line] += 1
        elif line:
            raw_lines.append((func, line.split(' ')))
    for f, p in raw_inlines:
        ranges = tuple((int(p[k], 16), int(p[k + 1], 16)) for k in range(5, len(p) - 1, 2))
        rec = (int(p[1]), int(p[2]), files.get(p[3], '#' + p[3]),
               origins.get(p[4], '#' + p[4]), ranges)
        if f is None:
            f = {'addr': None, 'size': 0, 'params': '', 'name': '(no FUNC)',
                 'm': False, 'lines': [], 'inlines': []}
            funcs.append(f)
        f['inlines'].append(rec)
    for f, p in raw_lines:
        rec = (int(p[0], 16), int(p[1], 16), int(p[2]), files.get(p[3], '#' + p[3]))
        if f is None:
            f = {'addr': None, 'size': 0, 'params': '', 'name': '(no FUNC)',
                 'm': False, 'lines': [], 'inlines': []}
            funcs.append(f)
        f['lines'].append(rec)
    return head, funcs, publics, cfi


def key(f):
    return (f['addr'], f['size'], f['name'])


def drop_empty(inlines):
    """Breakpad's INLINE list without zero-size ranges; returns the list
    and how many records changed or vanished."""
    out, n = [], 0
    for d, ln, fl, org, rs in inlines:
        kept = tuple(r for r in rs if r[1] > 0)
        if kept != rs:
            n += 1
        if kept:
            out.append((d, ln, fl, org, kept))
    return out, n


def clip(inlines, lo, hi):
    """INLINE list clipped to [lo, hi); returns it and how many records
    changed or vanished."""
    out, n = [], 0
    for d, ln, fl, org, rs in inlines:
        kept = []
        for a, s in rs:
            b, e = max(a, lo), min(a + s, hi)
            if b < e:
                kept.append((b, e - b))
        kept = tuple(kept)
        if kept != rs:
            n += 1
        if kept:
            out.append((d, ln, fl, org, kept))
    return out, n


def drop_subtrees(bp, ours):
    """Breakpad's INLINE list against ours, when Breakpad's is ours with
    whole subtrees (a record and the deeper records that follow it) taken
    out: returns the indices of the records of ours that were kept, or None
    when the lists differ otherwise or nothing was taken out."""
    i, kept, skip = 0, [], None
    for k, rec in enumerate(ours):
        if skip is not None:
            if rec[0] > skip:
                continue
            skip = None
        if i < len(bp) and rec == bp[i]:
            i += 1
            kept.append(k)
        else:
            skip = rec[0]
    return kept if i == len(bp) and len(kept) < len(ours) else None


def main():
    if len(sys.argv) not in (4, 5):
        print('usage: symcompare.py BREAKPAD.sym OURS.sym ALLOW-LIST [ONE-SYMBOL-ADDRS]',
              file=sys.stderr)
        return 2
    bp_head, bp_funcs, bp_pub, bp_cfi = load(sys.argv[1])
    our_head, our_funcs, our_pub, our_cfi = load(sys.argv[2])
    allowed = set()
    for line in open(sys.argv[3]):
        line = line.strip()
        if line and not line.startswith('#'):
            allowed.add(line.split()[0])
    one_symbol = set()
    if len(sys.argv) == 5:
        one_symbol = {int(x, 16) for x in open(sys.argv[4]).read().split()}

    classes = collections.Counter()
    unexplained = []

    def diff(side, what, cls=None, n=1):
        if cls and cls in allowed:
            classes[cls] += n
        else:
            unexplained.append('%s %s%s' % (side, what,
                                             ' (class %s is not allowed)' % cls if cls else ''))

    for side, a, b in (('-', bp_head, our_head), ('+', our_head, bp_head)):
        for k in a - b:
            diff(side, k)

    # our FUNC names that are Breakpad's with the unnamed scopes kept
    bp_keys = {key(f) for f in bp_funcs}
    for f in our_funcs:
        s = bp_spelling(f['name'])
        if key(f) not in bp_keys and s != f['name'] and (f['addr'], f['size'], s) in bp_keys:
            diff('+', 'FUNC %r: Breakpad names it %r' % (key(f), s), 'scope-qualified')
            f['name'] = s

    bp_by = {key(f): f for f in bp_funcs}
    our_by = {key(f): f for f in our_funcs}
    for f in bp_funcs:
        if key(f) not in our_by:
            diff('-', 'FUNC %r' % (key(f),))
    for f in our_funcs:
        if key(f) not in bp_by:
            diff('+', 'FUNC %r' % (key(f),))
    if len(bp_by) != len(bp_funcs) or len(our_by) != len(our_funcs):
        diff('!', 'a FUNC (address, size, name) appears twice in one file')
    # FUNC records themselves may come in any order (Breakpad writes the
    # ranges of one function together); what is under each must match
    common_ours = [key(f) for f in our_funcs if key(f) in bp_by]

    bp_names = collections.Counter(f['name'] for f in bp_funcs)
    our_names = collections.Counter(f['name'] for f in our_funcs)
    our_starts = {}
    for f in our_funcs:
        our_starts.setdefault(f['addr'], f['name'])

    for k in common_ours:
        b, o = bp_by[k], our_by[k]
        where = 'FUNC %x %x %s' % (k[0], k[1], k[2])
        if b['m'] != o['m']:
            cls = 'm-one-symbol' if b['m'] and k[0] in one_symbol else None
            diff('-' if b['m'] else '+', "%s: 'm' marker (Breakpad %s, ours %s)" % (where, b['m'], o['m']), cls)
        if b['params'] != o['params']:
            diff('!', '%s: parameter size %s vs %s' % (where, b['params'], o['params']))
        if b['lines'] != o['lines']:
            i = next((i for i, (x, y) in enumerate(zip(b['lines'], o['lines'])) if x != y),
                     min(len(b['lines']), len(o['lines'])))
            diff('!', '%s: line records differ at #%d: Breakpad %r, ours %r' % (
                where, i, b['lines'][i:i + 1], o['lines'][i:i + 1]))
        binl, n_empty = drop_empty(b['inlines'])
        oinl = o['inlines']
        # ours with the origins spelled as Breakpad spells them, tried
        # when ours as written differs
        sinl = [(d, ln, fl, bp_spelling(org), rs) for d, ln, fl, org, rs in oinl]
        n_scope = sum(1 for x, y in zip(oinl, sinl) if x != y)
        cinl, nc = binl, 0
        if bp_names[k[2]] > 1 and our_names[k[2]] > 1:
            cinl, nc = clip(binl, k[0], k[0] + k[1])
        n_clip = 0
        n_block = 0
        tries = ((binl, oinl, 0, 0), (cinl, oinl, nc, 0),
                 (binl, sinl, 0, n_scope), (cinl, sinl, nc, n_scope))
        for bi, oi, ncl, nsc in tries:
            if bi == oi:
                binl, n_clip, n_scope = bi, ncl, nsc
                break
        else:
            # then with whole subtrees of ours (inlines in lexical
            # blocks) taken out
            for bi, oi, ncl, nsc in tries:
                kept = drop_subtrees(bi, oi)
                if kept is not None:
                    # names counted among the records Breakpad has too
                    binl, n_clip, n_block = oi, ncl, len(oi) - len(kept)
                    n_scope = sum(1 for j in kept if oinl[j] != sinl[j]) if nsc else 0
                    break
            else:
                if bp_names[k[2]] > 1 and our_names[k[2]] > 1:
                    binl = cinl
        if binl != oinl and binl != sinl:
            i = next((i for i, (x, y) in enumerate(zip(binl, oinl)) if x != y),
                     min(len(binl), len(oinl)))
            diff('!', '%s: INLINE records differ at #%d of %d/%d: Breakpad %r, ours %r' % (
                where, i, len(binl), len(oinl), binl[i:i + 1], oinl[i:i + 1]))
        else:
            if n_empty:
                diff('-', '%s: %d INLINE records with zero-size ranges' % (where, n_empty),
                     'inline-empty-range', n_empty)
            if n_clip:
                diff('-', '%s: %d INLINE records outside the FUNC range' % (where, n_clip),
                     'inline-multirange', n_clip)
            if n_block:
                diff('+', '%s: %d INLINE records in lexical blocks' % (where, n_block),
                     'inline-in-block', n_block)
            if n_scope:
                diff('+', '%s: %d INLINE records whose origin Breakpad names without its unnamed scopes'
                     % (where, n_scope), 'scope-qualified', n_scope)

    for k, n in (bp_pub - our_pub).items():
        cls = None
        if our_starts.get(k[0]) == k[2] and our_names[k[2]] > 1:
            cls = 'public-covered'
        diff('-', 'PUBLIC %r' % (k,), cls, n)
    for k, n in (our_pub - bp_pub).items():
        diff('+', 'PUBLIC %r' % (k,), None, n)
    for side, a, b in (('-', bp_cfi, our_cfi), ('+', our_cfi, bp_cfi)):
        for k, n in (a - b).items():
            diff(side, 'CFI %r' % (k,), None, n)

    for c, n in sorted(classes.items()):
        print('allowed %s: %d records' % (c, n))
    for u in unexplained[:40]:
        print(u)
    if unexplained:
        print('%d unexplained differences' % len(unexplained))
        return 1
    return 0


sys.exit(main())
