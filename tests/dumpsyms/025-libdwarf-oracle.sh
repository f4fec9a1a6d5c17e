# Completeness against an independent reader: every function range
# libdwarf finds (DW_TAG_subprogram with low/high pc, and every range of
# one with DW_AT_ranges: tests/tools/dwarf-funcs) must be a FUNC record of
# ours with the same start and size.  The one exception: a range whose
# start is the start of a FUNC of another size, when libdwarf itself
# lists a range of that size there too (identical or folded code at one
# address keeps one function).
. "${TOP:?run tests through tests/run}/tests/lib.sh"
ORACLE=$BUILD/tests/tools/dwarf-funcs
n=0
for f in "$FIXTURES"/*; do
	[ -f "$f" ] || continue
	readelf -S "$f" 2>/dev/null | grep '\.debug_info' > /dev/null || continue
	b=$(basename "$f")
	load=$(readelf -lW "$f" | awk '$1 == "LOAD" { print $3; exit }')
	load=$((load))
	"$ORACLE" "$f" > "$b.oracle" || fail "libdwarf cannot read $b"
	run_dumpsyms -c "$f" > "$b.sym" || fail "dumpsyms failed on $b"
	awk '/^FUNC / { a = ($2 == "m") ? $3 : $2; s = ($2 == "m") ? $4 : $3; print a, s }' "$b.sym" | sort -u > "$b.funcs"
	# ranges at address 0 are the discarded copies of COMDAT functions
	awk -v load=$load '$1 != "0" { print $1, $2 }' "$b.oracle" | sort -u | while read -r lo hi; do
		printf '%x %x\n' $((16#$lo - load)) $((16#$hi - 16#$lo))
	done > "$b.want" || fail "$b: bad oracle output"
	# another size at a start passes only when libdwarf has that size too
	awk 'NR == FNR { have[$1 " " $2] = 1; sizes[$1] = sizes[$1] " " $2; next }
	     { want[$1 " " $2] = 1; w[++n] = $0 }
	     END {
		for (i = 1; i <= n; i++) {
			if (w[i] in have) continue
			split(w[i], p, " "); k = split(sizes[p[1]], s, " "); ok = 0
			for (j = 1; j <= k; j++) if ((p[1] " " s[j]) in want) ok = 1
			if (!ok) print w[i]
		}
	     }' "$b.funcs" "$b.want" > "$b.missing" || fail "awk failed"
	missing=$(wc -l < "$b.missing")
	sed "s/^\([0-9a-f]*\) \([0-9a-f]*\)\$/$b: libdwarf has a function at 0x\1 of size 0x\2, we have no FUNC of that size/" "$b.missing" >&2
	[ $missing -eq 0 ] || fail "$b: $missing functions missing"
	[ -s "$b.oracle" ] && n=$((n + 1))
done
[ $n -gt 0 ] || fail "no fixture with functions to check"
echo "checked $n fixtures"
