# The same warnings for Windows and Mach-O inputs:
#   - a DLL whose PDB is neither beside it nor in a debug directory: the
#     "no debug information" warning naming the PDB; --strict fails and
#     writes nothing; a PDB beside it that cannot be read: a warning saying
#     why; a DLL cut short: exit 1, "truncated", no output file;
#   - a Mach-O binary without its dSYM: the "no debug information" warning;
#     a truncated dSYM beside it: a warning; --strict fails;
#   - with the PDB / dSYM found: no warning, --strict passes.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
WX=$FIXTURES/windows
"$TOP/tests/fixtures/windows/build.sh" "$WX" > wfixtures.txt 2> wfixtures.err ||
	fail "cannot build the Windows fixtures: $(tail -n 5 wfixtures.err)"
MX=$TOP/build/fixtures-macho
"$TOP/tests/fixtures/macho/build.sh" "$MX" > mfixtures.txt 2> mfixtures.err ||
	fail "cannot build the Mach-O fixtures: $(tail -n 5 mfixtures.err)"


# --- Windows -------------------------------------------------------------
v=win-x86_64-O2
[ -f "$WX/$v.dll" ] && [ -f "$WX/$v.pdb" ] || fail "fixture $v is missing"
mkdir both alone cutpdb cutdll pdbalone
cp "$WX/$v.dll" "$WX/$v.pdb" both/
cp "$WX/$v.dll" alone/
cp "$WX/$v.pdb" pdbalone/
"$DUMPSYMS" --strict --output both.sym both/$v.dll 2> both.err || fail "DLL with its PDB: --strict failed: $(cat both.err)"
[ -s both.err ] && fail "DLL with its PDB: warnings: $(cat both.err)"
grep -q '^FUNC ' both.sym || fail "DLL with its PDB: no FUNC records"
"$DUMPSYMS" --output pdbonly.sym pdbalone/$v.pdb 2> pdbonly.err || fail "the PDB alone failed"
[ -s pdbonly.err ] && fail "a PDB alone: warnings: $(cat pdbonly.err)"

"$DUMPSYMS" --output alone.sym alone/$v.dll 2> alone.err || fail "DLL without its PDB: exit $?: $(cat alone.err)"
grep -q "^dumpsyms: warning: alone/$v.dll: no debug information: its PDB '$v.pdb' is not beside it" alone.err ||
	fail "DLL without its PDB: no warning naming the PDB: $(cat alone.err)"
grep -q '^FUNC ' alone.sym && fail "DLL without its PDB: FUNC records"
grep -q '^PUBLIC ' alone.sym || fail "DLL without its PDB: no PUBLIC records from its exports"
strict_fails alone alone/$v.dll
# a debug directory without it is named in the warning
mkdir nodir
"$DUMPSYMS" alone/$v.dll nodir > /dev/null 2> alonedir.err
grep -q "nor in the debug directories" alonedir.err || fail "DLL without its PDB, debug dir given: $(cat alonedir.err)"
# ... and a debug directory with it: found, quiet
"$DUMPSYMS" --strict alone/$v.dll both > dirpdb.sym 2> dirpdb.err || fail "PDB in a debug directory: $(cat dirpdb.err)"
[ -s dirpdb.err ] && fail "PDB in a debug directory: warnings: $(cat dirpdb.err)"

# a truncated PDB beside the DLL: a warning that says why, then the same
cp "$WX/$v.dll" cutpdb/
head -c $(( $(stat -c %s "$WX/$v.pdb") / 2 )) "$WX/$v.pdb" > cutpdb/$v.pdb
"$DUMPSYMS" --output cutpdb.sym cutpdb/$v.dll 2> cutpdb.err || fail "DLL with a truncated PDB: exit $?"
grep -q "^dumpsyms: warning: .*cutpdb/$v.pdb" cutpdb.err || fail "DLL with a truncated PDB: no warning naming it: $(cat cutpdb.err)"
grep -q "no debug information: its PDB '$v.pdb' cannot be used" cutpdb.err ||
	fail "DLL with a truncated PDB: no 'cannot be used' warning: $(cat cutpdb.err)"
strict_fails cutpdb cutpdb/$v.dll

# a DLL cut short: an error, nothing written
size=$(stat -c %s "$WX/$v.dll")
cp "$WX/$v.pdb" cutdll/
for cut in 1024 $((size / 2)) $((size - 1)); do
	head -c $cut "$WX/$v.dll" > cutdll/$v.dll
	rm -f cutdll.sym
	"$DUMPSYMS" --output cutdll.sym cutdll/$v.dll 2> cutdll.err
	rc=$?
	[ $rc = 1 ] || fail "a DLL cut at $cut bytes: exit $rc, expected 1: $(cat cutdll.err)"
	grep -q "cutdll/$v.dll' is truncated" cutdll.err || fail "a DLL cut at $cut bytes: $(cat cutdll.err)"
	[ -e cutdll.sym ] && fail "a DLL cut at $cut bytes: output written"
done

# --- Mach-O ----------------------------------------------------------------
m=macho-x86_64-O2
[ -f "$MX/$m" ] && [ -d "$MX/$m.dSYM" ] || fail "fixture $m is missing"
mkdir mboth malone mcut
cp -r "$MX/$m" "$MX/$m.dSYM" mboth/
cp "$MX/$m" malone/
"$DUMPSYMS" --strict --output mboth.sym mboth/$m 2> mboth.err || fail "Mach-O with its dSYM: --strict failed: $(cat mboth.err)"
[ -s mboth.err ] && fail "Mach-O with its dSYM: warnings: $(cat mboth.err)"
grep -q '^FUNC ' mboth.sym || fail "Mach-O with its dSYM: no FUNC records"

"$DUMPSYMS" --output malone.sym malone/$m 2> malone.err || fail "Mach-O without its dSYM: exit $?"
grep -q "^dumpsyms: warning: malone/$m: no debug information .*dSYM" malone.err ||
	fail "Mach-O without its dSYM: no warning: $(cat malone.err)"
grep -q '^FUNC ' malone.sym && fail "Mach-O without its dSYM: FUNC records"
strict_fails malone malone/$m

cp -r "$MX/$m" "$MX/$m.dSYM" mcut/
dw=mcut/$m.dSYM/Contents/Resources/DWARF/$m
head -c $(( $(stat -c %s "$dw") / 2 )) "$MX/$m.dSYM/Contents/Resources/DWARF/$m" > "$dw"
"$DUMPSYMS" --output mcut.sym mcut/$m 2> mcut.err || fail "Mach-O with a truncated dSYM: exit $?"
grep -q "^dumpsyms: warning: .*$dw" mcut.err || fail "Mach-O with a truncated dSYM: no warning naming it: $(cat mcut.err)"
grep -q "no debug information" mcut.err || fail "Mach-O with a truncated dSYM: no 'no debug information' warning"
strict_fails mcut mcut/$m
exit 0
