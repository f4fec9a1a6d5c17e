# Identifiers, computed independently from readelf's view of each fixture:
# the debug id is the first 16 bytes of the GNU build-id in GUID byte order
# (first three fields reversed) plus age 0, upper case; the code id is the
# whole build-id, upper case.  Without a build-id both come from Breakpad's
# hash of .text, which we compare with Breakpad's own output.  The MODULE
# line's architecture and name (the SONAME, else the file name) are checked
# against readelf too.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
need_bp
n=0 nobid=0
for f in "$FIXTURES"/*; do
	[ -f "$f" ] || continue
	b=$(basename "$f")
	run_dumpsyms -i "$f" > "$b.sym" || fail "dumpsyms -i failed on $b"
	read -r _ os arch id name < "$b.sym"
	# os, arch and name from the ELF header and dynamic section
	case "$(readelf -h "$f" | awk -F': *' '/Machine:/ { print $2 }')" in
	*X86-64*) want_arch=x86_64 ;;
	*80386*) want_arch=x86 ;;
	AArch64) want_arch=arm64 ;;
	ARM) want_arch=arm ;;
	*) fail "$b: unexpected machine" ;;
	esac
	soname=$(readelf -dW "$f" | sed -n 's/.*(SONAME).*\[\(.*\)\]$/\1/p')
	want_name=${soname:-$b}
	[ "$os $arch $name" = "Linux $want_arch $want_name" ] ||
		fail "$b: MODULE line '$(head -n 1 "$b.sym")', want Linux $want_arch ... $want_name"
	code=$(awk '/^INFO CODE_ID/ { print $3 }' "$b.sym")
	bid=$(readelf -n "$f" | awk '/Build ID/ { print toupper($3) }')
	if [ -n "$bid" ]; then
		g=$(printf '%-32s' "${bid:0:32}" | tr ' ' 0)
		want=${g:6:2}${g:4:2}${g:2:2}${g:0:2}${g:10:2}${g:8:2}${g:14:2}${g:12:2}${g:16:16}0
		[ "$id" = "$want" ] || fail "$b: debug id $id, want $want (build-id $bid)"
		[ "$code" = "$bid" ] || fail "$b: code id $code, want $bid"
	else
		"$BP/dump_syms" -i "$f" > "$b.bp" 2>/dev/null || fail "Breakpad failed on $b"
		compare "$b.bp" "$b.sym" "$b ids without a build-id"
		[[ $id =~ ^[0-9A-F]{32}0$ ]] || fail "$b: debug id '$id' is not 32 upper-case hex digits and age 0"
		nobid=$((nobid + 1))
	fi
	n=$((n + 1))
done
[ $n -ge 20 ] || fail "only $n fixtures"
[ $nobid -ge 1 ] || fail "no fixture without a build-id: the .text hash was not checked"
# a short build-id (lld --build-id=fast, 8 bytes) is zero-padded
printf 'int main(void) { return 0; }\n' > s.c
clang -fuse-ld=lld -Wl,--build-id=fast -o short s.c || fail "cannot link with lld"
bid=$(readelf -n short | awk '/Build ID/ { print toupper($3) }')
[ ${#bid} -eq 16 ] || fail "lld made a ${#bid}-digit build-id"
run_dumpsyms -i short > short.sym
want=${bid:6:2}${bid:4:2}${bid:2:2}${bid:0:2}${bid:10:2}${bid:8:2}${bid:14:2}${bid:12:2}00000000000000000
grep -q "^MODULE Linux x86_64 $want short$" short.sym || fail "short build-id: $(head -n1 short.sym), want id $want"
grep -q "^INFO CODE_ID $bid$" short.sym || fail "short build-id code id: $(sed -n 2p short.sym)"
