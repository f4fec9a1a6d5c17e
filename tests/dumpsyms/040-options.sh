# Command-line behaviour: --store layout, --output, -i, -n, -o, -a, usage
# errors, and what happens when the output cannot be written.
. "${TOP:?run tests through tests/run}/tests/lib.sh"

cat > lib.c <<'SRC'
int libfunc(int x) { return x + 1; }
SRC
gcc -g -O0 -shared -fPIC -Wl,-soname,libdemo.so.1 -o libdemo.so.1.2.3 lib.c || fail "cannot build the library"
gcc -g -O0 -no-pie -o exe lib.c -Wl,-e,libfunc -nostartfiles || fail "cannot build the executable"

run_dumpsyms libdemo.so.1.2.3 > plain.sym || fail "plain conversion failed"
read -r _ os arch id name < plain.sym
[ "$os $arch $name" = "Linux x86_64 libdemo.so.1" ] || fail "MODULE line is '$(head -n1 plain.sym)': want the SONAME as name"
[[ $id =~ ^[0-9A-F]{32}0$ ]] || fail "debug id '$id' is not 32 upper-case hex digits plus age 0"

# --store writes DIR/<debug_file>/<debug_id>/<debug_file>.sym and prints it.
out=$(run_dumpsyms --store store libdemo.so.1.2.3) || fail "--store failed"
want="store/libdemo.so.1/$id/libdemo.so.1.sym"
[ "$out" = "$want" ] || fail "--store printed '$out', want '$want'"
cmp -s "$want" plain.sym || fail "the stored file differs from the standard output"
[ "$(find store -type f | wc -l)" -eq 1 ] || fail "--store left other files: $(find store -type f)"
# Storing again replaces the file atomically and leaves no temporary file.
run_dumpsyms --store store libdemo.so.1.2.3 > /dev/null || fail "second --store failed"
[ "$(find store -type f | wc -l)" -eq 1 ] || fail "second --store left other files"

# --output and --store together; nothing on standard output but the path.
out=$(run_dumpsyms --output o.sym --store store2 libdemo.so.1.2.3) || fail "--output with --store failed"
cmp -s o.sym plain.sym || fail "--output differs from the standard output"
[ "$out" = "store2/libdemo.so.1/$id/libdemo.so.1.sym" ] || fail "--store path with --output: '$out'"

# -i: MODULE and INFO only, byte-identical to the first lines of the full file.
run_dumpsyms -i libdemo.so.1.2.3 > head.sym || fail "-i failed"
[ "$(wc -l < head.sym)" -eq 2 ] || fail "-i wrote $(wc -l < head.sym) lines, want 2"
head -n 2 plain.sym | cmp -s - head.sym || fail "-i header differs from the full file's"

# -n and -o
run_dumpsyms -i -n other.so -o Android libdemo.so.1.2.3 > renamed.sym || fail "-n -o failed"
[ "$(head -n1 renamed.sym)" = "MODULE Android x86_64 $id other.so" ] || fail "-n/-o gave '$(head -n1 renamed.sym)'"

# -a keeps link-time addresses: the non-PIE executable loads at 0x400000.
run_dumpsyms exe > rel.sym || fail "exe conversion failed"
run_dumpsyms -a exe > abs.sym || fail "-a failed"
rel=$(awk '/^FUNC/ && $NF == "libfunc" { print ($2 == "m") ? $3 : $2 }' rel.sym)
abs=$(awk '/^FUNC/ && $NF == "libfunc" { print ($2 == "m") ? $3 : $2 }' abs.sym)
# checked as hex first: an arithmetic error would skip the "|| fail"
[[ $rel =~ ^[0-9a-f]+$ && $abs =~ ^[0-9a-f]+$ ]] ||
	fail "no single FUNC libfunc address in the executable's output: '$rel' and '$abs'"
[ $((16#$abs - 16#$rel)) -eq $((0x400000)) ] || fail "-a: $abs vs $rel, want a difference of 0x400000"

# Usage errors exit 2 with the usage text; --help exits 0.
"$DUMPSYMS" > /dev/null 2> err.txt; [ $? -eq 2 ] || fail "no argument: want exit 2"
grep -q "^usage: dumpsyms" err.txt || fail "no usage text on a usage error"
"$DUMPSYMS" --bogus x > /dev/null 2>&1; [ $? -eq 2 ] || fail "unknown option: want exit 2"
"$DUMPSYMS" --help | grep -- "--store DIR" > /dev/null || fail "--help does not document --store"

# An output directory that cannot be written: exit 1, a message, no file.
mkdir ro && chmod 555 ro
if [ "$(id -u)" -ne 0 ]; then
	"$DUMPSYMS" --output ro/x.sym libdemo.so.1.2.3 2> err.txt && fail "writing into a read-only directory succeeded"
	grep -q "ro/x.sym" err.txt || fail "the message does not name the output: $(cat err.txt)"
fi
# A file where the store needs a directory.
: > blocker
"$DUMPSYMS" --store blocker libdemo.so.1.2.3 > /dev/null 2> err.txt && fail "--store under a regular file succeeded"
grep -q "^dumpsyms: " err.txt || fail "no message when the store cannot be created"
# A module name that cannot be a store directory is refused, not written elsewhere.
"$DUMPSYMS" -n ../evil --store store3 libdemo.so.1.2.3 > /dev/null 2> err.txt && fail "a '../' module name was stored"
[ ! -e evil ] && [ ! -e store3/../evil ] || fail "a '../' module name escaped the store"
grep -q "cannot be stored" err.txt || fail "unclear message for an unsafe module name: $(cat err.txt)"
exit 0
