# An input without debug information converts (MODULE, INFO, PUBLIC, STACK
# CFI) but says so on stderr, without -v, as
# "dumpsyms: warning: FILE: no debug information ..."; with --strict the
# run fails (exit 1), writes no --output file (an existing one is left as
# it was) and no --store file.  -i (header only) does not look for debug
# information and does not warn.
. "${TOP:?run tests through tests/run}/tests/lib.sh"

small_prog
cp prog nodebug && strip -g nodebug		# a symbol table, no DWARF
cp prog bare && strip bare			# dynamic symbols only

# the full binary: no warning at all
"$DUMPSYMS" --output full.sym prog 2> full.err || fail "the full binary failed: $(cat full.err)"
[ -s full.err ] && fail "warnings for a binary with debug information: $(cat full.err)"
grep -q '^FUNC .* work$' full.sym || fail "no FUNC work in the full conversion"
"$DUMPSYMS" --strict --output strict-full.sym prog 2> sf.err || fail "--strict refused a good binary: $(cat sf.err)"
cmp -s full.sym strict-full.sym || fail "--strict changed the output of a good binary"

for f in nodebug bare; do
	rm -f out.sym
	"$DUMPSYMS" --output out.sym $f 2> $f.err
	rc=$?
	[ $rc = 0 ] || fail "$f: exit $rc without --strict: $(cat $f.err)"
	grep -q "^dumpsyms: warning: $f: no debug information" $f.err ||
		fail "$f: no 'no debug information' warning on stderr: $(cat $f.err)"
	grep -q "no FUNC or line records" $f.err || fail "$f: the warning does not say what is lost: $(cat $f.err)"
	grep -q '^MODULE Linux ' out.sym || fail "$f: no MODULE record"
	if [ $f = nodebug ]; then
		grep -q '^PUBLIC .* work$' out.sym || fail "$f: no PUBLIC work"
	fi
	grep -q '^FUNC ' out.sym && fail "$f: FUNC records without debug information"

	# the warning goes to stderr, never into the .sym on stdout
	"$DUMPSYMS" $f > stdout.sym 2> /dev/null || fail "$f: failed to stdout"
	grep -q warning stdout.sym && fail "$f: the warning went to standard output"
	cmp -s stdout.sym out.sym || fail "$f: standard output differs from --output"

	# --strict: exit 1, the message, nothing written, nothing replaced
	echo "previous content" > kept.sym
	"$DUMPSYMS" --strict --output kept.sym $f 2> strict.err
	rc=$?
	[ $rc = 1 ] || fail "$f: --strict exit $rc, expected 1"
	grep -q "^dumpsyms: warning: $f: no debug information" strict.err || fail "$f: --strict lost the warning"
	grep -q -- "--strict: nothing written" strict.err || fail "$f: --strict does not say nothing was written: $(cat strict.err)"
	[ "$(cat kept.sym)" = "previous content" ] || fail "$f: --strict replaced the existing output file"
	rm -f new.sym
	"$DUMPSYMS" --strict --output new.sym $f 2> /dev/null && fail "$f: --strict succeeded"
	[ -e new.sym ] && fail "$f: --strict left an output file"
	ls -a | grep -q '^\.new\.sym\.' && fail "$f: --strict left a temporary file"
	rm -rf store
	"$DUMPSYMS" --strict --store store $f > store.out 2> /dev/null && fail "$f: --strict --store succeeded"
	[ -z "$(find store -type f 2> /dev/null)" ] || fail "$f: --strict --store wrote $(find store -type f)"
	[ -s store.out ] && fail "$f: --strict --store printed a path"
	"$DUMPSYMS" --strict $f > strict-stdout.sym 2> /dev/null && fail "$f: --strict to stdout succeeded"
	[ -s strict-stdout.sym ] && fail "$f: --strict wrote records to standard output"

	# -i: only MODULE and INFO, no debug information looked for
	"$DUMPSYMS" -i --strict $f > header.sym 2> header.err || fail "$f: -i --strict failed: $(cat header.err)"
	[ -s header.err ] && fail "$f: -i warned: $(cat header.err)"
done
grep -q "only a symbol table" nodebug.err || fail "nodebug: the warning does not say a symbol table is all there is"
grep -q "only dynamic symbols" bare.err || fail "bare: the warning does not say dynamic symbols are all there are"
exit 0
