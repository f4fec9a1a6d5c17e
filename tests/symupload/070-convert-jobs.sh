# symupload converts several inputs at once (--convert-jobs, default one
# per CPU), each on a thread, and takes their results in input order.  The
# inputs: every ELF fixture with
# DWARF, each also zlib-compressed; a binary beside its separate debug
# file (paired by build id); two copies of one build, one stripped (the
# richer is kept, the poorer named); a file that is not a valid binary;
# Windows DLLs with their PDBs; Mach-O binaries with their dSYMs.
# - With --convert-jobs 1, 2, 8 and 8 again (--dry-run --json): the same
#   modules, each with the bytes dumpsyms writes for its input, and the
#   same messages in the same order.
# - With 2 and 8, some conversions were made by a thread other than the
#   first (SYM_TEST_CONVERT_STATS; how many depends on timing, so up to
#   ten runs), with 1 none.
# - Uploaded to a symserver with --convert-jobs 8 and --max-memory 0 (every
#   conversion given back at once, and made again just before its upload):
#   the server holds, for each module, what dumpsyms writes.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/symserver/server.sh"
SYMUPLOAD=$BUILD/symupload/symupload
WX=$FIXTURES/windows
MX=$TOP/build/fixtures-macho
"$TOP/tests/fixtures/windows/build.sh" "$WX" > wfx.txt 2> wfx.err ||
	fail "cannot build the Windows fixtures: $(tail -n 5 wfx.err)"
"$TOP/tests/fixtures/macho/build.sh" "$MX" > mfx.txt 2> mfx.err ||
	fail "cannot build the Mach-O fixtures: $(tail -n 5 mfx.err)"
is_elf() { [ "$(head -c 4 "$1" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; }

mkdir -p tree/elf tree/zlib tree/pair tree/dup/a tree/dup/b tree/bad tree/win tree/mac
n=0
for f in "$FIXTURES"/*; do
	# grep reads to the end: with -q, readelf could die of SIGPIPE (pipefail)
	[ -f "$f" ] && is_elf "$f" && readelf -SW "$f" 2> /dev/null | grep ' \.debug_info ' > /dev/null || continue
	case $f in *.dwo | *.o) continue ;; esac
	readelf -h "$f" 2> /dev/null | grep 'Type: *REL' > /dev/null && continue
	b=$(basename "$f")
	cp "$f" tree/elf/
	# binutils' objcopy knows the host's ELF, llvm-objcopy the others
	objcopy --compress-debug-sections=zlib "$f" "tree/zlib/$b.z" 2> /dev/null ||
		llvm-objcopy --compress-debug-sections=zlib "$f" "tree/zlib/$b.z" || fail "objcopy $b"
	n=$((n + 1))
done
[ $n -ge 20 ] || fail "only $n ELF fixtures with DWARF"
hello_prog
objcopy --only-keep-debug hello tree/pair/hello.dbg && objcopy --strip-debug hello tree/pair/hello ||
	fail "objcopy (pair)"
small_prog
cp prog tree/dup/a/prog && objcopy --strip-debug prog tree/dup/b/prog || fail "objcopy (dup)"
# an ELF header and nothing after it: found as a binary, cannot be converted
head -c 64 hello > tree/bad/cut
for a in x86_64 x86 arm64; do cp "$WX/win-$a-O2.dll" "$WX/win-$a-O2.pdb" tree/win/; done
cp "$WX/win-x86_64-O0.pdb" tree/win/
for m in macho-x86_64-O2 macho-arm64-O0 libmacho-x86_64-O2.dylib; do cp -r "$MX/$m" "$MX/$m.dSYM" tree/mac/; done
cp -r "$MX/macho-fat" "$MX/macho-fat.dSYM" tree/mac/

dry() {	# dry N: --dry-run --json with --convert-jobs N into dry.N.json, dry.N.err
	SYM_TEST_CONVERT_STATS=1 "$SYMUPLOAD" --dry-run --json --convert-jobs "$1" http://127.0.0.1:1 tree \
		> "dry.$1.json" 2> "dry.$1.err"
}
dry 1
[ $? = 3 ] || fail "--convert-jobs 1: not exit 3 (the file that cannot be converted): $(cat dry.1.err)"
grep -q '^symupload: tree/bad/cut: cannot convert' dry.1.err || fail "the cut file is not named: $(cat dry.1.err)"
grep -q '^symupload: stats: .* 0 made by another thread, 0 given back to be made again$' dry.1.err ||
	fail "--convert-jobs 1: $(grep stats dry.1.err)"
grep -v '^symupload: stats: ' dry.1.err > msgs.1
for j in 2 8 8b; do
	runs=0 other=0
	while [ $runs -lt 10 ] && [ "$other" = 0 ]; do
		dry "${j%b}"
		[ $? = 3 ] || fail "--convert-jobs ${j%b}: not exit 3"
		line=$(grep '^symupload: stats: ' "dry.${j%b}.err") || fail "--convert-jobs ${j%b}: no stats line"
		[[ $line =~ ([0-9]+)\ conversions,\ ([0-9]+)\ made\ by\ another\ thread,\ 0\ given\ back ]] ||
			fail "unexpected stats line: $line"
		other=${BASH_REMATCH[2]} runs=$((runs + 1))
		cmp -s dry.1.json "dry.${j%b}.json" ||
			{ diff dry.1.json "dry.${j%b}.json" | head -n 20 >&2; fail "--convert-jobs ${j%b}: other modules than with 1"; }
		grep -v '^symupload: stats: ' "dry.${j%b}.err" > "msgs.$j"
		cmp -s msgs.1 "msgs.$j" ||
			{ diff msgs.1 "msgs.$j" >&2; fail "--convert-jobs ${j%b}: other messages than with 1"; }
	done
	[ "$other" -gt 0 ] || fail "--convert-jobs ${j%b}: no conversion made by another thread in $runs runs"
	nconv=${BASH_REMATCH[1]}
	echo "--convert-jobs ${j%b}: $nconv conversions, $other by another thread (run $runs)"
done

# every module: the bytes dumpsyms writes for its input (a Mach-O binary
# with its dSYM, a DLL with its PDB, both found beside it; the stripped
# binary with its debug file)
python3 - dry.1.json > modules.txt << 'PY' || fail "cannot read dry.1.json"
import json, sys
d = json.load(open(sys.argv[1]))
for m in d['would_upload']:
    print(m['debug_file'], m['debug_id'], m['sha256'], m['path'])
PY
nm=$(wc -l < modules.txt)
[ "$nm" -ge $((2 * n)) ] || fail "only $nm modules for $n ELF fixtures and their compressed copies"
grep -q ' tree/dup/a/prog$' modules.txt && ! grep -q ' tree/dup/b/prog$' modules.txt ||
	fail "not the richer of the two copies: $(grep prog modules.txt)"
grep -q 'tree/dup/b/prog: ignored: a poorer conversion' msgs.1 || fail "the poorer copy is not named: $(cat msgs.1)"
while read -r file id sha path; do
	case $path in
	tree/pair/hello) "$DUMPSYMS" -g tree/pair/hello.dbg "$path" > m.sym ;;
	tree/mac/macho-fat)	# the slice of this debug id
		arch=$("$DUMPSYMS" --list-arch "$path" | awk -v id="$id" '$2 == id { print $1 }')
		[ -n "$arch" ] || fail "no slice of macho-fat has the id $id"
		"$DUMPSYMS" --arch "$arch" "$path" > m.sym ;;
	*) "$DUMPSYMS" "$path" > m.sym ;;
	esac || fail "dumpsyms $path"
	[ "$(sha256sum < m.sym | cut -d' ' -f1)" = "$sha" ] || fail "$file/$id ($path): not what dumpsyms writes"
done < modules.txt
grep -q ' tree/pair/hello$' modules.txt && grep -q ' tree/win/win-arm64-O2\.\(dll\|pdb\)$' modules.txt &&
	grep -q ' tree/mac/macho-fat$' modules.txt || fail "a kind of input is missing: $(cat modules.txt)"
echo "$nm modules, each what dumpsyms writes, alike with --convert-jobs 1, 2, 8 and 8 again"

# uploaded, every conversion made again before its upload: not in the
# ThreadSanitizer build, whose symserver cannot reserve its index's 1 TiB
# of address space (the conversions above are what that build checks)
if grep -q '^SAN_CFLAGS = -fsanitize=thread' "$BUILD/Makefile"; then
	echo "ThreadSanitizer build: the upload is checked by the plain and ASan builds only"
	exit 0
fi
TOKEN=$(new_token ci) || fail "cannot create a token"
printf '%s\n' "$TOKEN" > token
start_server
SYM_TEST_CONVERT_STATS=1 "$SYMUPLOAD" --token-file token --json --convert-jobs 8 --max-memory 0 "$URL" tree \
	> up.json 2> up.err
[ $? = 3 ] || fail "the upload: not exit 3: $(cat up.err)"
# every conversion was given back at once (the cut file is refused
# before it is queued)
grep -q "^symupload: stats: $nconv conversions, [0-9]* made by another thread, $nconv given back" up.err ||
	fail "--max-memory 0: not every conversion was given back: $(grep stats up.err)"
python3 - up.json modules.txt << 'PY' || fail "the upload's summary: $(cat up.json)"
import json, sys
d = json.load(open(sys.argv[1]))
want = sorted(l.split()[0] + '/' + l.split()[1] for l in open(sys.argv[2]))
got = sorted(m['debug_file'] + '/' + m['debug_id'] for m in d['uploaded'])
assert got == want, (got, want)
assert [f['path'] for f in d['failed']] == ['tree/bad/cut'], d['failed']
PY
while read -r file id sha path; do
	[ "$(status GET "/$file/$id/${file%.pdb}.sym")" = 200 ] || fail "$file/$id is not on the server"
	[ "$(sha256sum < body.out | cut -d' ' -f1)" = "$sha" ] || fail "$file/$id: the server holds other bytes"
done < modules.txt
stop_server
echo "uploaded with --max-memory 0: the server holds the same $nm modules"
