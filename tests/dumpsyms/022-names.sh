# Function names in scopes DWARF leaves unnamed: tests/fixtures/names-scopes/
# scopes.cc, built with gcc and clang, -O0 and -O2, DWARF 4 and 5.
#
# Each "// EXPECT-FUNC: NAME" (gcc) or "// EXPECT-FUNC-CLANG: NAME" line of
# the source must be the exact name of a FUNC record of dumpsyms -d -m, and
# each EXPECT-INLINE(-CLANG) line that of an INLINE_ORIGIN record: unnamed
# namespaces are "(anonymous namespace)", unnamed classes, structs and
# unions "(anonymous class|struct|union)", a lambda's closure "(lambda)",
# with every scope around them kept; a name demangled from a linkage name
# (clang writes one on every function) is left as it is.  The longer names
# mark no more FUNCs 'm' than Breakpad's names do (a symbol's demangled
# name spells a lambda "{lambda(int)#1}", not "(lambda)": it is the same
# function all the same).
#
# With --breakpad-names, the FUNC names must be Breakpad's again: the set
# of FUNC names equals that of Breakpad's dump_syms -d on the same file,
# and each expected name appears as Breakpad spells it (gcc: what follows
# the last "(anonymous ...)::" or "(lambda)::", the scopes before it are
# lost; clang: unchanged).
# Breakpad reads the same copy of each binary with an empty .debug_addr
# section added (see 010-parity.sh: it cannot read gcc's DWARF 5 range
# lists without one).
. "${TOP:?run tests through tests/run}/tests/lib.sh"
need_bp
src=$TOP/tests/fixtures/names-scopes/scopes.cc
[ -f "$src" ] || fail "no fixture source at $src"
for t in g++ clang++; do
	command -v $t > /dev/null || fail "$t is required (Debian packages g++, clang)"
done

# expected TAG: the names of the EXPECT lines TAG (FUNC, INLINE,
# FUNC-CLANG, INLINE-CLANG), sorted
expected() {
	sed -n "s|^[[:space:]]*// EXPECT-$1: \(.*\)\$|\1|p" "$src" | LC_ALL=C sort -u
}
# Breakpad's spelling of a name: what follows the last unnamed scope
bp_spelling() {
	sed -E 's/^.*\((anonymous (namespace|class|struct|union)|lambda)\)::(.)/\3/'
}
# records KIND FILE: the names of FUNC or INLINE_ORIGIN records, sorted
records() {
	case $1 in
	FUNC) sed -nE 's/^FUNC (m )?[0-9a-f]+ [0-9a-f]+ [0-9a-f]+ //p' "$2" ;;
	INLINE) sed -nE 's/^INLINE_ORIGIN [0-9]+ //p' "$2" ;;
	esac | LC_ALL=C sort -u
}

for k in FUNC INLINE FUNC-CLANG INLINE-CLANG; do
	[ -n "$(expected $k)" ] || fail "scopes.cc has no EXPECT-$k lines"
done

failed=0 n=0
for cc in gcc clang; do
	case $cc in gcc) cxx=g++ sfx= ;; clang) cxx=clang++ sfx=-CLANG ;; esac
	for opt in O0 O2; do
		for dw in 4 5; do
			v=$cc-$opt-dw$dw
			$cxx -g -gdwarf-$dw -$opt -o scopes-$v "$src" || fail "$cxx -$opt -gdwarf-$dw failed"
			run_dumpsyms -d -m scopes-$v > $v.sym || fail "dumpsyms -d -m failed on scopes-$v"
			for k in FUNC INLINE; do
				records $k $v.sym > $v.$k.names
				expected $k$sfx > $v.$k.want
				if missing=$(LC_ALL=C comm -23 $v.$k.want $v.$k.names) && [ -n "$missing" ]; then
					echo "== $v: no $k record named:" >&2
					sed 's/^/     /' <<< "$missing" >&2
					echo "   its $k names are:" >&2
					sed 's/^/     /' $v.$k.names >&2
					failed=$((failed + 1))
				fi
				n=$((n + 1))
			done

			# --breakpad-names: Breakpad's FUNC names
			run_dumpsyms -d -m --breakpad-names scopes-$v > $v.bpn.sym ||
				fail "dumpsyms -d -m --breakpad-names failed on scopes-$v"
			if ! cmp -s <(grep '^FUNC m ' $v.bpn.sym | cut -d' ' -f3) <(grep '^FUNC m ' $v.sym | cut -d' ' -f3); then
				echo "== $v: other FUNCs are 'm' than with --breakpad-names:" >&2
				grep '^FUNC m ' $v.sym >&2
				failed=$((failed + 1))
			fi
			objcopy --add-section .debug_addr=/dev/null scopes-$v scopes-$v.bp 2> /dev/null ||
				cp scopes-$v scopes-$v.bp
			"$BP/dump_syms" -d -m scopes-$v.bp > $v.bp.sym 2> /dev/null ||
				fail "Breakpad's dump_syms failed on scopes-$v"
			records FUNC $v.bp.sym > $v.bp.names
			[ -s $v.bp.names ] || fail "Breakpad wrote no FUNC for scopes-$v"
			records FUNC $v.bpn.sym > $v.bpn.names
			if ! cmp -s $v.bp.names $v.bpn.names; then
				echo "== $v --breakpad-names: FUNC names differ from Breakpad's ('-' Breakpad, '+' ours)" >&2
				diff $v.bp.names $v.bpn.names | grep '^[<>]' | sed 's/^</  -/; s/^>/  +/' >&2
				failed=$((failed + 1))
			fi
			# clang's names come from linkage names: Breakpad's too
			if [ $cc = gcc ]; then
				bp_spelling < $v.FUNC.want | LC_ALL=C sort -u > $v.bpn.want
			else
				cp $v.FUNC.want $v.bpn.want
			fi
			if missing=$(LC_ALL=C comm -23 $v.bpn.want $v.bpn.names) && [ -n "$missing" ]; then
				echo "== $v --breakpad-names: no FUNC named:" >&2
				sed 's/^/     /' <<< "$missing" >&2
				failed=$((failed + 1))
			fi
			n=$((n + 3))
		done
	done
done
# the gcc builds are what the option changes: it must change them
cmp -s gcc-O2-dw5.FUNC.names gcc-O2-dw5.bpn.names &&
	fail "--breakpad-names changes nothing on the gcc build: the test would not see it ignored"

# symupload converts as dumpsyms does, with --breakpad-names too: the body
# it uploads (stub-server.py logs its SHA-256) is dumpsyms' output
mkdir stub
python3 "$TOP/tests/symupload/stub-server.py" "$T/stub" 2> stub.err &
stub=$!
trap 'kill $stub 2> /dev/null' EXIT
for i in $(seq 1 100); do [ -f stub/port ] && break; sleep 0.05; done
[ -f stub/port ] || fail "the stub server did not start: $(cat stub.err)"
for names in "" --breakpad-names; do
	: > stub/requests
	SYMUPLOAD_TOKEN=good "$SYMUPLOAD" $names http://127.0.0.1:$(cat stub/port) scopes-gcc-O2-dw5 \
		> up.out 2> up.err || fail "symupload $names failed: $(cat up.err)"
	run_dumpsyms $names scopes-gcc-O2-dw5 > up.sym || fail "dumpsyms $names failed"
	want=$(sha256sum < up.sym | cut -d' ' -f1)
	grep " PUT .* sha=$want\$" stub/requests > /dev/null ||
		fail "symupload ${names:-without --breakpad-names} uploaded other names than dumpsyms writes: $(cat stub/requests)"
	n=$((n + 1))
done
[ $failed -eq 0 ] || fail "$failed of $n checks failed: see above"
echo "$n checks on 8 builds: names as expected, and Breakpad's with --breakpad-names (symupload too)"
