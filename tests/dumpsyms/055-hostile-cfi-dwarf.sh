# Hostile call-frame and DWARF data, aimed at the readers rather than at
# the file as a whole: entry lengths past the section, CIE pointers outside
# it, absurd register numbers, DWARF references that point at themselves or
# in a cycle, and seeded random damage confined to .eh_frame, .debug_frame,
# .debug_info, .debug_line and .debug_abbrev.  Each run must end with exit
# 0 or 1, a message when it fails, no sanitizer report, and no hang.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
cat > h.c <<'SRC'
struct node { struct node *next; int v; };
static int walk(struct node *n) { int s = 0; while (n) { s += n->v; n = n->next; } return s; }
int spin(int k) { struct node a = { 0, k }, b = { &a, k + 1 }; return walk(&b) * 3; }
int main(int argc, char **argv) { (void)argv; return spin(argc); }
SRC
gcc -g -O2 -fasynchronous-unwind-tables -o h h.c || fail "cannot compile"
objcopy --add-section .debug_frame=/dev/null h h0 2>/dev/null || cp h h0
gcc -g -O1 -fno-asynchronous-unwind-tables -o hd h.c || fail "cannot compile (debug_frame)"

sect_dec() {
	local r
	r=$(readelf -SW "$1" | sed 's/\[ */[/' | awk -v n="$2" '$2 == n { print $5, $6 }')
	[ -n "$r" ] || return 1
	set -- $r
	echo $((16#$1)) $((16#$2))
}

check() {
	local in=$1 rc
	timeout 60 "$DUMPSYMS" "$in" > out.sym 2> err.txt
	rc=$?
	[ $rc -le 1 ] || { cat err.txt >&2; fail "$in: exit $rc (crash or hang)"; }
	grep -qE "AddressSanitizer|runtime error|LeakSanitizer" err.txt && { cat err.txt >&2; fail "$in: sanitizer report"; }
	[ $rc -eq 0 ] || grep -q '^dumpsyms: ' err.txt || fail "$in: failed without a message"
	# whatever is written must still be a file processors accept
	if [ $rc -eq 0 ]; then
		head -n1 out.sym | grep -q '^MODULE ' || fail "$in: output without MODULE"
		grep -vqE '^(MODULE|INFO|FILE|INLINE_ORIGIN|FUNC|INLINE|PUBLIC|STACK CFI INIT|STACK CFI) |^[0-9a-f]+ [0-9a-f]+ [0-9]+ [0-9]+$' out.sym &&
			{ grep -vE '^(MODULE|INFO|FILE|INLINE_ORIGIN|FUNC|INLINE|PUBLIC|STACK CFI INIT|STACK CFI) |^[0-9a-f]+ [0-9a-f]+ [0-9]+ [0-9]+$' out.sym | head -3 >&2
			  fail "$in: a malformed record was written"; }
	fi
	return 0
}

read -r eh ehsz < <(sect_dec h .eh_frame) || fail "no .eh_frame"
read -r df dfsz < <(sect_dec hd .debug_frame) || fail "no .debug_frame"
read -r di disz < <(sect_dec h .debug_info) || fail "no .debug_info"
# targeted: the first CIE's length past the section; a huge 64-bit length
corrupt h c1 set $eh ffffff7f; check c1
corrupt h c2 set $eh ffffffffffffffffffffff7f; check c2
corrupt hd c3 set $df ffffff7f; check c3
# an FDE whose CIE pointer leaves the section: the second entry's id field
len=$(od -An -t u4 -j $eh -N 4 h | tr -d ' ')
corrupt h c4 set $((eh + len + 8)) ffffff7f; check c4
# absurd register numbers and offsets in the CIE's initial instructions:
# DW_CFA_offset_extended (0x05) reg 2^32, DW_CFA_def_cfa (0x0c) reg 2^35
corrupt h c5 set $((eh + 16)) 0580808080100c8080808080010808; check c5
# DWARF references to themselves and in cycles: overwrite ref4 fields of
# the first DIEs with their own offsets
for k in 12 16 20 24 28 32 40 48; do
	corrupt h r$k set $((di + k)) 0b000000; check r$k
done
# seeded random damage inside each reader's sections, 150 variants each
for s in .eh_frame .debug_info .debug_line .debug_abbrev; do
	read -r o z < <(sect_dec h $s) || continue
	for seed in $(seq 1 150); do
		corrupt h f "fliprange" $seed 6 $o $z
		check f
	done
done
for seed in $(seq 1 150); do
	corrupt hd f fliprange $seed 6 $df $dfsz
	check f
done
exit 0
