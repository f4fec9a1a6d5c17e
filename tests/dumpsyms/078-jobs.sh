# dumpsyms -j: the output does not depend on the number of threads.
#
# Every ELF fixture (and the names matrix), as built and with its debug
# sections compressed (zlib, .zdebug, zstd), converted with -d -m under -j 1,
# -j 2 and -j 8, -j 8 twice: the four .sym files must be byte-identical,
# and so must the warnings (-v); so for Mach-O binaries with their dSYMs,
# generated units, relative source paths and a cut .debug_line; and for
# PDBs with their images (module streams and unwind tables on workers),
# and for mingw PE images (DWARF, and .pdata on workers meanwhile).
# SYM_TEST_STREAM_WINDOW=4096 keeps the worker that decompresses .debug_info
# at most 4 KB ahead of the reader, so that every fixture's units arrive in
# many steps, and the reader waits for them (SYM_TEST_STREAM_STATS shows
# that it did: a test that streams nothing would prove nothing); with
# -j 1, the reader decompresses it in the same steps.
#
# A damaged compressed .debug_info (a byte in the middle, the last byte of
# the stream) fails with every -j as it fails with -j 1: the same exit
# status and message, and no output file.  Under ThreadSanitizer
# (scripts/test runs this test in a --enable-tsan build too) any report
# fails the run.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
export SYM_TEST_STREAM_WINDOW=4096
# STACK CFI is read in chunks on the workers while the DWARF is read: cut
# every .eh_frame into chunks of an entry or two, so that each fixture's
# are many
export SYM_TEST_CFI_CHUNK=64

# a conversion that hangs (threads waiting on each other) fails the test
jrun() { timeout 120 "$DUMPSYMS" "$@"; }
is_elf() { [ "$(head -c 4 "$1" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; }
has_info() { readelf -SW "$1" 2> /dev/null | grep ' \.z\{0,1\}debug_info ' > /dev/null; }

inputs=()
for f in "$FIXTURES"/* "$FIXTURES"/names/*; do
	[ -f "$f" ] && is_elf "$f" && has_info "$f" || continue
	case $f in *.dwo | *.o) continue ;; esac
	inputs+=("$f")
done
[ ${#inputs[@]} -ge 40 ] || fail "only ${#inputs[@]} ELF fixtures with DWARF (expected at least 40)"

big=$FIXTURES/cppapp-gcc-O0-dw5
[ -f "$big" ] || fail "missing fixture $big"
zstd=1
objcopy --compress-debug-sections=zstd "$big" probe.zstd 2> /dev/null || zstd=0

same() {	# same LABEL FILE [OPTION...]: four runs of FILE (and $pdb) agree
	local label=$1 f=$2 j
	shift 2
	for j in 1 2 8 8b; do
		jrun -j "${j%b}" -v -d -m "$@" "$f" ${pdb:+"$pdb"} > "out.$j" 2> "err.$j" || {
			cat "err.$j" >&2
			fail "$label: -j ${j%b} failed"
		}
	done
	[ -s out.1 ] || fail "$label: no output"
	for j in 2 8 8b; do
		cmp -s out.1 "out.$j" || {
			diff out.1 "out.$j" | head -n 20 >&2
			fail "$label: -j ${j%b} differs from -j 1"
		}
		cmp -s err.1 "err.$j" || fail "$label: -j ${j%b} warns otherwise than -j 1"
	done
}

# binutils' objcopy knows the host's ELF; llvm-objcopy (zlib only, in
# LLVM 14) the other machines'
compress() {	# compress KIND IN OUT
	objcopy --compress-debug-sections="$1" "$2" "$3" 2> /dev/null ||
		{ [ "$1" != zstd ] && llvm-objcopy --compress-debug-sections="$1" "$2" "$3"; }
}
n=0 nzstd=0
for f in "${inputs[@]}"; do
	b=${f#"$FIXTURES"/}
	same "$b" "$f"
	compress zlib "$f" in.zlib || fail "cannot compress $b with zlib"
	same "$b (zlib)" in.zlib
	compress zlib-gnu "$f" in.gnu || fail "cannot compress $b with zlib-gnu"
	same "$b (.zdebug)" in.gnu
	if [ $zstd = 1 ] && compress zstd "$f" in.zstd; then
		same "$b (zstd)" in.zstd
		nzstd=$((nzstd + 1))
	fi
	n=$((n + 1))
done
echo "$n fixtures agree under -j 1, 2, 8 and 8 again, plain, zlib and .zdebug; $nzstd with zstd too"
[ $zstd = 0 ] || [ $nzstd -ge $((n / 2)) ] || fail "only $nzstd of $n fixtures could be compressed with zstd"

# source paths relative to the unit's directory (DW_AT_comp_dir), which
# the line program's reader joins (on a worker with -j 2 and 8)
mkdir -p rel/src
printf 'int twice(int x)\n{\n\treturn 2 * x;\n}\n' > rel/src/twice.c
printf 'int twice(int);\nint main(int argc, char **argv)\n{\n\t(void)argv;\n\treturn twice(argc);\n}\n' > rel/src/main.c
for v in 4 5; do
	(cd rel && gcc -O0 -g -gdwarf-$v src/main.c src/twice.c -o prog$v) || fail "cannot build rel/prog$v"
	same "relative paths, DWARF $v" rel/prog$v
	grep -q "^FILE [0-9]* $PWD/rel/src/twice.c\$" out.1 ||
		{ grep '^FILE' out.1 >&2; fail "relative paths, DWARF $v: no FILE record of $PWD/rel/src/twice.c"; }
done

# Mach-O: a binary and its dSYM (line programs on workers too), thin and
# a slice of a universal file
"$TOP/tests/fixtures/macho/build.sh" macho > /dev/null 2> macho.err ||
	{ cat macho.err >&2; fail "cannot build the Mach-O fixtures"; }
for f in macho-x86_64-O0 macho-x86_64-O2 macho-arm64-O2 libmacho-x86_64-O2.dylib macho-fat; do
	[ -d "macho/$f.dSYM" ] || fail "no macho/$f.dSYM"
	if [ $f = macho-fat ]; then
		same "Mach-O $f (arm64)" macho/$f --arch arm64
	else
		same "Mach-O $f" macho/$f
	fi
	grep -q '^FUNC ' out.1 && grep -q '^FILE ' out.1 || fail "Mach-O $f: no FUNC or FILE records"
	grep -q "reading debug information from '.*$f.dSYM/" err.1 || fail "Mach-O $f: its dSYM was not read"
done

# the streaming did happen: the worker was held by the window, the reader
# waited for it; with -j 1 there is no worker at all
objcopy --compress-debug-sections=zlib "$big" big.zlib
SYM_TEST_STREAM_STATS=1 jrun -j 2 -d big.zlib > /dev/null 2> stats || fail "-j 2 big.zlib"
line=$(grep '^dumpsyms: stats: .debug_info streamed: ' stats) || { cat stats >&2; fail "no streamed .debug_info"; }
[[ $line =~ ([0-9]+)\ bytes,\ by\ a\ worker,\ ([0-9]+)\ steps,\ held\ ([0-9]+)\ times.*waited\ ([0-9]+)\ times ]] ||
	fail "unexpected stats line: $line"
size=${BASH_REMATCH[1]} steps=${BASH_REMATCH[2]} held=${BASH_REMATCH[3]}
[ "$size" -gt 16384 ] && [ "$steps" -ge $((size / 2048)) ] && [ "$held" -gt 0 ] ||
	fail "the .debug_info of $size bytes did not arrive in 2 KB steps held by the window: $line"
# a unit's line program is read on a worker while the reader walks the
# unit's DIEs: on 200 generated units, with -j 2 and -j 8 some were (how
# many depends on timing; none would mean no reading in parallel), with
# -j 1 none; the output is the same
python3 "$TOP/tests/tools/gen-dwarf.py" --zlib units.zlib 200 2000 20 || fail "gen-dwarf.py"
for j in 1 2 8; do
	SYM_TEST_UNIT_STATS=1 jrun -j $j -d units.zlib > "units.$j" 2> ustats || fail "-j $j units.zlib"
	line=$(grep '^dumpsyms: stats: ' ustats) || fail "-j $j units.zlib: no stats line"
	[[ $line =~ ([0-9]+)\ line\ programs\ read\ by\ a\ worker,\ ([0-9]+)\ by\ the\ reader ]] ||
		fail "-j $j units.zlib: unexpected stats line: $line"
	w=${BASH_REMATCH[1]} r=${BASH_REMATCH[2]}
	[ $((w + r)) = 200 ] || fail "-j $j units.zlib: $w + $r line programs read, not 200"
	if [ $j = 1 ]; then
		[ "$w" = 0 ] || fail "-j 1: $w line programs read by a worker"
	else
		[ "$w" -gt 0 ] || fail "-j $j: no line program read by a worker: $line"
	fi
	echo "-j $j: $w of 200 line programs read by a worker"
done
[ "$(grep -c '^FUNC ' units.1)" = 4000 ] && [ "$(grep -c '^INLINE ' units.1)" = 4000 ] ||
	fail "units.zlib: not 4000 FUNC and INLINE records"
cmp -s units.1 units.2 && cmp -s units.1 units.8 || fail "units.zlib: the output depends on -j"
# a damaged line program warns alike: .debug_line cut to 60 % (a program
# truncated, another one outside it)
objcopy --dump-section .debug_line=line.bin "$big" /dev/null &&
	head -c $(($(stat -c %s line.bin) * 6 / 10)) line.bin > cut.bin &&
	objcopy --update-section .debug_line=cut.bin "$big" short-line || fail "cannot cut .debug_line"
same "cut .debug_line" short-line
grep -q 'line program at .debug_line+0x[0-9a-f]* is truncated' err.1 &&
	grep -q 'line program offset 0x[0-9a-f]* is outside .debug_line' err.1 ||
	{ cat err.1 >&2; fail "cut .debug_line: no warnings about its line programs"; }
objcopy --compress-debug-sections=zlib short-line short-line.zlib || fail "objcopy short-line"
same "cut .debug_line (zlib)" short-line.zlib

# with -j 1 there is no worker: the reader decompresses .debug_info itself,
# in the same steps, as far as it reads, and nothing else ahead of time
SYM_TEST_STREAM_STATS=1 jrun -j 1 -d big.zlib > /dev/null 2> stats1 || fail "-j 1 big.zlib"
line=$(grep '^dumpsyms: stats: ' stats1) || fail "-j 1: no stats line"
[ "$(grep -c '^dumpsyms: stats: ' stats1)" = 1 ] || fail "-j 1: more than .debug_info has a job: $(cat stats1)"
[[ $line =~ ^dumpsyms:\ stats:\ .debug_info\ streamed:\ ([0-9]+)\ bytes,\ by\ its\ reader,\ ([0-9]+)\ steps,\ held\ 0\ times ]] ||
	fail "-j 1: unexpected stats line: $line"
[ "${BASH_REMATCH[1]}" = "$size" ] && [ "${BASH_REMATCH[2]}" -ge $((size / 2048)) ] ||
	fail "-j 1: .debug_info did not arrive in 2 KB steps: $line"

# damaged streams: the same failure with every -j
sect_range() {	# sect_range FILE NAME: the file offset and size of section NAME (or .zNAME)
	python3 - "$1" "$2" << 'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
want = sys.argv[2].encode()
shoff, = struct.unpack_from('<Q', d, 0x28)
shentsize, shnum, shstrndx = struct.unpack_from('<HHH', d, 0x3a)
hdr = lambda i: struct.unpack_from('<IIQQQQIIQQ', d, shoff + i * shentsize)
strtab = hdr(shstrndx)[4]
for i in range(shnum):
    h = hdr(i)
    name = d[strtab + h[0]:d.index(b'\0', strtab + h[0])]
    if name in (want, b'.z' + want[1:]):
        print(h[4], h[5])
PY
}
info_range() { sect_range "$1" .debug_info; }
damage() {	# damage FILE OFFSET: flips the byte at OFFSET
	python3 -c "import sys
p, o = sys.argv[1], int(sys.argv[2])
d = bytearray(open(p, 'rb').read()); d[o] ^= 0x5a; open(p, 'wb').write(d)" "$1" "$2" || fail "cannot damage $1"
}
fails_alike() {	# fails_alike LABEL FILE [OPTION...]
	local label=$1 f=$2 j rc1 rc
	shift 2
	jrun -j 1 "$@" --output out.sym "$f" > /dev/null 2> err.1
	rc1=$?
	[ $rc1 = 1 ] || fail "$label: -j 1 exits $rc1, not 1"
	grep -q 'does not decompress\|cannot\|claims' err.1 || { cat err.1 >&2; fail "$label: -j 1 does not say why"; }
	[ -e out.sym ] && fail "$label: -j 1 wrote out.sym"
	# again and again: the reader and the worker race to the end
	for j in 2 8 2 8 2 8 2 8 2 8; do
		jrun -j $j "$@" --output out.sym "$f" > /dev/null 2> "err.$j"
		rc=$?
		[ $rc = $rc1 ] || fail "$label: -j $j exits $rc, -j 1 $rc1"
		cmp -s err.1 "err.$j" || { diff err.1 "err.$j" >&2; fail "$label: -j $j says otherwise than -j 1"; }
		[ -e out.sym ] && fail "$label: -j $j wrote out.sym"
	done
	return 0
}
for kind in zlib zlib-gnu $([ $zstd = 1 ] && echo zstd); do
	objcopy --compress-debug-sections=$kind "$big" d.$kind || fail "objcopy $kind"
	read -r off size <<< "$(info_range d.$kind)"
	[ -n "$size" ] && [ "$size" -gt 1000 ] || fail "no compressed .debug_info in d.$kind"
	cp d.$kind mid.$kind
	damage mid.$kind $((off + size / 2))
	fails_alike "$kind, a byte in the middle" mid.$kind
	cp d.$kind end.$kind
	damage end.$kind $((off + size - 1))
	fails_alike "$kind, the stream's last byte" end.$kind
done

# a zlib .debug_info that fits in the window (32 MB, here narrowed to its
# size, so that the stream's steps are halves): -j 1 decompresses it whole,
# in one call (libdeflate), the workers stream it (zlib); the same output
# and warnings
read -r _ isize <<< "$(info_range short-line)"
[ -n "$isize" ] || fail "no .debug_info in short-line"
SYM_TEST_STREAM_WINDOW=$isize same "cut .debug_line (zlib), .debug_info whole" short-line.zlib
SYM_TEST_STREAM_WINDOW=$isize SYM_TEST_STREAM_STATS=1 jrun -j 1 -d short-line.zlib > /dev/null 2> statsw ||
	fail "-j 1 short-line.zlib"
grep -q "^dumpsyms: stats: .debug_info streamed: $isize bytes, by its reader, 1 steps, held 0 times" statsw ||
	{ cat statsw >&2; fail "-j 1 did not decompress a .debug_info that fits in the window whole"; }

# damaged past its middle (40 generated units, .debug_line cut to a fifth,
# so that most units warn): -j 1 cannot decompress it whole, and reads it
# in steps after all, so that the units in its first half are read and warn
# (-v) before the error, as the workers' stream gives them
python3 "$TOP/tests/tools/gen-dwarf.py" wu 40 50 5 || fail "gen-dwarf.py wu"
objcopy --dump-section .debug_line=wline.bin wu /dev/null &&
	head -c $(($(stat -c %s wline.bin) / 5)) wline.bin > wcut.bin &&
	objcopy --update-section .debug_line=wcut.bin wu wu.cut &&
	objcopy --compress-debug-sections=zlib wu.cut wu.zlib || fail "cannot make wu.zlib"
read -r _ wsize <<< "$(info_range wu.cut)"
read -r off size <<< "$(info_range wu.zlib)"
damage wu.zlib $((off + size * 9 / 10))
SYM_TEST_STREAM_WINDOW=$wsize fails_alike "zlib, a .debug_info that fits, damaged past its middle" wu.zlib -v
nw=$(grep -c 'outside .debug_line' err.1)
[ "$nw" -gt 0 ] && grep -q 'does not decompress' err.1 ||
	{ cat err.1 >&2; fail "damaged past its middle: -j 1 did not read the units before the damage"; }
echo "damaged past its middle: $nw units warned before the error, alike with every -j"

# an Elf64_Chdr that claims 0 bytes: not streamed, the same error
objcopy --compress-debug-sections=zlib "$big" zero.zlib
read -r off size <<< "$(info_range zero.zlib)"
python3 -c "import struct, sys
p, o = sys.argv[1], int(sys.argv[2])
d = bytearray(open(p, 'rb').read()); struct.pack_into('<Q', d, o + 8, 0); open(p, 'wb').write(d)" zero.zlib "$off"
fails_alike "zlib, .debug_info claiming 0 bytes" zero.zlib
# two damaged sections: the first one read is named, as with -j 1
cp d.zlib two.zlib
for sect in .debug_abbrev .debug_line; do
	read -r off size <<< "$(sect_range two.zlib $sect)"
	[ -n "$size" ] || fail "no $sect in two.zlib"
	damage two.zlib $((off + size - 1))
done
fails_alike "zlib, .debug_abbrev and .debug_line damaged" two.zlib
grep -q "section .debug_abbrev of" err.1 || fail "-j 1 does not name .debug_abbrev: $(cat err.1)"
# a first unit of DWARF version 9 in a stream whose checksum is wrong: the
# units' bytes arrive before the checksum is checked, and the reader stops
# at the first unit, but the error is the stream's, as with -j 1
cp "$big" v9
read -r off size <<< "$(info_range v9)"
python3 -c "import struct, sys
p, o = sys.argv[1], int(sys.argv[2])
d = bytearray(open(p, 'rb').read()); struct.pack_into('<H', d, o + 4, 9); open(p, 'wb').write(d)" v9 "$off"
jrun -j 1 v9 > /dev/null 2> err && fail "a first unit of version 9 converts"
grep -q "unsupported DWARF version 9" err || fail "version 9: $(cat err)"
objcopy --compress-debug-sections=zlib v9 v9.zlib
read -r off size <<< "$(info_range v9.zlib)"
damage v9.zlib $((off + size - 1))
fails_alike "zlib, a bad first unit and a bad checksum" v9.zlib
grep -q "does not decompress" err.1 || fail "version 9 + checksum: $(cat err.1)"

# STACK CFI read on the workers: chunks read by a worker with -j 2 and 8
# (none would mean no reading in parallel), the serial reader with -j 1;
# the records the same
for j in 1 2 8; do
	SYM_TEST_CFI_STATS=1 jrun -j $j "$big" > "cfi.$j" 2> cstats || fail "-j $j $big"
	if [ $j = 1 ]; then
		grep -q 'stats: CFI' cstats && fail "-j 1: CFI read on a pool: $(cat cstats)"
		continue
	fi
	line=$(grep '^dumpsyms: stats: CFI: ' cstats) || fail "-j $j: no CFI stats line"
	[[ $line =~ ([0-9]+)\ chunks,\ ([0-9]+)\ read\ by\ a\ worker ]] || fail "-j $j: unexpected stats line: $line"
	[ "${BASH_REMATCH[1]}" -ge 100 ] && [ "${BASH_REMATCH[2]}" -gt 0 ] ||
		fail "-j $j: .eh_frame not read in chunks on the workers: $line"
	echo "-j $j: ${BASH_REMATCH[2]} of ${BASH_REMATCH[1]} CFI chunks read by a worker"
	cmp -s cfi.1 "cfi.$j" || fail "-j $j: STACK CFI differs from -j 1"
done
[ "$(grep -c '^STACK CFI INIT ' cfi.1)" -ge 500 ] || fail "$big: fewer than 500 STACK CFI INIT records"
# damaged FDEs: one in three names a CIE outside .eh_frame, in a file whose
# .debug_line is cut too: the DWARF reader's warnings, then the CFI
# reader's, at most 51 of them, in the same order with every -j, and the
# same records from the FDEs left
bad_fdes() {	# bad_fdes IN OUT: every third FDE's CIE pointer past the section
	read -r off size <<< "$(sect_range "$1" .eh_frame)"
	[ -n "$size" ] || fail "no .eh_frame in $1"
	python3 - "$1" "$2" "$off" "$size" << 'PY'
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
off, size = int(sys.argv[3]), int(sys.argv[4])
pos, n, fdes = 0, 0, 0
while pos + 8 <= size:
    length, = struct.unpack_from('<I', d, off + pos)
    if length == 0 or length == 0xffffffff:
        break
    if struct.unpack_from('<I', d, off + pos + 4)[0] != 0:
        fdes += 1
        if fdes % 3 == 0:
            struct.pack_into('<I', d, off + pos + 4, 0x7fffffff)
            n += 1
    pos += 4 + length
open(sys.argv[2], 'wb').write(d)
print(n)
PY
}
nbad=$(bad_fdes short-line bad-fdes) || fail "cannot damage .eh_frame"
[ "$nbad" -ge 100 ] || fail "only $nbad FDEs damaged"
same "damaged FDEs and a cut .debug_line" bad-fdes
[ "$(grep -c ' at .eh_frame+0x' err.1)" = 51 ] && [ "$(grep -c 'FDE names a CIE outside the section' err.1)" -ge 45 ] ||
	{ cat err.1 >&2; fail "damaged FDEs: not 51 warnings about .eh_frame, most about them"; }
grep -n 'line program\|\.eh_frame' err.1 | awk -F: '/eh_frame/ && !e { e = $1 } /line program/ { l = $1 } END { exit !(l < e) }' ||
	fail "damaged FDEs: CFI warnings before the DWARF reader's"
[ "$(grep -c '^STACK CFI INIT ' out.1)" -ge $(( $(grep -c '^STACK CFI INIT ' cfi.1) - nbad )) ] ||
	fail "damaged FDEs: records from the undamaged FDEs were lost"
# .debug_frame and .eh_frame, read one after the other; .debug_frame
# compressed and damaged: its warning comes first, in its place
printf 'static int f(int x) { return x * 3; }\nint g(int x) { return f(x) + 1; }\nint main(int c, char **v) { (void)v; return g(c); }\n' > df.c
gcc -g -O1 -fno-asynchronous-unwind-tables df.c -o df || fail "cannot build df"
readelf -SW df | grep ' \.debug_frame ' > /dev/null && readelf -SW df | grep ' \.eh_frame ' > /dev/null ||
	fail "df has not both .debug_frame and .eh_frame"
same "df (.debug_frame and .eh_frame)" df
grep -q '^STACK CFI INIT ' out.1 || fail "df: no STACK CFI"
objcopy --compress-debug-sections=zlib df df.zlib || fail "objcopy df"
read -r off size <<< "$(sect_range df.zlib .debug_frame)"
[ -n "$size" ] || fail "no .debug_frame in df.zlib"
damage df.zlib $((off + size - 1))
same "df, damaged .debug_frame" df.zlib
grep -q 'warning: .*debug_frame.*does not decompress' err.1 || { cat err.1 >&2; fail "df.zlib: no warning about .debug_frame"; }

# PDB and PE: the module streams are read on the workers and the image's
# unwind tables in chunks meanwhile (SYM_TEST_PE_CHUNK=1: a
# RUNTIME_FUNCTION per chunk).  A generated program of 12 units, whose functions
# /opt:icf folds across them, and 6 more files of a twin function each
# (FUNC m, with the smallest name of any module), for x86_64 (STACK CFI from
# .pdata) and x86 (STACK WIN, parameter sizes); then the PDB with every
# third module stream damaged, whose warnings come module after module
export SYM_TEST_PE_CHUNK=1
python3 "$TOP/tests/fixtures/macho/gen-big.py" win 12 8 > /dev/null || fail "gen-big.py"
i=0
for name in e b f a d c; do
	printf 'extern "C" __declspec(dllexport) int twin_%s(int x) { return x * 7 + 3; }\n' $name > win/tw$i.cc
	i=$((i + 1))
done
for t in x86_64 i686; do
	for f in win/*.cc; do
		clang++ --target=$t-pc-windows-msvc -gcodeview -g -O2 -ffreestanding -nostdinc++ \
			-fno-exceptions -fno-rtti -fno-stack-protector -mno-stack-arg-probe -ffunction-sections \
			-fasynchronous-unwind-tables \
			-c "$f" -o "win/$t-$(basename "$f" .cc).obj" || fail "cannot compile $f for $t"
	done
	lld-link /nologo /debug /nodefaultlib /entry:main /subsystem:console /opt:noref /opt:icf \
		/out:win/$t.exe /pdb:win/$t.pdb win/$t-*.obj > link.err 2>&1 ||
		fail "cannot link win/$t.exe: $(cat link.err)"
	same "PDB and PE, $t" win/$t.exe
	# the units' f0 ... f7 are alike: each folded across the 12 modules
	[ "$(grep -c '^FUNC m .* big::u0::f[0-7](' out.1)" = 8 ] ||
		{ grep '^FUNC' out.1 >&2; fail "$t: not 8 functions folded across modules"; }
	[ "$(grep -c ' twin_' out.1)" = 1 ] && grep -q '^FUNC m [0-9a-f]* [0-9a-f]* [0-9a-f]* twin_a$' out.1 ||
		{ grep twin_ out.1 >&2; fail "$t: the six twins are not one FUNC m twin_a"; }
	grep -q '^INLINE_ORIGIN ' out.1 || fail "$t: no INLINE_ORIGIN records"
	case $t in
	x86_64) grep -q '^STACK CFI INIT ' out.1 || fail "$t: no STACK CFI" ;;
	i686) grep -q '^STACK WIN ' out.1 || fail "$t: no STACK WIN" ;;
	esac
	# the streams and the chunks were read by workers (some: how many
	# depends on timing), by this thread alone with -j 1; on the program
	# linked without folding (some hundred chunks).  The whole read takes
	# milliseconds, and this thread works too, so one run may end before
	# a worker gets a piece: up to 30 runs (a loaded machine may need
	# many), of which one must show each
	lld-link /nologo /debug /nodefaultlib /entry:main /subsystem:console /opt:noref /opt:noicf \
		/out:win/$t-all.exe /pdb:win/$t-all.pdb win/$t-*.obj > link.err 2>&1 ||
		fail "cannot link win/$t-all.exe: $(cat link.err)"
	for j in 1 2 8; do
		mods=0 chunks=0
		for try in $(seq 30); do
			SYM_TEST_PDB_STATS=1 SYM_TEST_PE_STATS=1 jrun -j $j -d win/$t-all.exe > /dev/null 2> stats ||
				fail "$t, -j $j, stats"
			line=$(grep '^dumpsyms: stats: PDB: ' stats) || { cat stats >&2; fail "$t -j $j: no PDB stats"; }
			[[ $line =~ PDB:\ ([0-9]+)\ module\ streams,\ ([0-9]+)\ read\ by\ a\ worker ]] ||
				fail "unexpected stats line: $line"
			[ "${BASH_REMATCH[1]}" -ge 19 ] || fail "$t: ${BASH_REMATCH[1]} module streams, expected 19 or more"
			mods=$((mods + BASH_REMATCH[2]))
			pe=$(grep '^dumpsyms: stats: PE unwind: ' stats)
			if [ $j = 1 ]; then
				[ $mods = 0 ] && [ -z "$pe" ] || fail "$t -j 1: read by a worker: $line $pe"
				break
			fi
			if [ $t = x86_64 ]; then	# no .pdata on x86
				[[ $pe =~ unwind:\ ([0-9]+)\ chunks,\ ([0-9]+)\ read\ by\ a\ worker ]] &&
					[ "${BASH_REMATCH[1]}" -ge 100 ] ||
					fail "$t -j $j: the unwind tables were not read in chunks: $pe"
				chunks=$((chunks + BASH_REMATCH[2]))
			fi
			[ $mods -gt 0 ] && { [ $t = i686 ] || [ $chunks -gt 0 ]; } && break
		done
		[ $j = 1 ] || [ $mods -gt 0 ] || fail "$t -j $j: no module stream read by a worker in $try runs"
		[ $j = 1 ] || [ $t = i686 ] || [ $chunks -gt 0 ] ||
			fail "$t -j $j: no unwind chunk read by a worker in $try runs"
		echo "$t -j $j: $mods module streams and $chunks unwind chunks read by a worker in $try runs"
	done
done
python3 "$TOP/tests/tools/pdb-mutate.py" win/x86_64.pdb bad 0 > /dev/null || fail "pdb-mutate.py"
same "PDB, every third module stream damaged" bad/mods-e5.pdb
[ "$(grep -o "module '[^']*'" err.1 | uniq | wc -l)" -ge 4 ] ||
	{ cat err.1 >&2; fail "damaged modules: fewer than 4 modules warn"; }
# damage_pdata IN OUT: every other RUNTIME_FUNCTION of a PE32+ image ends
# before it begins
damage_pdata() {
	python3 - "$1" "$2" <<'PY' || fail "cannot damage the exception directory of $1"
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
pe = struct.unpack_from('<I', d, 0x3c)[0]
nsec, optsize = struct.unpack_from('<H', d, pe + 6)[0], struct.unpack_from('<H', d, pe + 20)[0]
opt = pe + 24
assert struct.unpack_from('<H', d, opt)[0] == 0x20b
rva, size = struct.unpack_from('<II', d, opt + 112 + 3 * 8)
for i in range(nsec):
    s = pe + 24 + optsize + 40 * i
    vsize, va, rawsize, raw = struct.unpack_from('<IIII', d, s + 8)
    if va <= rva < va + max(vsize, rawsize):
        off = raw + rva - va
        break
n = size // 12
assert n >= 10
for k in range(0, n, 2):
    begin = struct.unpack_from('<I', d, off + 12 * k)[0]
    struct.pack_into('<I', d, off + 12 * k + 4, begin - 1)
open(sys.argv[2], 'wb').write(d)
PY
}
# and the image with every other RUNTIME_FUNCTION ending before it
# begins, read with that PDB: the unwind tables' warnings come after the
# PDB's, though the tables are read first
damage_pdata win/x86_64.exe bad.exe
pdb=bad/mods-e5.pdb same "damaged image and PDB" bad.exe
[ "$(grep -c 'ends before it begins' err.1)" -ge 5 ] || { cat err.1 >&2; fail "bad.exe: no unwind warnings"; }
grep -n . err.1 | grep "module '" | tail -n 1 | cut -d: -f1 > last-module
grep -n . err.1 | grep 'ends before it begins' | head -n 1 | cut -d: -f1 > first-unwind
[ "$(cat last-module)" -lt "$(cat first-unwind)" ] || fail "unwind warnings before the PDB's"
# the same program as PE images whose debug information is DWARF (mingw:
# clang's *-windows-gnu targets, ld.lld's PE flavour): .pdata is read in
# chunks on the workers while the DWARF is, at the addresses the DWARF
# reader writes (the image base taken off, or kept with -a); damaged, its
# warnings come alike; with -j 1 it is read after the DWARF, no chunks
printf 'extern "C" void __main(void) {}\n' > mw-stub.cc	# mingw's main calls it
for a in x86_64:i386pep aarch64:arm64pe; do
	t=${a%%:*} emu=${a#*:}
	for f in win/*.cc mw-stub.cc; do
		clang++ --target=$t-w64-windows-gnu -g -gdwarf-4 -O2 -ffreestanding -nostdinc++ \
			-fno-exceptions -fno-rtti -fno-stack-protector -mno-stack-arg-probe -ffunction-sections \
			-funwind-tables -c "$f" -o "mw-$t-$(basename "$f" .cc).o" || fail "cannot compile $f for $t (mingw)"
	done
	ld.lld -m $emu -e main --subsystem console -o mw-$t.exe mw-$t-*.o 2> link.err ||
		fail "cannot link mw-$t.exe: $(cat link.err)"
	same "mingw PE, $t" mw-$t.exe
	[ "$(grep -c '^STACK CFI INIT ' out.1)" -ge 100 ] && grep -q '^FUNC .* big::u0::f0(' out.1 ||
		fail "mingw $t: not the program's functions and unwind tables"
	same "mingw PE, $t, -a" mw-$t.exe -a
	for j in 2 8; do
		chunks=0
		for try in $(seq 30); do
			SYM_TEST_PE_STATS=1 jrun -j $j mw-$t.exe > /dev/null 2> stats || fail "mingw $t -j $j, stats"
			pe=$(grep '^dumpsyms: stats: PE unwind: ' stats)
			[[ $pe =~ unwind:\ ([0-9]+)\ chunks,\ ([0-9]+)\ read\ by\ a\ worker ]] &&
				[ "${BASH_REMATCH[1]}" -ge 100 ] || fail "mingw $t -j $j: .pdata not read in chunks: $pe"
			chunks=${BASH_REMATCH[2]}
			[ "$chunks" -gt 0 ] && break
		done
		[ "$chunks" -gt 0 ] || fail "mingw $t -j $j: no unwind chunk read by a worker in $try runs"
	done
	SYM_TEST_PE_STATS=1 jrun -j 1 mw-$t.exe > /dev/null 2> stats || fail "mingw $t -j 1, stats"
	grep -q '^dumpsyms: stats: PE unwind: ' stats && fail "mingw $t -j 1: .pdata read as a job"
done
damage_pdata mw-x86_64.exe mw-bad.exe
same "mingw PE, damaged .pdata" mw-bad.exe
[ "$(grep -c 'ends before it begins' err.1)" -ge 5 ] || { cat err.1 >&2; fail "mw-bad.exe: no unwind warnings"; }
unset SYM_TEST_PE_CHUNK

# the option itself
for bad in 0 -1 1025 x 2x ''; do
	jrun -j "$bad" "$big" > /dev/null 2> err && fail "-j '$bad' accepted"
	grep -q -- '-j takes a number of threads from 1 to 1024' err || fail "-j '$bad': $(cat err)"
done
jrun --jobs=3 -d big.zlib > long.sym || fail "--jobs=3"
jrun -j 1 -d big.zlib > one.sym || fail "-j 1"
cmp -s one.sym long.sym || fail "--jobs=3 differs from -j 1"
echo "ok"
