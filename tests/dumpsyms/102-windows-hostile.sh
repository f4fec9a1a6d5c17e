# Hostile PDB and PE input: every variant tests/tools/win-mutate.py makes of
# the x86_64 and x86 fixture PDBs and the x86_64 and arm64 fixture DLLs
# (truncations, superblock and MSF directory defects: block numbers out of
# range, the directory or a stream on the superblock or on another stream's
# blocks, huge NumStreams and stream sizes; DBI, module stream, symbol
# record, binary annotation, C13, TPI/IPI defects; PE headers, sections,
# debug directory, exports, .pdata/.xdata/UNWIND_INFO defects incl. chains
# to itself), plus 200 seeded byte-flip variants.  A PDB variant is read
# alone and with its good DLL, a DLL variant alone and with its good PDB.
# Each run must end with status 0 or 1 within `timeout 10` (never a signal,
# never 124), without a sanitizer report (this suite also runs under
# ASan+UBSan); a failure must print a message naming the variant; --output
# must never leave a partial or temporary file.  Defects that break what
# every read depends on (superblock, MSF directory, the PE headers and
# section table) must fail.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
FX=$FIXTURES/windows
"$TOP/tests/fixtures/windows/build.sh" "$FX" > fixtures.txt 2> fixtures.err ||
	fail "cannot build the Windows fixtures: $(tail -n 5 fixtures.err)"
mkdir -p v
# name flips seed
while read -r f flips seed; do
	python3 "$TOP/tests/tools/win-mutate.py" "$FX/$f" v "$flips" "$seed" >> variants.txt 2>> mutate.err ||
		fail "win-mutate.py failed on $f: $(tail -n 3 mutate.err)"
done <<EOF
win-x86_64-O2.pdb 60 1
win-x86-O2.pdb 60 2
win-x86_64-O2.dll 40 3
win-arm64-O2.dll 40 4
EOF
# the unharmed files convert: a refusal of everything would pass below
for f in win-x86_64-O2.pdb win-x86-O2.pdb win-x86_64-O2.dll win-arm64-O2.dll; do
	timeout 60 "$DUMPSYMS" "$FX/$f" > good.sym 2> good.err || fail "dumpsyms $f failed: $(head -n 3 good.err)"
	grep -q '^FUNC ' good.sym || fail "dumpsyms $f wrote no FUNC"
done
nv=$(wc -l < variants.txt)
[ "$nv" -ge 400 ] || fail "only $nv hostile variants"

# run VARIANT ARGS...: dumpsyms ARGS --output out.sym (tests/lib.sh), the
# message naming VARIANT; prints its status
run() {
	local v=$1
	shift
	hostile_run windows "$(basename "$v")" 10 "$@"
}

nfail=0 n=0
while read -r v; do
	name=$(basename "$v")
	case $name in
	*.pdb)
		good=$FX/${name#*.}
		good=${good%.pdb}.dll
		rc=$(run "$v" "$v") || exit 1
		rc2=$(run "$v" "$good" "$v") || exit 1
		# defects no PDB read survives
		case $name in
		trunc-0.* | trunc-1.* | trunc-31.* | trunc-32.* | trunc-55.* | blocksize-* | numblocks-* | \
		dirbytes-* | blockmap-past-end.* | dirblock-past-end.* | numstreams-* | \
		streamblock-past-end-1.* | streamblock-past-end-3.* | streamsize-huge-1.* | streamsize-huge-3.*)
			[ "$rc" = 1 ] || fail "$name was accepted"
			[ "$rc2" = 1 ] || fail "$name was accepted with its DLL" ;;
		esac ;;
	*.dll)
		good=$FX/${name#*.}
		good=${good%.dll}.pdb
		rc=$(run "$v" "$v") || exit 1
		rc2=$(run "$v" "$v" "$good") || exit 1
		case $name in
		trunc-0.* | trunc-2.* | trunc-60.* | trunc-64.* | lfanew-* | nsections-huge.* | opthdr-size-huge.*)
			[ "$rc" = 1 ] || fail "$name was accepted"
			[ "$rc2" = 1 ] || fail "$name was accepted with its PDB" ;;
		esac ;;
	*) fail "unexpected variant $v" ;;
	esac
	[ "$rc" = 1 ] && nfail=$((nfail + 1))
	n=$((n + 1))
	echo "$name $rc $rc2" >> results.txt
done < variants.txt
[ "$n" = "$nv" ] || fail "ran $n of $nv variants"
[ "$nfail" -ge 60 ] || fail "only $nfail of $nv variants were refused"
[ $((nv - nfail)) -ge 10 ] || fail "only $((nv - nfail)) of $nv variants were read: byte flips in a few places must not sink a whole file"
echo "$nv variants: $nfail refused, the rest read without harm"
