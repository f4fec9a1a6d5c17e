# Separate ELF debug files that are missing or do not fit are reported on
# stderr (without -v), and --strict turns that into a failure:
#   - a .gnu_debuglink whose file is in none of the searched places: a
#     warning naming the file and where it was looked for;
#   - a .gnu_debuglink file with another CRC: a warning naming the file and
#     both CRCs (the file's and the one the link expects);
#   - debug directories given and no file for the build id in them: a
#     warning naming the .build-id path looked for; without debug
#     directories no such warning (no noise for every system binary);
#   - a .build-id file of another build: a warning naming both build ids;
#   - -g FILE that does not fit: exit 1, saying why.
# A debug file found by either way gives FUNC records and no warning.
. "${TOP:?run tests through tests/run}/tests/lib.sh"

small_prog
printf 'int main(void) { return 1; }\n' > other.c
gcc -g -O1 -o other other.c || fail "cannot compile the second program"

# run NAME ARGS...: dumpsyms --output NAME.sym ARGS, exit status in $rc,
# stderr in NAME.err
run() {
	local name=$1
	shift
	rm -f "$name.sym"
	"$DUMPSYMS" --output "$name.sym" "$@" 2> "$name.err"
	rc=$?
	if grep -qE "AddressSanitizer|runtime error|LeakSanitizer" "$name.err"; then
		cat "$name.err" >&2
		fail "$name: sanitizer report"
	fi
}
hasfunc() { grep -q '^FUNC .* work$' "$1.sym" || fail "$1: no FUNC work: the debug file was not read"; }
nofunc() { grep -q '^FUNC ' "$1.sym" && fail "$1: FUNC records from a debug file that should not be read"; return 0; }
quiet() { [ -s "$1.err" ] && fail "$1: unexpected warnings: $(cat "$1.err")"; return 0; }

# --- .gnu_debuglink --------------------------------------------------------
mkdir link && cd link
cp ../prog s1
objcopy --only-keep-debug s1 s1.debug
objcopy --strip-debug --add-gnu-debuglink=s1.debug s1
objcopy --dump-section .gnu_debuglink=link.bin s1 s1.tmp && rm -f s1.tmp || fail "cannot extract the .gnu_debuglink"
want=$(python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
n = d.index(b"\0")
o = (n + 4) & ~3
print("%08x" % int.from_bytes(d[o:o + 4], "little"))' link.bin) ||
	fail "cannot read the CRC of the .gnu_debuglink"
[ "$want" = "$(python3 -c 'import sys, zlib; print("%08x" % zlib.crc32(open(sys.argv[1], "rb").read()))' s1.debug)" ] ||
	fail "test setup: the link's CRC $want is not the debug file's"

# found beside the binary, in its .debug/, in a debug directory: no warning
run beside s1; [ $rc = 0 ] || fail "beside: exit $rc"; quiet beside; hasfunc beside
mkdir .debug && mv s1.debug .debug/
run dotdebug s1; [ $rc = 0 ] || fail "dotdebug: exit $rc"; quiet dotdebug; hasfunc dotdebug
mkdir dd && mv .debug/s1.debug dd/ && rmdir .debug
run indir s1 dd; [ $rc = 0 ] || fail "indir: exit $rc"; quiet indir; hasfunc indir
"$DUMPSYMS" --strict s1 dd > /dev/null 2> indir-strict.err || fail "--strict refused a found debug file: $(cat indir-strict.err)"

# missing: named, with where it was looked for
run missing s1
[ $rc = 0 ] || fail "missing: exit $rc"
grep -q "^dumpsyms: warning: s1: the debug file its .gnu_debuglink names, 's1.debug', is in none of " missing.err ||
	fail "missing: no warning naming s1.debug: $(cat missing.err)"
grep -q "\./\.debug" missing.err || fail "missing: the warning does not say where it looked: $(cat missing.err)"
grep -q "no debug information" missing.err || fail "missing: no 'no debug information' warning"
nofunc missing
strict_fails missing s1

# another CRC: the file and both CRCs named
cp dd/s1.debug s1.debug
printf 'x' >> s1.debug
got=$(python3 -c 'import sys, zlib; print("%08x" % zlib.crc32(open(sys.argv[1], "rb").read()))' s1.debug)
run badcrc s1
[ $rc = 0 ] || fail "badcrc: exit $rc"
grep "^dumpsyms: warning: s1: " badcrc.err | grep "s1.debug" | grep "$got" | grep -q "$want" ||
	fail "badcrc: no warning naming s1.debug, its CRC $got and the expected $want: $(cat badcrc.err)"
nofunc badcrc
strict_fails badcrc s1
# the right file in a debug directory wins over the wrong one beside
run crcdir s1 dd; [ $rc = 0 ] || fail "crcdir: exit $rc"; quiet crcdir; hasfunc crcdir
cd ..

# --- build id ----------------------------------------------------------------
mkdir bid && cd bid
cp ../prog b1
objcopy --only-keep-debug b1 b1.debug
strip -g b1			# no .gnu_debuglink: found by build id only
id=$(readelf -n b1 | awk '/Build ID/ { print $3 }')
[ ${#id} -ge 4 ] || fail "test setup: no build id in b1"
mkdir -p dbg/.build-id/${id:0:2} empty
mv b1.debug dbg/.build-id/${id:0:2}/${id:2}.debug

run byid b1 dbg; [ $rc = 0 ] || fail "byid: exit $rc"; quiet byid; hasfunc byid
# a debug directory without it: the path looked for is named
run noid b1 empty
[ $rc = 0 ] || fail "noid: exit $rc"
grep -q "^dumpsyms: warning: b1: no debug file for its build id .*empty/\.build-id/${id:0:2}/${id:2}\.debug" noid.err ||
	fail "noid: no warning naming the build-id path: $(cat noid.err)"
nofunc noid
strict_fails noid b1 empty
# no debug directory: only the general warning, not the build-id one
run nodir b1
[ $rc = 0 ] || fail "nodir: exit $rc"
grep -q "no debug information" nodir.err || fail "nodir: no 'no debug information' warning: $(cat nodir.err)"
grep -q "build id" nodir.err && fail "nodir: a build-id warning without debug directories: $(cat nodir.err)"
# a file of another build at the build-id path: both ids named
mkdir -p wrong/.build-id/${id:0:2}
objcopy --only-keep-debug ../other wrong/.build-id/${id:0:2}/${id:2}.debug
oid=$(readelf -n ../other | awk '/Build ID/ { print $3 }')
[ "$oid" != "$id" ] || fail "test setup: both programs have build id $id"
run wrongid b1 wrong
[ $rc = 0 ] || fail "wrongid: exit $rc"
grep "^dumpsyms: warning: b1: " wrongid.err | grep "$oid" | grep -q "$id" ||
	fail "wrongid: no warning naming both build ids: $(cat wrongid.err)"
nofunc wrongid
strict_fails wrongid b1 wrong

# -g with a file that does not fit: an error that says why
objcopy --only-keep-debug ../other other.debug
run given b1 -g other.debug
[ $rc = 1 ] || fail "given: -g with another build's debug file: exit $rc"
[ -e given.sym ] && fail "given: output written"
grep -q "build id" given.err || fail "given: the error does not say the build ids differ: $(cat given.err)"
exit 0
