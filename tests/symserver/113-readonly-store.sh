# Commands that only read never create a store: verify, missing (listing
# and ignored), token list, token revoke and delete on a missing path say
# so, name the path and exit non-zero, and nothing appears on disk; a
# directory that is not a store is left as it was.  Commands that write
# (import, token add) still create one.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
S=$BUILD/symserver/symserver

# cmd_fails LABEL PATH CMD...: non-zero exit, PATH named on stderr
cmd_fails() {
	local label=$1 path=$2 rc; shift 2
	"$@" > "$T/ro.out" 2> "$T/ro.err"; rc=$?
	[ $rc -ne 0 ] || fail "$label on a missing store: exit 0: $(cat "$T/ro.out")"
	grep -qF "'$path'" "$T/ro.err" || fail "$label: the path '$path' is not named: $(cat "$T/ro.err")"
}
ID=3333333333333333333333333333333330
cmd_fails verify "$T/no/x" "$S" verify --store "$T/no/x"
cmd_fails missing "$T/no/x" "$S" missing --store "$T/no/x"
cmd_fails "missing ignored" "$T/no/x" "$S" missing ignored --store "$T/no/x"
cmd_fails "token list" "$T/no/x" "$S" token list --store "$T/no/x"
cmd_fails "token revoke" "$T/no/x" "$S" token revoke ci --store "$T/no/x"
cmd_fails delete "$T/no/x" "$S" delete libx.so $ID --store "$T/no/x"
[ -e "$T/no" ] && fail "a read-only command created $T/no: $(find "$T/no")"

# the default store, ./symstore, in the wrong directory
mkdir wrong && cd wrong
cmd_fails missing ./symstore "$S" missing
cmd_fails verify ./symstore "$S" verify
cmd_fails "token list" ./symstore "$S" token list
[ -z "$(ls -A .)" ] || fail "a read-only command created files in the current directory: $(ls -A)"
cd "$T"

# a directory that is not a store is not turned into one
mkdir notastore && echo keep > notastore/file
cmd_fails verify "$T/notastore" "$S" verify --store "$T/notastore"
cmd_fails "token list" "$T/notastore" "$S" token list --store "$T/notastore"
[ "$(ls -A notastore)" = file ] || fail "verify wrote into a directory that is not a store: $(ls -A notastore)"

# commands that write create the store; then the readers work
"$S" token add ci --store "$T/new/st" > /dev/null || fail "token add did not create the store"
"$S" verify --store "$T/new/st" > v.out || fail "verify of a new store: $(cat v.out)"
grep -q '^verified 0 symbol files, 0 problems$' v.out || fail "verify: $(cat v.out)"
"$S" token list --store "$T/new/st" | grep -q '^ci ' || fail "token list of the new store"
"$S" missing --store "$T/new/st" > /dev/null || fail "missing on an existing store"
mkdir tree && "$S" import --store "$T/new2" tree > /dev/null 2>&1 || fail "import did not create the store"
[ -f "$T/new2/index/data.mdb" ] || fail "import made no index"
exit 0
