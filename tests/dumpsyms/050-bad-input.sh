# Hostile and damaged inputs: each must give a clear message on stderr and
# exit 1 (or convert what can be trusted and exit 0), never crash or hang,
# and never leave a partial output file behind.
. "${TOP:?run tests through tests/run}/tests/lib.sh"

small_prog

# check NAME EXPECT: runs dumpsyms on NAME with --output, then checks the
# exit status (EXPECT: fail = must exit 1, any = 0 or 1), that a failure
# printed a message naming the file, and that no partial output is left.
check() {
	local in=$1 expect=$2 rc
	rm -f out.sym .out.sym.*
	timeout 60 "$DUMPSYMS" --output out.sym "$in" > stdout.txt 2> stderr.txt
	rc=$?
	if [ $rc -ge 124 ]; then
		cat stderr.txt >&2
		fail "$in: dumpsyms crashed or hung (exit $rc)"
	fi
	if grep -qE "AddressSanitizer|runtime error|LeakSanitizer" stderr.txt; then
		cat stderr.txt >&2
		fail "$in: sanitizer report"
	fi
	ls -a | grep -q '^\.out\.sym\.' && fail "$in: a temporary output file was left behind"
	case $rc in
	0)	[ "$expect" = fail ] && fail "$in: expected failure, got success"
		[ -s out.sym ] || fail "$in: success but no output"
		head -n 1 out.sym | grep -q '^MODULE Linux ' || fail "$in: output does not start with MODULE"
		;;
	1)	[ -e out.sym ] && fail "$in: failed but left out.sym"
		[ -s stderr.txt ] || fail "$in: failed without a message"
		grep -q "^dumpsyms: " stderr.txt || fail "$in: message lacks the program name: $(cat stderr.txt)"
		;;
	*)	cat stderr.txt >&2; fail "$in: unexpected exit status $rc" ;;
	esac
}

# An empty file, a missing file, a directory.
: > empty
check empty fail
grep -q "empty" stderr.txt || fail "empty file: message does not say so: $(cat stderr.txt)"
check does-not-exist fail
grep -q "does-not-exist" stderr.txt || fail "missing file: message does not name it"
mkdir adir
check adir fail

# Random bytes, with and without an ELF magic in front.
for seed in 1 2 3 4 5; do
	corrupt /dev/null rnd$seed random $seed 4096
	check rnd$seed fail
	printf '\177ELF\002\001\001' > elfrnd$seed
	cat rnd$seed >> elfrnd$seed
	check elfrnd$seed any
done

# Truncations at many points through the file.
size=$(stat -c %s prog)
for cut in 4 16 52 63 64 100 200 1000 2000 $((size / 4)) $((size / 2)) $((size - 100)) $((size - 1)); do
	corrupt prog trunc$cut truncate $cut
	check trunc$cut any
done

# Corrupt ELF header fields: e_shoff (0x28), e_shnum (0x3c), e_shstrndx
# (0x3e), e_phoff (0x20), e_phnum (0x38).
corrupt prog shoff set 0x28 ffffffffffffff7f;  check shoff any
corrupt prog shnum set 0x3c ffff;              check shnum any
corrupt prog shstrndx set 0x3e fe7f;           check shstrndx any
corrupt prog phoff set 0x20 ffffffffffffff7f;  check phoff any
corrupt prog phnum set 0x38 ffff;              check phnum any

# DWARF sections with lengths past their end: overwrite the first unit
# length of .debug_info, .debug_line and the first abbreviation.
sec_off() { readelf -SW prog | awk -v n="$1" '$2 == n { print "0x" $5 } $3 == n { print "0x" $6 }' | head -n1; }
for sec in .debug_info .debug_line .debug_abbrev .debug_str .debug_line_str .debug_rnglists; do
	off=$(sec_off $sec)
	[ -n "$off" ] || continue
	name=bad${sec//./_}
	corrupt prog $name set "$off" ffffff7f; check $name any
	corrupt prog ${name}64 set "$off" ffffffff00000000000000f0; check ${name}64 any
	corrupt prog ${name}ver set "$((off + 4))" 0900; check ${name}ver any
done
# a section header whose offset points past the end of the file
shdr=$(( $(od -An -t u8 -j 40 -N 8 prog) ))
entsz=64
idx=$(readelf -SW prog | awk '$2 == ".debug_info" { gsub(/[\[\]]/, "", $1); print $1 }')
if [ -n "$idx" ]; then
	corrupt prog badshdr set $((shdr + idx * entsz + 24)) 00000000ffff0000; check badshdr any
fi

# Random damage anywhere: 300 variants.
for seed in $(seq 1 300); do
	corrupt prog flip$seed flip $seed 8
	check flip$seed any
	rm -f flip$seed
done

# No debug information at all: still MODULE, INFO and PUBLIC.
cp prog stripped && strip -g stripped
check stripped any
[ -s out.sym ] || fail "a binary without debug info gave no output"
grep -q '^INFO CODE_ID ' out.sym || fail "no INFO CODE_ID for a binary without debug info"
grep -q '^PUBLIC .* work$' out.sym || fail "no PUBLIC record for work() in a binary without debug info"
grep -q '^FUNC ' out.sym && fail "FUNC records from a binary without debug info"

# A failed conversion leaves an existing output file untouched.
echo "previous content" > keep.sym
"$DUMPSYMS" --output keep.sym empty 2>/dev/null && fail "empty input succeeded"
[ "$(cat keep.sym)" = "previous content" ] || fail "a failed run changed the existing output file"
exit 0
