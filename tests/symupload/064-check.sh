# symupload check FILE...: no URL, no network; for each file what an upload
# would give (format, arch, debug_file, debug_id, code_id, and whether it
# has functions, line records, inline records and CFI, with counts); a
# warning for a file with only a symbol table and for a binary whose
# separate debug file is not found; --json; exit 0 when every file
# converts, 3 when one does not, 2 on a usage error.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
SYMUPLOAD=$BUILD/symupload/symupload
py() { python3 -c "$@"; }

hello_prog
id=$(readelf -n hello | sed -n 's/.*Build ID: \([0-9a-f]*\).*/\1/p' | tr a-f A-F)
mkdir with alone
objcopy --only-keep-debug hello with/hello.debug &&
	objcopy --strip-debug --add-gnu-debuglink=with/hello.debug hello with/hello &&
	cp with/hello alone/hello || fail "objcopy"
"$DUMPSYMS" hello > want.sym
read -r _ _ arch mid _ < want.sym
nfunc=$(grep -c '^FUNC ' want.sym); nline=$(grep -cE '^[0-9a-f]+ [0-9a-f]+ [0-9]+ [0-9]+$' want.sym)
ncfi=$(grep -c '^STACK ' want.sym)
[ "$nfunc" -gt 0 ] && [ "$nline" -gt 0 ] && [ "$ncfi" -gt 0 ] || fail "dumpsyms' conversion lacks records"
echo "just text" > notes.txt

# -- the full binary
"$SYMUPLOAD" check hello > full.out 2> full.err || fail "check of the full binary: exit $?: $(cat full.out full.err)"
cat > full.want <<W
hello: ELF with debug information, Linux, $arch
  debug_file  hello
  debug_id    $mid
  code_id     $id
  functions   yes ($nfunc FUNC records)
  lines       yes ($nline line records)
  inlines     no
  CFI         yes ($ncfi STACK records)
W
head -n 8 full.out > full.head
compare full.want full.head "check of the full binary"
grep -q 'warning' full.out && fail "a warning for the full binary: $(cat full.out)"

# -- the stripped binary alone: a symbol table only, its debug file not found
"$SYMUPLOAD" check alone/hello > alone.out 2> alone.err || fail "check of the stripped binary: exit $?"
grep -q '^  functions   no$' alone.out && grep -q '^  lines       no$' alone.out || fail "stripped: $(cat alone.out)"
grep -q '^  warning: only a symbol table' alone.out || fail "no warning of a symbol table only: $(cat alone.out)"
grep -q "^  warning: its separate debug file was not found (build id $id, .gnu_debuglink hello.debug)" alone.out ||
	fail "no warning of the missing debug file: $(cat alone.out)"
# ... found next to it, or by --debug-dir: the rich conversion, no warning
"$SYMUPLOAD" check with/hello > with.out 2>&1 || fail "check with the debug file: exit $?"
grep -q "^  debug info  from with/hello.debug$" with.out || fail "the debug file used is not said: $(cat with.out)"
grep -q "^  functions   yes ($nfunc FUNC records)" with.out || fail "with the debug file: $(cat with.out)"
grep -q 'warning' with.out && fail "a warning with the debug file found: $(cat with.out)"
"$SYMUPLOAD" check --debug-dir with alone/hello > dd.out 2>&1 || fail "--debug-dir: exit $?"
grep -q "^  functions   yes ($nfunc FUNC records)" dd.out || fail "--debug-dir: $(cat dd.out)"

# -- a file that is no object: an error, exit 3; the others still checked
"$SYMUPLOAD" check --json hello alone/hello notes.txt want.sym > mix.json 2> mix.err; rc=$?
[ $rc -eq 3 ] || fail "a text file among them: exit $rc (want 3)"
py "
import json; d=json.load(open('mix.json'))
assert [f['path'] for f in d] == ['hello', 'alone/hello', 'notes.txt', 'want.sym'], d
full, alone, txt, sym = d
for f in (full, sym):
    assert (f['debug_file'], f['debug_id'], f['arch'], f['code_id']) == ('hello', '$mid', '$arch', '$id'), f
    assert (f['functions'], f['lines'], f['inlines'], f['cfi']) == ($nfunc, $nline, 0, $ncfi), f
    assert f['warnings'] == [] and 'error' not in f, f
assert sym['format'] == 'Breakpad .sym', sym
assert alone['functions'] == 0 and alone['lines'] == 0 and alone['publics'] > 0, alone
assert len(alone['warnings']) == 2 and 'error' not in alone, alone
assert 'not a .sym file' in txt['error'] and 'debug_id' not in txt, txt
" || fail "--json: $(cat mix.json)"
# a PE image and its PDB: one module
"$SYMUPLOAD" check --json "$FIXTURES/windows/win-x86-O2.dll" "$FIXTURES/windows/win-x86-O2.pdb" > win.json 2> win.err ||
	fail "a PE image and its PDB: exit $?: $(cat win.err)"
py "
import json; dll, pdb = json.load(open('win.json'))
assert (dll['format'], pdb['format']) == ('PE', 'PDB'), (dll, pdb)
assert dll['debug_file'] == pdb['debug_file'] == 'win-x86-O2.pdb' and dll['debug_id'] == pdb['debug_id'], (dll, pdb)
assert dll['functions'] > 0 and dll['lines'] > 0 and dll['cfi'] > 0 and dll['code_file'] == 'win-x86-O2.dll', dll
" || fail "a PE image and its PDB: $(cat win.json)"
"$SYMUPLOAD" check notes.txt > txt.out 2>&1; [ $? -eq 3 ] || fail "a text file: not exit 3"
grep -q '^  error: not a .sym file' txt.out || fail "a text file: $(cat txt.out)"
"$SYMUPLOAD" check missing.elf > /dev/null 2>&1; [ $? -eq 3 ] || fail "a missing file: not exit 3"
"$SYMUPLOAD" check > /dev/null 2>&1; [ $? -eq 2 ] || fail "no file: not exit 2"
"$SYMUPLOAD" check --bogus hello > /dev/null 2>&1; [ $? -eq 2 ] || fail "a bad option: not exit 2"
exit 0
