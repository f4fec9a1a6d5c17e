# Parity with Breakpad's dump_syms: for every fixture, our records (MODULE,
# INFO, FILE, FUNC, line, PUBLIC, STACK CFI, and with -d INLINE and
# INLINE_ORIGIN) equal Breakpad's, except the classes allowed, with reasons,
# in parity-allow.txt. MODULE and INFO lines must be byte-identical, and so
# must the -i output.
# Both tools read the same copy of each fixture with an empty .debug_addr
# section added: Breakpad's dump_syms refuses DWARF 5 range lists without
# one (gcc writes none) and would silently drop every function with
# DW_AT_ranges; with it, Breakpad reads them and the comparison is fair.
. "$TOP/tests/lib.sh"
need_bp
CMP="python3 $TOP/tests/tools/symcompare.py"
ALLOW=$TOP/tests/dumpsyms/parity-allow.txt
n=0 failed=0
for f in "$FIXTURES"/*; do
	[ -f "$f" ] || continue
	b=$(basename "$f")
	objcopy --add-section .debug_addr=/dev/null "$f" "$b" 2>/dev/null || cp "$f" "$b"
	"$BP/dump_syms" -i "$b" > "$b.bp.i" 2>/dev/null || fail "Breakpad failed on $b"
	run_dumpsyms -i "$b" > "$b.ours.i" || fail "dumpsyms -i failed on $b"
	cmp -s "$b.bp.i" "$b.ours.i" || { diff -u "$b.bp.i" "$b.ours.i" >&2; fail "$b: -i output differs"; }
	for mode in full inlines; do
		opt=
		[ $mode = inlines ] && opt=-d
		"$BP/dump_syms" $opt "$b" > "$b.bp.$mode" 2>/dev/null || fail "Breakpad failed on $b"
		run_dumpsyms $opt "$b" > "$b.ours.$mode" || fail "dumpsyms $opt failed on $b"
		head -n 2 "$b.bp.$mode" | cmp -s - <(head -n 2 "$b.ours.$mode") || fail "$b: MODULE/INFO differ"
		if ! $CMP "$b.bp.$mode" "$b.ours.$mode" "$ALLOW" > "$b.$mode.cmp"; then
			echo "== $b ($mode)" >&2
			cat "$b.$mode.cmp" >&2
			failed=$((failed + 1))
		else
			grep allowed "$b.$mode.cmp" | sed "s/^/$b $mode: /"
		fi
		n=$((n + 1))
	done
done
[ $n -ge 40 ] || fail "only $n comparisons: fixtures missing?"
[ $failed -eq 0 ] || fail "$failed of $n comparisons have unexplained differences"
echo "$n comparisons, all records equal but for the allowed classes"
