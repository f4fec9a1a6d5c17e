# Hostile Mach-O input: every variant tests/tools/macho-mutate.py makes of a
# thin binary, a fat binary, a FAT_MAGIC_64 binary and a dSYM (load
# commands past sizeofcmds, cmdsize 0, huge nsects and nsyms, sections and
# tables past the end, n_strx past the string table, broken __unwind_info
# pages, fat slices past the end or overlapping, truncations...), plus
# seeded random byte flips.  Each run must end with status 0 or 1 within
# the time limit, never a signal or a sanitizer report (this suite also
# runs under ASan+UBSan); a failure must print one message naming the file;
# --output must never leave a partial file behind.  Defects a reader cannot
# miss (bad header, load commands, slices) must fail.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
FX=$TOP/build/fixtures-macho
"$TOP/tests/fixtures/macho/build.sh" "$FX" > fixtures.txt 2> fixtures.err ||
	fail "cannot build the Mach-O fixtures: $(tail -n 5 fixtures.err)"
CORRUPT=$BUILD/tests/tools/corrupt
mkdir -p v
for f in macho-x86_64-O2-nofp macho-arm64-O2 macho-fat macho-fat64 \
	macho-x86_64-O2.dSYM/Contents/Resources/DWARF/macho-x86_64-O2; do
	python3 "$TOP/tests/tools/macho-mutate.py" "$FX/$f" v >> variants.txt 2>> mutate.err ||
		fail "macho-mutate.py failed on $f: $(tail -n 3 mutate.err)"
done
nv=$(wc -l < variants.txt)
[ "$nv" -ge 100 ] || fail "only $nv hostile variants"

# run ARGS...: dumpsyms ARGS --output out.sym (tests/lib.sh); prints its status
run() { hostile_run mac '' 60 "$@"; }

nfail=0
while read -r v; do
	name=$(basename "$v")
	case $name in
	*fat*) args=(--arch x86_64) ;;
	*) args=() ;;
	esac
	rc=$(run "${args[@]}" "$v") || exit 1
	# the variant's file is named in the message
	[ "$rc" = 0 ] || grep -q "$name" err.txt || fail "the message for $name does not name it: $(cat err.txt)"
	# these defects break the structure every read depends on
	case $name in
	*.ncmds-huge | *.cmdsize-zero | *.cmdsize-past-sizeofcmds | *.cmdsize-huge | *.cmdsize-unaligned | \
	*.nsects-huge | *.nsects-wrap | *.fat-nfat-huge | *.fat-nfat-zero | *.fat-slice-past-end | \
	*.fat-slices-overlap | *.fat-slice-bad-magic | *.trunc-fat-header | *.symoff-past-end | \
	*.symtab-partly-past-end | *.nsyms-absurd | *.stroff-past-end | *.strsize-past-end | \
	*.uuid-cmdsize-small | *.trunc-header | *.trunc-loadcmds | *.section-past-end-* | *.section-offset-wrap-*)
		[ "$rc" = 1 ] || fail "$name was accepted" ;;
	esac
	[ "$rc" = 1 ] && nfail=$((nfail + 1))
	echo "$name $rc" >> results.txt
done < variants.txt
[ "$nfail" -ge 40 ] || fail "only $nfail of $nv variants were refused"

# a binary with a damaged dSYM, and a damaged binary with its good dSYM
for d in v/macho-x86_64-O2.dSYM.*; do
	[ -f "$d" ] || continue
	run "$FX/macho-x86_64-O2" -g "$d" > /dev/null || exit 1
done

# seeded random flips in the header and load commands, then anywhere
n=0
for f in macho-x86_64-O2-nofp macho-arm64-O2 macho-fat; do
	for seed in $(seq 1 40); do
		"$CORRUPT" "$FX/$f" flip.bin fliprange "$seed" 4 0 4096 || fail "corrupt failed"
		run --arch arm64 flip.bin > /dev/null || exit 1
		"$CORRUPT" "$FX/$f" flip.bin flip "$seed" 16 || fail "corrupt failed"
		run --arch arm64 flip.bin > /dev/null || exit 1
		n=$((n + 2))
	done
done
echo "$nv variants ($nfail refused), $n random flips"
