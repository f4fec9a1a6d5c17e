# Inline frames end to end: a program built with gcc -O2 crashes inside
# always_inline functions two and three calls deep; a minidump of each
# crash (tests/tools/minidump-writer) is walked by Breakpad's
# minidump_stackwalk with the .sym dumpsyms -d wrote.  The walk must print
# the inline frames innermost first, each with its function, file and the
# line of the source written below (the crash, then each call site), and
# then the real function that holds them.  INLINE records written
# children-before-parents, placed under the wrong FUNC range or with wrong
# call lines all change this stack.  The third crash is the same chain
# inside a loop body (two DW_TAG_lexical_block DIEs), whose inline frames
# Breakpad's dump_syms loses.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
need_bp
[ "$(uname -m)" = x86_64 ] || skip "the test minidump writer is x86_64-only"
command -v gcc > /dev/null || fail "gcc is required"

# Line numbers matter: the assertions below name them.
cat > inl.c <<'C'
#include <stdlib.h>
int *volatile sink;

static inline __attribute__((always_inline)) void inner(int v)
{
	sink[v] = v;	/* line 6: the crash (sink is NULL) */
}

static inline __attribute__((always_inline)) void middle(int v)
{
	inner(v + 1);	/* line 11 */
}

static inline __attribute__((always_inline)) void outer(int v)
{
	middle(v * 2);	/* line 16 */
}

__attribute__((noinline)) void two_deep(int v)
{
	middle(v + 3);	/* line 21 */
}

__attribute__((noinline)) void three_deep(int v)
{
	outer(v + 5);	/* line 26 */
}

int main(int argc, char **argv)
{
	void in_loop(int);
	(void)argv;
	if (argc > 2)
		in_loop(argc);
	else if (argc > 1)
		two_deep(argc);
	else
		three_deep(argc);
	return 0;
}

/* the inlined calls sit in a loop body with locals: gcc nests them in two
 * DW_TAG_lexical_block DIEs, which Breakpad's dump_syms skips */
__attribute__((noinline)) void in_loop(int v)
{
	for (int i = 0; i < v; i++) {
		int w = i * 3 + v;
		outer(w);	/* line 48 */
	}
}
C
grep -q 'line 6: the crash' <(sed -n 6p inl.c) && grep -q 'line 48' <(sed -n 48p inl.c) ||
	fail "the source's line numbers moved"
gcc -g -O2 -fomit-frame-pointer -o inl inl.c || fail "cannot build inl"
run_dumpsyms -d --store syms inl > /dev/null || fail "dumpsyms -d inl"
grep -q '^INLINE ' syms/inl/*/inl.sym || fail "dumpsyms -d wrote no INLINE record for inl"

# walk DUMP: the crashed thread's frames, "function [file : line" one a
# line, up to main
walk() {
	"$BP/minidump_stackwalk" "$1" syms > "$1.walk" 2> "$1.err" || fail "minidump_stackwalk failed on $1"
	sed -n '/^Thread [0-9]* (crashed)/,/^$/p' "$1.walk" |
		sed -n 's/^ *[0-9][0-9]*  inl!\([a-z_]*\) \[\(inl\.c\) : \([0-9]*\) .*/\1 \2:\3/p' |
		sed '/^main /q' > "$1.frames"
	sed -n '/^Thread [0-9]* (crashed)/,/^$/p' "$1.walk" | grep -E '^ *[0-9]+  |Found by' | head -n 12 > "$1.thread"
	cat "$1.thread"
}

found() {	# found DUMP FUNCTION HOW: how the walk found FUNCTION's frame
	grep -A1 -E "^ *[0-9]+  inl!$2 " "$1.thread" | grep -q "Found by: $3" ||
		fail "$1: the frame of $2 was not found by $3"
}
# stack NAME WHAT 'FRAME...' ARGS...: crashes ./inl ARGS into NAME.dmp and
# walks it; its first frames must be FRAME... ("function file:line",
# innermost first), the inline ones found by INLINE records, the function
# holding them from the crash context, and the walk must reach main
stack() {
	local name=$1 what=$2 f n
	local -a want
	read -r -a want <<< "$3"
	shift 3
	"$BUILD/tests/tools/minidump-writer" "$name.dmp" ./inl "$@" || fail "no minidump of the $what crash"
	walk "$name.dmp"
	n=$((${#want[@]} / 2))
	for ((f = 0; f < n; f++)); do
		echo "${want[2 * f]} ${want[2 * f + 1]}"
	done > "$name.want"
	head -n "$n" "$name.dmp.frames" > "$name.got"
	compare "$name.want" "$name.got" "the $what inline stack"
	for ((f = 0; f < n - 1; f++)); do
		found "$name.dmp" "${want[2 * f]}" 'inline record'
	done
	found "$name.dmp" "${want[2 * n - 2]}" 'given as instruction pointer'
	grep -q '^main ' "$name.dmp.frames" || fail "the $what walk did not reach main"
}

stack two two-deep 'inner inl.c:6 middle inl.c:11 two_deep inl.c:21' x
stack three three-deep 'inner inl.c:6 middle inl.c:11 outer inl.c:16 three_deep inl.c:26'
# the same three inline frames, called from inside lexical blocks
stack loop loop-body 'inner inl.c:6 middle inl.c:11 outer inl.c:16 in_loop inl.c:48' x y
exit 0
