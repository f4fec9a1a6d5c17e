#!/usr/bin/env python3
# symbolicate-check.py SYM REF ANSWER: compares a symbolicate/v5 answer
# (ANSWER, JSON: one job, one stack, the frames in the order of the
# addresses) with tests/tools/symlookup --inlines output for the same
# addresses (REF), frame by frame and in order, and checks each
# function_offset against the FUNC and PUBLIC records of SYM itself.
#
# A symlookup frame is "ADDR<TAB>NAME<TAB>FILE:LINE", innermost first.
# An answer frame gives, innermost first, its "inlines" and then itself;
# a location without "file" is compared as "??" (symlookup prints "??:N"
# for a line record whose FILE record is missing, and the API gives no
# line without a file).  Prints the first differences; exit 1 on any.
import json, sys

sym, ref, ans = sys.argv[1:4]
funcs, pubs = {}, {}
for row in open(sym, encoding='utf-8', errors='surrogateescape'):
    p = row.rstrip('\r\n').split(' ')
    if p[0] == 'FUNC':
        if p[1] == 'm':
            p = p[1:]
        a, s = int(p[1], 16), int(p[2], 16)
        funcs.setdefault((a, ' '.join(p[4:]) or '<name omitted>'), []).append(s)
    elif p[0] == 'PUBLIC':
        if p[1] == 'm':
            p = p[1:]
        pubs.setdefault(int(p[1], 16), set()).add(' '.join(p[3:]) or '<name omitted>')


def loc(s):
    f, _, line = s.rpartition(':')
    return '??' if f == '??' else s


want = {}
order = []
for row in open(ref, encoding='utf-8', errors='surrogateescape'):
    a, name, where = row.rstrip('\n').split('\t')
    a = int(a, 16)
    if a not in want:
        want[a] = []
        order.append(a)
    want[a].append((name, loc(where)))

frames = json.load(open(ans))['results'][0]['stacks'][0]
bad = 0
if len(frames) != len(order):
    print('%d frames in the answer, %d addresses asked' % (len(frames), len(order)))
    sys.exit(1)
for i, (a, fr) in enumerate(zip(order, frames)):
    got = []
    if int(fr['module_offset'], 16) != a or fr['frame'] != i:
        print('frame %d: module_offset %s, frame %s; expected 0x%x' % (i, fr['module_offset'], fr['frame'], a))
        bad += 1
        continue
    if 'function' not in fr:
        got = [('??', '??')]
    else:
        for inl in fr.get('inlines', []):
            got.append((inl['function'], '%s:%d' % (inl['file'], inl['line']) if 'file' in inl else '??'))
        got.append((fr['function'], '%s:%d' % (fr['file'], fr['line']) if 'file' in fr else '??'))
        start = a - int(fr['function_offset'], 16)
        ok = any(start <= a < start + s for s in funcs.get((start, fr['function']), []))
        ok = ok or fr['function'] in pubs.get(start, ())
        if not ok:
            print('0x%x: function_offset %s names no FUNC or PUBLIC %r at 0x%x' % (a, fr['function_offset'], fr['function'], start))
            bad += 1
    if got != want[a]:
        if bad < 20:
            print('0x%x: expected %r\n        got %r' % (a, want[a], got))
        bad += 1
if bad:
    print('%d of %d addresses differ' % (bad, len(order)))
    sys.exit(1)
print('%d addresses agree' % len(order))
