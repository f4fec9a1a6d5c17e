# A file cut short (an interrupted copy or download) is an error, as the man
# page says: exit 1, a message naming the file and saying it is truncated,
# no output file (an existing one is left as it was), no temporary file.
# Cut points: inside the ELF header, the program headers, the sections and
# the section header table; a file whose section headers survive but whose
# string table or DWARF is cut (headers rewritten at the new end); a file
# without section headers (sstrip) cut inside a segment.  A truncated
# separate debug file is skipped with a warning (an error with -g).
. "${TOP:?run tests through tests/run}/tests/lib.sh"

small_prog
"$DUMPSYMS" --output good.sym prog 2> good.err || fail "the whole file does not convert: $(cat good.err)"

# refused NAME: dumpsyms on NAME must fail cleanly, saying it is truncated
refused() {
	local in=$1 rc
	echo "previous content" > out.sym
	timeout 60 "$DUMPSYMS" --output out.sym "$in" > stdout.txt 2> stderr.txt
	rc=$?
	if grep -qE "AddressSanitizer|runtime error|LeakSanitizer" stderr.txt; then
		cat stderr.txt >&2
		fail "$in: sanitizer report"
	fi
	[ $rc = 1 ] || fail "$in: exit $rc for a truncated file, expected 1 ($(cat stderr.txt))"
	grep -q "^dumpsyms: .*'$in'.*truncated" stderr.txt || fail "$in: the message does not say the file is truncated: $(cat stderr.txt)"
	[ "$(cat out.sym)" = "previous content" ] || fail "$in: the existing output file was replaced"
	ls -a | grep -q '^\.out\.sym\.' && fail "$in: a temporary output file was left behind"
	rm -f new.sym
	"$DUMPSYMS" --output new.sym "$in" 2> /dev/null
	[ -e new.sym ] && fail "$in: a truncated file left an output file"
	"$DUMPSYMS" "$in" > stdout.sym 2> /dev/null
	[ -s stdout.sym ] && fail "$in: records on standard output for a truncated file"
	return 0
}

size=$(stat -c %s prog)
for cut in 4 20 63 64 100 1000 $((size / 4)) $((size / 2)) $((size - 100)) $((size - 1)); do
	head -c $cut prog > cut$cut
	refused cut$cut
done

# Section headers intact, section data cut: the file is cut inside a
# section, then the original section header table is appended and e_shoff
# pointed at it (what a tool that rewrites headers would leave).  A larger
# program, so that each section cut is longer than the table put after it.
for i in $(seq 1 400); do
	echo "int function_with_a_rather_long_name_number_$i(int x) { int y = x * $i; if (y > 7) y -= x; return y + $i; }"
done > big.c
echo 'int main(void) { return function_with_a_rather_long_name_number_1(3); }' >> big.c
gcc -g -O1 -o big big.c || fail "cannot compile the large program"
"$DUMPSYMS" --output big.sym big 2> big.err || fail "the large program does not convert: $(cat big.err)"
recut() {	# recut OUT SECTION: cut an eighth into SECTION
	python3 - big "$1" "$2" <<'PY' || fail "cannot make $1"
import struct, sys
src, out, name = sys.argv[1], sys.argv[2], sys.argv[3].encode()
d = open(src, 'rb').read()
shoff, = struct.unpack_from('<Q', d, 0x28)
shentsize, shnum, shstrndx = struct.unpack_from('<HHH', d, 0x3a)
def sh(i):
    return struct.unpack_from('<IIQQQQIIQQ', d, shoff + i * shentsize)
stroff = sh(shstrndx)[4]
cut = None
for i in range(shnum):
    h = sh(i)
    nm = d[stroff + h[0]:d.index(b'\0', stroff + h[0])]
    if nm == name:
        cut = h[4] + h[5] // 8
        assert h[5] - h[5] // 8 > shnum * shentsize + 8, 'section %s is too small' % name
assert cut, 'no section %s' % name
table = d[shoff:shoff + shnum * shentsize]
body = bytearray(d[:cut])
body += b'\0' * (-len(body) % 8)
new_shoff = len(body)
body += table
struct.pack_into('<Q', body, 0x28, new_shoff)
open(out, 'wb').write(bytes(body))
PY
}
for sec in .strtab .debug_info .debug_line .symtab; do
	recut mid$sec $sec
	refused mid$sec
	grep -q "section " stderr.txt || fail "mid$sec: the message does not name a section: $(cat stderr.txt)"
done

# No section headers (sstrip): the whole file converts, a cut inside a
# loadable segment is refused.
python3 - prog nosect <<'PY' || fail "cannot make nosect"
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
struct.pack_into('<Q', d, 0x28, 0)
struct.pack_into('<HHH', d, 0x3a, 0, 0, 0)
open(sys.argv[2], 'wb').write(bytes(d))
PY
"$DUMPSYMS" --output nosect.sym nosect 2> nosect.err || fail "a file without section headers does not convert: $(cat nosect.err)"
last=0
while read -r type off _ _ filesz _; do
	[ "$type" = LOAD ] && [ $((filesz)) -gt 1 ] && last=$((off + filesz / 2))
done < <(readelf -lW prog)
[ "$last" -gt 0 ] || fail "test setup: no PT_LOAD with bytes in prog"
head -c "$last" nosect > nosect-cut
refused nosect-cut
grep -q "segment" stderr.txt || fail "nosect-cut: the message does not name the segment: $(cat stderr.txt)"

# A truncated separate debug file: skipped with a warning that says so;
# --strict fails; -g with it is an error.
cp prog s1
objcopy --only-keep-debug s1 full.debug
objcopy --strip-debug --add-gnu-debuglink=full.debug s1
dsize=$(stat -c %s full.debug)
mv full.debug s1.debug.whole
head -c $((dsize / 2)) s1.debug.whole > full.debug
"$DUMPSYMS" --output s1.sym s1 2> s1.err
rc=$?
[ $rc = 0 ] || fail "a truncated debug file beside the binary: exit $rc: $(cat s1.err)"
grep "^dumpsyms: warning: s1: " s1.err | grep "full.debug" | grep -q "truncated" ||
	fail "no warning that the debug file is truncated: $(cat s1.err)"
grep -q '^FUNC ' s1.sym && fail "FUNC records from a truncated debug file"
"$DUMPSYMS" --strict --output s1-strict.sym s1 2> /dev/null && fail "--strict accepted a truncated debug file"
[ -e s1-strict.sym ] && fail "--strict wrote an output file"
"$DUMPSYMS" --output g.sym -g full.debug s1 2> g.err && fail "-g with a truncated debug file succeeded"
grep -q "truncated" g.err || fail "-g with a truncated debug file: the error does not say truncated: $(cat g.err)"
[ -e g.sym ] && fail "-g with a truncated debug file wrote an output file"
exit 0
