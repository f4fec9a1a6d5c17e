# Parity with Breakpad's dump_syms on every fixture.  All modes but the
# last run dumpsyms with --breakpad-names (names spelled as Breakpad's):
#
#  -i        the output is byte-identical (MODULE and INFO only);
#  -c, full (with STACK CFI), -d (with INLINE / INLINE_ORIGIN), -d -m
#  (with the 'm' marker):
#            MODULE and INFO lines are byte-identical, and the records are
#            equal function by function (tests/tools/symcompare.py: FILE
#            and INLINE_ORIGIN ids replaced by what they name; each FUNC
#            with its 'm' marker, its line records and its INLINE records
#            in file order, so each INLINE sits under the same FUNC range;
#            PUBLIC with its 'm'; STACK CFI rows by their INIT), but for
#            the difference classes tests/dumpsyms/parity-allow.txt allows,
#            each with the reason ours is the more correct.  Any other
#            difference fails the test, with the records printed;
#  names     -d -m without --breakpad-names, against Breakpad's -d -m:
#            the same comparison, where class scope-qualified absorbs
#            the FUNC and INLINE records whose names differ from
#            Breakpad's only by the unnamed scopes ours keep (Breakpad's
#            name is what follows our last "(anonymous ...)::" or
#            "(lambda)::"); every other class must absorb exactly what it
#            absorbed in the -d -m mode, and scope-qualified nothing in
#            the modes with --breakpad-names.
#
# Each class is narrowed in symcompare.py to the records its reason covers;
# the records it absorbed are counted per class over the whole run, and
# the test fails when a count passes the bound parity-allow.txt records.
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
while read -r cls bound reason; do
	case $cls in '' | '#'*) continue ;; esac
	grep -q "^  $cls " "$CMP" || fail "parity-allow.txt: '$cls' is not a class of symcompare.py"
	[[ $bound =~ ^[0-9]+$ ]] || fail "parity-allow.txt: '$cls' has no bound (CLASS BOUND REASON)"
	[ "$(wc -w <<< "$reason")" -ge 5 ] || fail "parity-allow.txt: '$cls' has no written reason"
done < "$ALLOW"

# one-symbol.py ELF: the addresses (hex, from the first LOAD segment) where
# the ELF symbol tables name one FUNC symbol only (class m-one-symbol)
cat > one-symbol.py <<'PY'
import collections, subprocess, sys
def readelf(*args):
    r = subprocess.run(['readelf'] + list(args) + [sys.argv[1]], capture_output=True, text=True)
    if r.returncode:
        sys.exit('readelf %s failed on %s' % (' '.join(args), sys.argv[1]))
    return r.stdout.splitlines()
load = 0
for l in readelf('-lW'):
    p = l.split()
    if p and p[0] == 'LOAD':
        load = int(p[2], 16)
        break
names = collections.defaultdict(set)
for l in readelf('-sW'):
    p = l.split()
    if len(p) >= 8 and p[0].endswith(':') and p[3] == 'FUNC' and int(p[1], 16):
        names[int(p[1], 16)].add(p[7])
for a in sorted(names):
    if len(names[a]) == 1:
        print('%x' % (a - load))
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
	run_dumpsyms --breakpad-names -i "$b" > "$b.ours.i" || fail "dumpsyms -i failed on $b"
	[ -s "$b.bp.i" ] || fail "Breakpad wrote nothing for $b"
	if ! cmp -s "$b.bp.i" "$b.ours.i"; then
		diff -u "$b.bp.i" "$b.ours.i" >&2
		echo "== $b (-i): output differs" >&2
		failed=$((failed + 1))
	fi
	n=$((n + 1))

	python3 one-symbol.py "$b" > "$b.onesym" || fail "cannot list the symbols of $b"
	for mode in nocfi full inlines multiple names; do
		names=--breakpad-names
		case $mode in
		nocfi) opt=-c ;; full) opt= ;; inlines) opt=-d ;; multiple) opt='-d -m' ;;
		names) opt='-d -m' names= ;;
		esac
		if [ $mode = names ]; then
			cp "$b.bp.multiple" "$b.bp.$mode"
		else
			"$BP/dump_syms" $opt "$b" > "$b.bp.$mode" 2> /dev/null || fail "Breakpad's dump_syms $opt failed on $b"
		fi
		run_dumpsyms $names $opt "$b" > "$b.ours.$mode" || fail "dumpsyms $names $opt failed on $b"
		grep -q '^FUNC ' "$b.bp.$mode" || fail "Breakpad wrote no FUNC for $b: the comparison would be empty"
		if [ $patched = 1 ]; then
			run_dumpsyms $names $opt "$f" > "$b.orig.$mode" || fail "dumpsyms $opt failed on $f"
			cmp -s "$b.orig.$mode" "$b.ours.$mode" ||
				fail "$b $opt: our output changes when an empty .debug_addr is added"
		fi
		if ! cmp -s <(grep -E '^(MODULE|INFO) ' "$b.bp.$mode") <(grep -E '^(MODULE|INFO) ' "$b.ours.$mode"); then
			diff -u <(grep -E '^(MODULE|INFO) ' "$b.bp.$mode") <(grep -E '^(MODULE|INFO) ' "$b.ours.$mode") >&2
			echo "== $b ($opt): MODULE/INFO differ" >&2
			failed=$((failed + 1))
		fi
		if ! python3 "$CMP" "$b.bp.$mode" "$b.ours.$mode" "$ALLOW" "$b.onesym" > "$b.$mode.cmp"; then
			echo "== $b ($mode${opt:+, $opt}): differences, '-' Breakpad only, '+' ours only, '!' both" >&2
			cat "$b.$mode.cmp" >&2
			failed=$((failed + 1))
		fi
		n=$((n + 1))
		if [ $mode = names ]; then
			# the names only: every other class as in -d -m
			if ! cmp -s <(grep '^allowed ' "$b.multiple.cmp") \
				<(grep '^allowed ' "$b.$mode.cmp" | grep -v '^allowed scope-qualified:'); then
				diff <(grep '^allowed ' "$b.multiple.cmp") <(grep '^allowed ' "$b.$mode.cmp") >&2
				echo "== $b (names): classes other than scope-qualified absorb what they did not in -d -m" >&2
				failed=$((failed + 1))
			fi
			sed -n "s/^allowed \(scope-qualified\): \([0-9]*\) records/\1 $b $mode \2/p" \
				"$b.$mode.cmp" >> classes.txt
			continue
		fi
		if grep '^allowed scope-qualified:' "$b.$mode.cmp" >&2; then
			echo "== $b ($mode${opt:+, $opt}): --breakpad-names left unnamed scopes in names" >&2
			failed=$((failed + 1))
		fi
		sed -n "s/^allowed \([a-z-]*\): \([0-9]*\) records/\1 $b $mode \2/p" "$b.$mode.cmp" >> classes.txt
	done
done
# every fixture file (the Windows fixtures are a folder beside them)
want=0
for f in "$FIXTURES"/*; do [ -f "$f" ] && want=$((want + 6)); done
[ $n -eq "$want" ] && [ $n -ge 180 ] || fail "only $n comparisons of $want: fixtures missing?"

# what the allow-list was needed for, per class
if [ -s classes.txt ]; then
	echo "allowed differences (class: fixture mode records):"
	sort classes.txt | awk '{ printf "  %s: %s %s %s\n", $1, $2, $3, $4 }'
fi
# each class is held to its recorded bound
while read -r cls bound _; do
	case $cls in '' | '#'*) continue ;; esac
	total=$(awk -v c="$cls" '$1 == c { s += $4 } END { print s + 0 }' classes.txt)
	echo "class $cls absorbed $total records (bound $bound)"
	if [ "$total" -gt "$bound" ]; then
		echo "== class $cls absorbed $total records, more than its bound $bound in parity-allow.txt" >&2
		failed=$((failed + 1))
	fi
	[ "$total" -gt 0 ] || echo "note: allow-list class '$cls' was not needed by any fixture"
done < "$ALLOW"
[ $failed -eq 0 ] || fail "$failed failures (of $n comparisons and the class bounds): see above"
echo "$n comparisons, all equal but for the allowed classes"
