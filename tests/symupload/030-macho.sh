# symupload with Mach-O inputs: a tree holding a universal binary with its
# universal dSYM bundle, a thin binary with its dSYM, a stripped binary, a
# FAT_MAGIC_64 file and an object file.  Every slice becomes its own
# upload, equal to what dumpsyms --arch writes for it (binary + dSYM, the
# fuller of the two conversions of one key); the dSYM's DWARF files give
# the same keys and are not uploaded twice; the .o is ignored.  With
# --max-memory 0 every conversion is redone before its upload, picking the
# same slice, and the store is the same.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/symserver/server.sh"
SYMUPLOAD=$BUILD/symupload/symupload
FX=$TOP/build/fixtures-macho
"$TOP/tests/fixtures/macho/build.sh" "$FX" > fixtures.txt 2> fixtures.err ||
	fail "cannot build the Mach-O fixtures: $(tail -n 5 fixtures.err)"

mkdir -p in/app in/lib
cp -r "$FX/macho-fat" "$FX/macho-fat.dSYM" in/app/
cp -r "$FX/macho-arm64-O0" "$FX/macho-arm64-O0.dSYM" in/lib/
cp "$FX/macho-x86_64-O2-dw5-util.o" in/lib/util.o
# the expected store: one key per slice, dumpsyms' output for it
for a in x86_64 arm64; do "$DUMPSYMS" --arch $a in/app/macho-fat > want.fat.$a.sym || fail "dumpsyms failed"; done
"$DUMPSYMS" in/lib/macho-arm64-O0 > want.thin.sym || fail "dumpsyms failed"
for w in want.*.sym; do
	grep -q '^FUNC ' "$w" && grep -q '^STACK CFI' "$w" || fail "$w lacks FUNC or CFI records"
	head -n1 "$w" | awk -v w="$w" '{ print $5 "/" $4 " " w }'
done > keys.txt

TOKEN=$(new_token ci) || fail "cannot create a token"
printf '%s\n' "$TOKEN" > token
start_server
check_store() {
	local k w
	while read -r k w; do
		[ "$(status GET "/$k/${k%%/*}.sym")" = 200 ] || fail "$k is not on the server"
		cmp -s body.out "$w" || fail "$k on the server differs from dumpsyms' output"
	done < keys.txt
}
"$SYMUPLOAD" --token-file token --json "$URL" in > s1.json 2> s1.err || fail "upload failed: $(cat s1.err)"
python3 -c "
import json; d = json.load(open('s1.json'))
assert len(d['uploaded']) == 3 and d['failed'] == [], d
" || fail "summary: $(cat s1.json)"
check_store

# --max-memory 0: converted again before the upload, the same slice each time
"$SYMUPLOAD" --token-file token --max-memory 0 --force "$URL" in > s2.out 2> s2.err ||
	fail "upload with --max-memory 0 failed: $(cat s2.err)"
grep -q '^3 uploaded, 0 skipped, 0 failed' s2.out || fail "second run: $(tail -n1 s2.out)"
check_store

# a FAT_MAGIC_64 file given by name: both slices
"$SYMUPLOAD" --token-file token --dry-run --json "$URL" "$FX/macho-fat64" > s3.json 2> s3.err ||
	fail "dry run on macho-fat64 failed: $(cat s3.err)"
python3 -c "
import json; d = json.load(open('s3.json'))
assert len(d['would_upload']) == 2 and d['uploaded'] == [] and d['failed'] == [], d
" || fail "macho-fat64: $(cat s3.json)"
# an object file given by name is refused with the reason
if "$SYMUPLOAD" --token-file token "$URL" in/lib/util.o > s4.out 2> s4.err; then fail "a .o was accepted"; fi
grep -q 'relocatable object' s4.err || fail "no reason for the .o: $(cat s4.err)"
stop_server
echo "3 slices uploaded and checked"
