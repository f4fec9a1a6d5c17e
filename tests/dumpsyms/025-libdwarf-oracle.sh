# Completeness against an independent reader: every function libdwarf
# finds (DW_TAG_subprogram with low/high pc, tests/tools/dwarf-funcs) must
# be a FUNC record of ours with the same start and size (or share its
# start with another FUNC: folded code keeps one name).
. "${TOP:?run tests through tests/run}/tests/lib.sh"
ORACLE=$BUILD/tests/tools/dwarf-funcs
n=0
for f in "$FIXTURES"/*; do
	[ -f "$f" ] || continue
	readelf -S "$f" 2>/dev/null | grep -q '\.debug_info' || continue
	b=$(basename "$f")
	load=$(readelf -lW "$f" | awk '$1 == "LOAD" { print $3; exit }')
	load=$((load))
	"$ORACLE" "$f" > "$b.oracle" || fail "libdwarf cannot read $b"
	run_dumpsyms -c "$f" > "$b.sym" || fail "dumpsyms failed on $b"
	awk '/^FUNC / { a = ($2 == "m") ? $3 : $2; s = ($2 == "m") ? $4 : $3; print a, s }' "$b.sym" | sort -u > "$b.funcs"
	awk '{ print $1 }' "$b.funcs" | sort -u > "$b.starts"
	missing=0
	while read -r lo hi; do
		[ "$lo" = 0 ] && continue
		a=$(printf '%x' $((16#$lo - load)))
		s=$(printf '%x' $((16#$hi - 16#$lo)))
		if ! grep -qx "$a $s" "$b.funcs" && ! grep -qx "$a" "$b.starts"; then
			echo "$b: libdwarf function at 0x$lo size 0x$s has no FUNC" >&2
			missing=$((missing + 1))
		fi
	done < <(sort -u "$b.oracle")
	[ $missing -eq 0 ] || fail "$b: $missing functions missing"
	[ -s "$b.oracle" ] && n=$((n + 1))
done
[ $n -gt 0 ] || fail "no fixture with functions to check"
echo "checked $n fixtures"
