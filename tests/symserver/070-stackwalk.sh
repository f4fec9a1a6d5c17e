# A processor end to end: Breakpad's minidump_stackwalk walks real
# minidumps with .sym files fetched from the server exactly as a
# processor's HTTP symbol supplier fetches them (one GET per module of the
# dump, by debug_file and debug_id, misses included), and its output equals
# the walk with the files read from disk.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/symserver/server.sh"
need_bp
TD=$TESTDATA/breakpad/processor
[ -d "$TD" ] || fail "the shared Breakpad test data is missing at $TD"

TOKEN=$(new_token ci) || fail "cannot create a token"
start_server --quiet
mkdir -p disk
cp -r "$TD/symbols/test_app.pdb" "$TD/symbols/kernel32.pdb" disk/
mkdir -p disk/linux_inline/BBA6FA10B8AAB33D00000000000000000
cp "$TD/symbols/linux_inline/BBA6FA10B8AAB33D00000000000000000/linux_inline.new.sym" \
	disk/linux_inline/BBA6FA10B8AAB33D00000000000000000/linux_inline.sym
# upload through Breakpad's v1 form, as sym_upload would
find disk -name '*.sym' | while read -r f; do
	code=$(curl -s -o up.out -w '%{http_code}' -H "Authorization: Bearer $TOKEN" -F "symbol_file=@$f" "$URL/upload")
	[ "$code" = 200 ] || { echo "upload of $f: $code $(cat up.out)"; exit 1; }
done || fail "uploads failed"

for dump in minidump2.dmp linux_inline.dmp; do
	"$BP/minidump_stackwalk" "$TD/$dump" disk > disk.$dump.txt 2>/dev/null || fail "stackwalk on disk symbols failed for $dump"
	rm -rf http && mkdir http
	hits=0 misses=0
	while IFS='|' read -r _ code_file _ debug_file debug_id _; do
		[ -n "$debug_file" ] && [ -n "$debug_id" ] || continue
		case $debug_file in *.pdb|*.PDB) sym=${debug_file%.*}.sym ;; *) sym=$debug_file.sym ;; esac
		mkdir -p "http/$debug_file/$debug_id"
		code=$(curl -s --compressed -o "http/$debug_file/$debug_id/$sym" -w '%{http_code}' \
			"$URL/$debug_file/$debug_id/$sym?code_file=$code_file")
		case $code in
		200) hits=$((hits + 1)) ;;
		404) misses=$((misses + 1)); rm -f "http/$debug_file/$debug_id/$sym" ;;
		*) fail "GET $debug_file/$debug_id: $code" ;;
		esac
	done < <("$BP/minidump_stackwalk" -m "$TD/$dump" 2>/dev/null | grep '^Module|')
	[ $hits -ge 1 ] || fail "$dump: no module was found on the server"
	"$BP/minidump_stackwalk" "$TD/$dump" http > http.$dump.txt 2>/dev/null || fail "stackwalk on served symbols failed for $dump"
	compare disk.$dump.txt http.$dump.txt "$dump stack walk"
	echo "$dump: $hits modules served, $misses misses; identical stack walk"
done
grep -q 'test_app.exe!main \[test_app.cc : 65' disk.minidump2.dmp.txt || fail "the reference walk lacks symbols (test data changed?)"
grep -q 'linux_inline!foo() \[b.cpp : 39' http.linux_inline.dmp.txt || fail "the served walk lacks the inline frames"
exit 0
