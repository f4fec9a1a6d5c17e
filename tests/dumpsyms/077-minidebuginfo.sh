# MiniDebugInfo (.gnu_debugdata): a binary stripped as Fedora strips it,
# its function symbols not in .dynsym kept in an xz-compressed ELF file in
# section .gnu_debugdata, converts to the PUBLIC records of the same binary
# stripped of its debug information only (full .symtab): same records,
# same order, same MODULE and INFO lines; the "no debug information"
# warning says the names came from .gnu_debugdata, never "only dynamic
# symbols".  Fixtures: C and C++ programs with internal-linkage functions
# and a C shared library (defined functions in .dynsym too), by gcc and
# clang at -O2.
#
# A .gnu_debugdata that cannot be used (truncated or corrupt xz, no xz at
# all, an xz bomb past the 256 MiB cap, a payload that is not ELF, an ELF
# file of another machine or another build, one without a symbol table):
# a warning naming what is wrong, exit 0, the PUBLIC records of .dynsym
# alone (those of the binary without the section), no sanitizer report;
# --strict fails on it.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
for tool in gcc g++ clang clang++ objcopy strip nm readelf xz comm; do
	command -v $tool > /dev/null || fail "$tool is required (scripts/deps --test installs it)"
done

cat > prog.c <<'SRC'
#include <stdio.h>
#include <stdlib.h>
static int __attribute__((noinline)) helper(int x) { return x * 3 + rand(); }
static int __attribute__((noinline)) twice(int x) { return helper(x) + helper(x + 1); }
int __attribute__((noinline)) visible(int x) { return twice(x) ^ 5; }
int __attribute__((noinline)) exported(int x) { return visible(x) - helper(x); }
int main(int argc, char **argv) { (void)argv; printf("%d\n", exported(argc)); return 0; }
SRC
cat > prog.cc <<'SRC'
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>
namespace store {
namespace {
int __attribute__((noinline)) normalize_sku(int x) { return x * 7 + std::rand(); }
struct Cmd { virtual ~Cmd() {} virtual int run(int) = 0; };
struct Restock : Cmd { int run(int x) override { return normalize_sku(x) + 1; } };
}
template <typename T> T __attribute__((noinline)) twice(T x) { return x + x + (T)std::rand(); }
inline int __attribute__((noinline)) inl(int x) { return x - std::rand(); }
static int __attribute__((noinline)) local(int x) { return inl(x) * 3; }
}
int main(int argc, char **) {
	std::vector<std::string> v(argc, "x");
	store::Restock r;
	store::Cmd *c = &r;
	std::printf("%d %ld %zu\n", c->run(argc), store::twice<long>(argc) + store::twice<int>(argc) +
		    store::local(argc), v.size());
	return 0;
}
SRC

# mdi BIN OUT (tests/lib.sh): OUT is BIN with MiniDebugInfo as Fedora makes it
mkdir -p mdi full bare
n=0 total=0
for cc in gcc clang; do
	cxx=g++; [ $cc = clang ] && cxx=clang++
	$cc -O2 -g -o src-$cc-c prog.c || fail "cannot compile prog.c with $cc"
	$cxx -O2 -g -o src-$cc-cxx prog.cc || fail "cannot compile prog.cc with $cxx"
	$cc -O2 -g -fPIC -shared -o src-$cc-lib.so prog.c || fail "cannot link prog.c as a library with $cc"
	for kind in c cxx lib.so; do
		f=$cc-$kind
		mdi src-$f mdi/$f
		cp src-$f full/$f && strip --strip-debug full/$f || fail "strip --strip-debug $f"
		cp src-$f bare/$f && strip --strip-all bare/$f || fail "strip --strip-all $f"
		readelf -S mdi/$f | grep '\.symtab' > /dev/null && fail "mdi/$f still has a .symtab: the recipe is wrong"
		run_dumpsyms mdi/$f > $f.mdi.sym 2> $f.mdi.err || fail "$f: dumpsyms failed on the MiniDebugInfo copy: $(cat $f.mdi.err)"
		"$DUMPSYMS" full/$f > $f.full.sym 2> $f.full.err || fail "$f: dumpsyms failed on the --strip-debug copy"
		"$DUMPSYMS" bare/$f > $f.bare.sym 2> /dev/null || fail "$f: dumpsyms failed on the --strip-all copy"
		grep -E -q 'AddressSanitizer|runtime error|LeakSanitizer' $f.mdi.err && fail "$f: sanitizer report: $(cat $f.mdi.err)"
		# the same module: name, ids, INFO
		compare <(grep -v '^PUBLIC' $f.full.sym | grep -v '^STACK' ) <(grep -v '^PUBLIC' $f.mdi.sym | grep -v '^STACK') "$f: the records but PUBLIC and STACK"
		grep '^PUBLIC' $f.full.sym > $f.full.pub
		grep '^PUBLIC' $f.mdi.sym > $f.mdi.pub
		grep '^PUBLIC' $f.bare.sym > $f.bare.pub
		compare $f.full.pub $f.mdi.pub "$f: the PUBLIC records (MiniDebugInfo vs --strip-debug)"
		[ "$(wc -l < $f.mdi.pub)" -gt "$(wc -l < $f.bare.pub)" ] ||
			fail "$f: no more PUBLIC records than .dynsym alone gives: the .gnu_debugdata was not read"
		grep -q "only dynamic symbols" $f.mdi.err && fail "$f: 'only dynamic symbols' although .gnu_debugdata was read: $(cat $f.mdi.err)"
		grep -q "^dumpsyms: warning: mdi/$f: no debug information (only a symbol table, from .gnu_debugdata" $f.mdi.err ||
			fail "$f: the warning does not say the names came from .gnu_debugdata: $(cat $f.mdi.err)"
		[ "$(grep -c . $f.mdi.err)" = 1 ] || fail "$f: more than the one warning: $(cat $f.mdi.err)"
		n=$((n + 1)) total=$((total + $(wc -l < $f.mdi.pub)))
	done
	# what the fixtures must show: internal-linkage names, and for the
	# library, .dynsym's functions next to the embedded ones
	grep -q ' helper$' $cc-c.mdi.pub || fail "$cc-c: no PUBLIC helper (a static function)"
	grep -q 'store::(anonymous namespace)::normalize_sku(int)$' $cc-cxx.mdi.pub || fail "$cc-cxx: no PUBLIC normalize_sku"
	grep -q ' visible$' $cc-lib.so.mdi.pub || fail "$cc-lib.so: no PUBLIC visible (from .dynsym)"
	grep -q ' helper$' $cc-lib.so.mdi.pub || fail "$cc-lib.so: no PUBLIC helper (from .gnu_debugdata)"
	grep -q ' visible$' mdi/$cc-lib.so.keep && fail "$cc-lib.so: the recipe kept a dynamic symbol"
done
echo "$n MiniDebugInfo binaries: $total PUBLIC records, each equal to the --strip-debug copy's"

# ---- a .gnu_debugdata that cannot be used ---------------------------------
f=gcc-lib.so
good=mdi/$f.mini.xz
size=$(stat -c %s $good)
# hostile NAME PAYLOAD PATTERN: bare/$f with PAYLOAD as its .gnu_debugdata
# warns PATTERN, exits 0 with .dynsym's PUBLIC records, and --strict fails
hostile() {
	local name=$1 payload=$2 pattern=$3 rc start secs
	cp bare/$f $name || fail "cp"
	objcopy --add-section .gnu_debugdata="$payload" $name || fail "$name: objcopy --add-section"
	start=$(date +%s%N)
	rc=$(hostile_run Linux "" 120 $name) || exit 1
	secs=$(( ($(date +%s%N) - start) / 1000000 ))
	[ "$rc" = 0 ] || fail "$name: exit $rc: $(cat err.txt)"
	grep -q "^dumpsyms: warning: .*$pattern" err.txt || fail "$name: no warning '$pattern': $(cat err.txt)"
	grep -q "PUBLIC records come from .dynsym alone" err.txt || fail "$name: the warning does not say what is used: $(cat err.txt)"
	[ "$(grep -c "gnu_debugdata" err.txt)" = 1 ] || fail "$name: not one warning about .gnu_debugdata: $(cat err.txt)"
	grep -q "only dynamic symbols" err.txt || fail "$name: the no-debug-information warning does not say 'only dynamic symbols': $(cat err.txt)"
	grep '^PUBLIC' out.sym > $name.pub
	compare $f.bare.pub $name.pub "$name: PUBLIC records"
	strict_fails $name $name
	echo "$name: ${secs} ms: $(grep -m1 gnu_debugdata err.txt)"
}
head -c $((size / 2)) $good > trunc.xz
hostile trunc trunc.xz "truncated xz stream"
# a byte in the middle of the compressed data changed: the CRC catches it
cp $good corrupt.xz
printf '\x55' | dd of=corrupt.xz bs=1 seek=$((size / 2)) conv=notrunc status=none
cmp -s $good corrupt.xz && printf '\xaa' | dd of=corrupt.xz bs=1 seek=$((size / 2)) conv=notrunc status=none
hostile corrupt corrupt.xz "corrupt xz data\|truncated xz stream"
xz -d -c $good > raw.elf
hostile notxz raw.elf "is not xz data"
# 300 MB of zeros (about 45 kB of xz): refused on what its index says,
# before decoding
head -c 300M /dev/zero | xz -0 -T1 > bomb.xz || fail "cannot make the xz bomb"
hostile bomb bomb.xz "declares 314572800 bytes uncompressed, more than the 256 MiB"
# two streams of 150 MB each (each index within the cap): refused when
# the output reaches the cap
head -c 150M /dev/zero | xz -0 -T1 > half.xz || fail "cannot make the xz bomb"
cat half.xz half.xz > bomb2.xz
hostile bomb2 bomb2.xz "decompresses to more than 256 MiB"
cat prog.c prog.cc | xz -c > text.xz
hostile text text.xz "not an ELF file"
# an ELF object (it has a .symtab) of another machine
clang --target=aarch64-linux-gnu -O2 -ffreestanding -c -x c - -o arm.o <<< 'static int h(int x) { return x + 1; } int f(int x) { return h(x) * 2; }' ||
	fail "cannot compile for aarch64 with clang"
xz -c arm.o > arm.xz
hostile arm arm.xz "MiniDebugInfo in .gnu_debugdata is for arm64"
# another build's MiniDebugInfo (clang's program, in gcc's library)
hostile otherbuild mdi/clang-c.mini.xz "MiniDebugInfo in .gnu_debugdata has build id"
# an ELF file without a symbol table
xz -c bare/$f > nosymtab.xz
hostile nosymtab nosymtab.xz "has no symbol table"
exit 0
