# Parity with Breakpad's dump_syms on every fixture.
#
#  -i        the output is byte-identical (MODULE and INFO only);
#  -c, full (with STACK CFI), -d (with INLINE / INLINE_ORIGIN):
#            MODULE and INFO lines are byte-identical, and the records are
#            equal as sets (tests/tools/symcompare.py: FILE and
#            INLINE_ORIGIN ids replaced by what they name, every line and
#            INLINE record keyed by its FUNC, STACK CFI rows by their INIT),
#            but for the difference classes tests/dumpsyms/parity-allow.txt
#            allows, each with the reason ours is the more correct.  Any
#            other difference fails the test, with the records printed.
#
# inline-multirange, when allowed, is held to what its reason says: per
# function and inline (nesting level, call site, origin), our ranges
# together cover exactly the non-empty ranges Breakpad writes.
#
# Both tools read the same copy of each fixture with an empty .debug_addr
# section added where objcopy can add one: Breakpad's dump_syms cannot
# read gcc's DWARF 5 range lists (DW_FORM_rnglistx / DW_RLE_*) without a
# .debug_addr section (gcc writes none), and drops every function and
# inline with DW_AT_ranges.  The copy is only fair if the section changes
# nothing for us, so our output for the copy must be byte-identical to our
# output for the original.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
need_bp
command -v python3 > /dev/null || fail "python3 is required (Debian package python3)"
CMP=$TOP/tests/tools/symcompare.py
ALLOW=$TOP/tests/dumpsyms/parity-allow.txt
[ -f "$ALLOW" ] || fail "no allow-list at $ALLOW"

# Every allow-list entry names one class and gives a reason.
while read -r cls reason; do
	case $cls in '' | '#'*) continue ;; esac
	grep -q "^  $cls " "$CMP" || fail "parity-allow.txt: '$cls' is not a class of symcompare.py"
	[ "$(wc -w <<< "$reason")" -ge 5 ] || fail "parity-allow.txt: '$cls' has no written reason"
done < "$ALLOW"

cat > multirange.py <<'PY'
# multirange.py BREAKPAD.sym OURS.sym: for functions with several FUNC
# ranges, the union of each inline's non-empty ranges must be equal.
import collections, sys

def load(path):
    files, origins = {}, {}
    nranges = collections.Counter()
    inl = collections.defaultdict(set)
    cur = None
    for raw in open(path, encoding='utf-8', errors='replace'):
        p = raw.rstrip('\n').split(' ')
        if p[0] == 'FILE':
            files[p[1]] = ' '.join(p[2:])
        elif p[0] == 'INLINE_ORIGIN':
            origins[p[1]] = ' '.join(p[2:])
        elif p[0] == 'FUNC':
            if p[1] == 'm':
                p.pop(1)
            cur = ' '.join(p[4:])
            nranges[cur] += 1
        elif p[0] == 'INLINE':
            key = (cur, int(p[1]), int(p[2]), files.get(p[3], p[3]), origins.get(p[4], p[4]))
            for k in range(5, len(p) - 1, 2):
                a, s = int(p[k], 16), int(p[k + 1], 16)
                if s:
                    inl[key].add((a, a + s))
        elif p[0] in ('PUBLIC', 'STACK'):
            cur = None
    return nranges, inl

def merged(ranges):
    out = []
    for a, e in sorted(ranges):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([a, e])
    return out

_, bp = load(sys.argv[1])
nranges, ours = load(sys.argv[2])
bad = 0
for key in sorted(set(bp) | set(ours), key=repr):
    if nranges[key[0]] < 2:
        continue
    b, o = merged(bp.get(key, ())), merged(ours.get(key, ()))
    if b != o:
        bad += 1
        if bad <= 10:
            print('inline %r: Breakpad covers %s, ours %s' % (key, b, o))
sys.exit(1 if bad else 0)
PY

n=0 failed=0
: > classes.txt
for f in "$FIXTURES"/*; do
	[ -f "$f" ] || continue
	b=$(basename "$f")
	patched=0
	if objcopy --add-section .debug_addr=/dev/null "$f" "$b" 2> /dev/null; then
		patched=1
	else
		# clang's DWARF 5 has the section already; binutils here cannot
		# write arm and arm64 files (and those need no patch)
		rm -f "$b"
		cp "$f" "$b"
	fi

	"$BP/dump_syms" -i "$b" > "$b.bp.i" 2> /dev/null || fail "Breakpad's dump_syms -i failed on $b"
	run_dumpsyms -i "$b" > "$b.ours.i" || fail "dumpsyms -i failed on $b"
	[ -s "$b.bp.i" ] || fail "Breakpad wrote nothing for $b"
	if ! cmp -s "$b.bp.i" "$b.ours.i"; then
		diff -u "$b.bp.i" "$b.ours.i" >&2
		echo "== $b (-i): output differs" >&2
		failed=$((failed + 1))
	fi
	n=$((n + 1))

	for mode in nocfi full inlines; do
		case $mode in nocfi) opt=-c ;; full) opt= ;; inlines) opt=-d ;; esac
		"$BP/dump_syms" $opt "$b" > "$b.bp.$mode" 2> /dev/null || fail "Breakpad's dump_syms $opt failed on $b"
		run_dumpsyms $opt "$b" > "$b.ours.$mode" || fail "dumpsyms $opt failed on $b"
		grep -q '^FUNC ' "$b.bp.$mode" || fail "Breakpad wrote no FUNC for $b: the comparison would be empty"
		if [ $patched = 1 ]; then
			run_dumpsyms $opt "$f" > "$b.orig.$mode" || fail "dumpsyms $opt failed on $f"
			cmp -s "$b.orig.$mode" "$b.ours.$mode" ||
				fail "$b $opt: our output changes when an empty .debug_addr is added"
		fi
		if ! cmp -s <(grep -E '^(MODULE|INFO) ' "$b.bp.$mode") <(grep -E '^(MODULE|INFO) ' "$b.ours.$mode"); then
			diff -u <(grep -E '^(MODULE|INFO) ' "$b.bp.$mode") <(grep -E '^(MODULE|INFO) ' "$b.ours.$mode") >&2
			echo "== $b ($opt): MODULE/INFO differ" >&2
			failed=$((failed + 1))
		fi
		if ! python3 "$CMP" "$b.bp.$mode" "$b.ours.$mode" "$ALLOW" > "$b.$mode.cmp"; then
			echo "== $b ($mode${opt:+, $opt}): differences, '-' Breakpad only, '+' ours only" >&2
			cat "$b.$mode.cmp" >&2
			failed=$((failed + 1))
		elif grep -q '^allowed inline-multirange' "$b.$mode.cmp" &&
		     ! python3 multirange.py "$b.bp.$mode" "$b.ours.$mode" > "$b.$mode.mr"; then
			echo "== $b ($mode${opt:+, $opt}): inline-multirange, but the inlines do not cover the same code" >&2
			cat "$b.$mode.mr" >&2
			failed=$((failed + 1))
		fi
		sed -n "s/^allowed \([a-z-]*\): \([0-9]*\) records/\1 $b $mode \2/p" "$b.$mode.cmp" >> classes.txt
		n=$((n + 1))
	done
done
# every fixture file (the Windows fixtures are a folder beside them)
want=0
for f in "$FIXTURES"/*; do [ -f "$f" ] && want=$((want + 4)); done
[ $n -eq "$want" ] && [ $n -ge 120 ] || fail "only $n comparisons of $want: fixtures missing?"

# what the allow-list was needed for, per class
if [ -s classes.txt ]; then
	echo "allowed differences (class: fixture mode records):"
	sort classes.txt | awk '{ printf "  %s: %s %s %s\n", $1, $2, $3, $4 }'
fi
while read -r cls _; do
	case $cls in '' | '#'*) continue ;; esac
	grep -q "^$cls " classes.txt || echo "note: allow-list class '$cls' was not needed by any fixture"
done < "$ALLOW"
[ $failed -eq 0 ] || fail "$failed of $n comparisons have unexplained differences"
echo "$n comparisons, all equal but for the allowed classes"
