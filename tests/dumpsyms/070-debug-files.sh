# Separate and compressed debug information: a stripped binary plus its
# debug file (found through .gnu_debuglink, its CRC checked, or through the
# build-id directory layout) gives the same .sym as the unstripped binary;
# SHF_COMPRESSED zlib and zstd and legacy .zdebug sections read the same as
# plain ones; a debug file alone keeps the binary's ids.
. "${TOP:?run tests through tests/run}/tests/lib.sh"

cat > lib.c <<'SRC'
static int helper(int x) { return x * 3 + 1; }
int libfunc(int x) { int s = 0; for (int i = 0; i < x; i++) s += helper(i); return s; }
SRC
gcc -g -O2 -shared -fPIC -Wl,-soname,libdbg.so.1 -o libdbg.so.1 lib.c || fail "cannot build"
run_dumpsyms libdbg.so.1 > full.sym || fail "unstripped conversion"
grep -q '^FUNC .* libfunc$' full.sym && grep -q '^STACK CFI INIT' full.sym || fail "the reference output lacks FUNC or CFI"

objcopy --only-keep-debug libdbg.so.1 libdbg.so.1.debug
mkdir -p stripped dbgdir
objcopy --strip-debug --strip-unneeded --add-gnu-debuglink=libdbg.so.1.debug libdbg.so.1 stripped/libdbg.so.1
mv libdbg.so.1.debug dbgdir/

# without the debug directory: no FUNC, and no failure
run_dumpsyms stripped/libdbg.so.1 > nodbg.sym || fail "stripped conversion without debug dirs failed"
grep -q '^FUNC' nodbg.sym && fail "FUNC records without debug info"
# debuglink in a debug directory given on the command line
run_dumpsyms stripped/libdbg.so.1 dbgdir > link.sym || fail "debuglink conversion"
compare full.sym link.sym "stripped + .gnu_debuglink"
# debuglink next to the binary and in its .debug/ directory
cp dbgdir/libdbg.so.1.debug stripped/
run_dumpsyms stripped/libdbg.so.1 > next.sym || fail "conversion with the debug file next to the binary failed"
compare full.sym next.sym "debug file next to the binary"
rm stripped/libdbg.so.1.debug
mkdir -p stripped/.debug && cp dbgdir/libdbg.so.1.debug stripped/.debug/
run_dumpsyms stripped/libdbg.so.1 > dotdebug.sym || fail "conversion with the debug file in .debug/ failed"
compare full.sym dotdebug.sym "debug file in .debug/"
rm -r stripped/.debug
# a debug file whose CRC does not match is refused
mkdir -p badcrc && cp dbgdir/libdbg.so.1.debug badcrc/ && printf 'x' >> badcrc/libdbg.so.1.debug
run_dumpsyms stripped/libdbg.so.1 badcrc > crc.sym || fail "conversion with a bad-CRC candidate failed"
grep -q '^FUNC' crc.sym && fail "a debug file with the wrong CRC was used"
# the build-id layout
bid=$(readelf -n libdbg.so.1 | awk '/Build ID/ { print $3 }')
mkdir -p bid/.build-id/${bid:0:2}
cp dbgdir/libdbg.so.1.debug bid/.build-id/${bid:0:2}/${bid:2}.debug
run_dumpsyms stripped/libdbg.so.1 bid > bid.sym || fail "build-id conversion"
compare full.sym bid.sym "stripped + .build-id/ layout"
# the debug file alone: same MODULE name and ids, same FUNC and lines
run_dumpsyms dbgdir/libdbg.so.1.debug > alone.sym || fail "debug file alone"
head -n 2 full.sym | cmp -s - <(head -n 2 alone.sym) || fail "the debug file alone gives another MODULE/INFO: $(head -n 2 alone.sym)"
grep -v '^STACK' full.sym | cmp -s - alone.sym || fail "the debug file alone gives other records"

# compressed debug sections
objcopy --compress-debug-sections=zlib libdbg.so.1 zlib.so
objcopy --compress-debug-sections=zlib-gnu libdbg.so.1 gnu.so
readelf -S gnu.so | grep zdebug_info > /dev/null || fail "objcopy made no .zdebug_ sections"
for f in zlib.so gnu.so; do
	run_dumpsyms "$f" > $f.sym || fail "$f conversion"
	compare full.sym $f.sym "$f"
done
gcc -g -gz=zlib -O2 -shared -fPIC -Wl,-soname,libdbg.so.1 -o gz.so lib.c
readelf -S gz.so | grep -A1 debug_info | grep ' C ' > /dev/null || fail "gcc -gz made no SHF_COMPRESSED section"
run_dumpsyms gz.so > gz.sym || fail "gcc -gz conversion"
[ "$(grep -c '^FUNC' gz.sym)" = "$(grep -c '^FUNC' full.sym)" ] || fail "gcc -gz=zlib lost functions"
if objcopy --compress-debug-sections=zstd libdbg.so.1 zstd.so 2>/dev/null; then
	run_dumpsyms zstd.so > zstd.sym || fail "zstd conversion"
	compare full.sym zstd.sym "zstd-compressed sections"
else
	echo "note: this objcopy cannot write zstd sections; zstd checked by the unit of the reader only"
fi
# a compressed section whose declared size is a lie
off=$(readelf -SW zlib.so | awk '$2 == ".debug_info" { print "0x" $5 }')
[[ $off =~ ^0x[0-9a-f]+$ ]] || fail "no .debug_info in zlib.so"
corrupt zlib.so lie.so set $((off + 8)) ffffffff00000000
"$DUMPSYMS" lie.so > /dev/null 2> lie.err
[ $? -le 1 ] || fail "a lying compression header crashed dumpsyms"
exit 0
