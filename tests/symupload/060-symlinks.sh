# symupload walks what users have: a symbolic link to the build directory
# given as the argument (like bazel-bin) is walked; links inside a tree, to
# a directory and to a file elsewhere, are followed and counted; a link back
# up the tree and a link to itself are loops, a link to nothing dangles:
# each is reported (stderr and --json) and the walk ends, exit 0.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/symserver/server.sh"
SYMUPLOAD=$BUILD/symupload/symupload
py() { python3 -c "$@"; }

mkdir -p real/bin elsewhere/lib other
cp "$FIXTURES/cprog-gcc-O2-dw5" real/bin/
cp "$FIXTURES/libgeom-gcc-O2-dw5.so" elsewhere/lib/
"$DUMPSYMS" "$FIXTURES/cprog-clang-O0-dw4" > other/cprog.sym
ln -s real bazel-bin			# the argument is a link
ln -s ../../elsewhere/lib real/bin/lib	# a link to a directory outside the tree
ln -s ../../other/cprog.sym real/bin/c.sym	# a link to a file outside the tree
for f in real/bin/cprog-gcc-O2-dw5 elsewhere/lib/libgeom-gcc-O2-dw5.so; do "$DUMPSYMS" "$f" > "want.$(basename "$f").sym"; done
cp other/cprog.sym want.cprog.sym
for w in want.*.sym; do head -n1 "$w" | awk -v w="$w" '{ print $5 "/" $4 " " w }'; done > keys.txt
[ "$(wc -l < keys.txt)" = 3 ] || fail "expected 3 modules: $(cat keys.txt)"

TOKEN=$(new_token ci) || fail "cannot create a token"
printf '%s\n' "$TOKEN" > token
start_server
check_store() {
	local k w
	while read -r k w; do
		[ "$(status GET "/$k/${k%%/*}.sym")" = 200 ] || fail "$k is not on the server"
		cmp -s body.out "$w" || fail "$k on the server differs from dumpsyms' output"
	done < keys.txt
}

# -- the argument is a symbolic link to the build directory
timeout 60 "$SYMUPLOAD" --token-file token "$URL" bazel-bin > s1.out 2> s1.err; rc=$?
[ $rc -eq 0 ] || fail "a linked directory: exit $rc: $(cat s1.out s1.err)"
grep -q '^3 uploaded, 0 skipped, 0 failed' s1.out || fail "a linked directory: $(cat s1.out)"
grep -q '^followed 2 symbolic links$' s1.out || fail "links followed not counted: $(cat s1.out)"
check_store
# the same with a trailing slash, and through a second level of links
ln -s bazel-bin bazel-out
timeout 60 "$SYMUPLOAD" --token-file token --json "$URL" bazel-out/ > s2.json 2> s2.err || fail "bazel-out/: $(cat s2.err)"
py "
import json; d=json.load(open('s2.json'))
assert len(d['skipped']) == 3 and not d['uploaded'] and not d['failed'], d
assert d['symlinks_followed'] == 2, d
" || fail "a link to a link: $(cat s2.json)"

# -- loops and a dangling link: reported, no hang, the rest uploaded
ln -s .. real/bin/up			# back up the tree
ln -s ../../real real/bin/lib/again	# back to the top through the linked lib
ln -s self real/self			# a link to itself
ln -s /nonexistent/x real/bin/gone	# nothing there
timeout 60 "$SYMUPLOAD" --token-file token --force --json "$URL" bazel-bin > s3.json 2> s3.err; rc=$?
[ $rc -ne 124 ] || fail "the walk of a tree with loops did not end"
[ $rc -eq 0 ] || fail "loops: exit $rc: $(cat s3.err)"
py "
import json; d=json.load(open('s3.json'))
assert len(d['uploaded']) == 3 and not d['failed'], d
ign = sorted((i['kind'], i['path']) for i in d['ignored'])
assert ign == [('dangling_link', 'bazel-bin/bin/gone'), ('loop', 'bazel-bin/bin/lib/again'),
               ('loop', 'bazel-bin/bin/up'), ('loop', 'bazel-bin/self')], ign
assert all(i['reason'] for i in d['ignored'])
assert d['ignored_files'] == 4
" || fail "loops: $(cat s3.json)"
grep -q 'bazel-bin/bin/up: ignored: a symbolic link loop' s3.err || fail "the loop is not said on stderr: $(cat s3.err)"
grep -q 'bazel-bin/bin/gone: ignored: a dangling symbolic link' s3.err || fail "the dangling link is not said: $(cat s3.err)"
# the text summary counts them
timeout 60 "$SYMUPLOAD" --token-file token "$URL" bazel-bin > s4.out 2> s4.err || fail "loops, text: $(cat s4.err)"
grep -q '^ignored 4 files: 3 symbolic link loops, 1 dangling symbolic links' s4.out || fail "text summary: $(cat s4.out)"
check_store
stop_server
exit 0
