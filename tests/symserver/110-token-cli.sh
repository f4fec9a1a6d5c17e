# symserver token add / list / revoke: the listing shows names, scopes,
# creation, last use, expiry and status but never a token or its hash;
# duplicate names and unknown scopes are refused with the valid scopes
# named; an expiry in the past is refused; revoked tokens stay listed.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/symserver/server.sh"

CI=$(new_token ci) || fail "cannot create a token"
RD=$("$SYMSERVER" token add reader --scope download,upload --expires 30 --store "$STORE") ||
	fail "token add with --expires 30 (days)"
OLD=$("$SYMSERVER" token add old --store "$STORE") || fail "cannot create a token"
"$SYMSERVER" token revoke old --store "$STORE" || fail "revoke"

# a duplicate name is refused, and no second token appears
"$SYMSERVER" token add ci --store "$STORE" > dup.out 2> dup.err && fail "a duplicate name was accepted"
[ -s dup.out ] && fail "a refused token add printed a token: $(cat dup.out)"
grep -q "'ci' exists already" dup.err || fail "the duplicate is not named: $(cat dup.err)"
# unknown scope: refused, the valid scopes named, exit 2 (usage)
"$SYMSERVER" token add admin --scope upload,admin --store "$STORE" > sc.out 2> sc.err; rc=$?
[ $rc -eq 2 ] || fail "unknown scope: exit $rc, want 2"
grep -q "unknown scope 'admin'" sc.err && grep -q "upload, download" sc.err ||
	fail "the unknown scope or the valid ones are not named: $(cat sc.err)"
"$SYMSERVER" token add empty --scope '' --store "$STORE" 2> /dev/null && fail "an empty scope list was accepted"
# a bad name, an expiry in the past or malformed
"$SYMSERVER" token add 'a b' --store "$STORE" 2> /dev/null && fail "a name with a space was accepted"
"$SYMSERVER" token add past --expires 2020-01-01 --store "$STORE" 2> past.err && fail "an expiry in the past was accepted"
grep -q "in the past" past.err || fail "a past expiry is not explained: $(cat past.err)"
"$SYMSERVER" token add bad --expires soon --store "$STORE" 2> /dev/null && fail "--expires soon was accepted"

# the listing: a table and JSON, sorted by name
"$SYMSERVER" token list --store "$STORE" > list.txt || fail "token list"
head -n1 list.txt | grep -q 'NAME.*SCOPES.*CREATED.*LAST USED.*EXPIRES.*STATUS' || fail "no header: $(cat list.txt)"
[ "$(awk 'NR > 1 { print $1 " " $2 " " $NF }' list.txt)" = "ci upload active
old upload revoked
reader download,upload active" ] || fail "the listing is wrong: $(cat list.txt)"
grep -q '^reader .* never  *20[0-9-]*T[0-9:]*Z  *active$' list.txt || fail "reader's expiry is not shown: $(cat list.txt)"
"$SYMSERVER" token list --json --store "$STORE" > list.json || fail "token list --json"
python3 - "$T/list.json" <<'EOF' || fail "token list --json: $(cat list.json)"
import json, sys, time, calendar
d = json.load(open(sys.argv[1]))
assert [t['name'] for t in d] == ['ci', 'old', 'reader'], d
ci, old, rd = d
assert ci['scopes'] == ['upload'] and ci['expires'] is None and ci['last_used'] is None, ci
assert ci['status'] == 'active' and ci['revoked'] is None, ci
assert old['status'] == 'revoked' and old['revoked'], old
assert rd['scopes'] == ['download', 'upload'], rd
exp = calendar.timegm(time.strptime(rd['expires'], '%Y-%m-%dT%H:%M:%SZ'))
assert abs(exp - time.time() - 30 * 86400) < 600, rd
for t in d:
    calendar.timegm(time.strptime(t['created'], '%Y-%m-%dT%H:%M:%SZ'))
EOF
# never a secret: neither a token nor the SHA-256 the store keys it by
for tok in "$CI" "$RD" "$OLD"; do
	h=$(printf '%s' "$tok" | sha256sum | cut -c1-64)
	grep -qi -e "$tok" -e "$h" list.txt list.json && fail "token list shows a token or its hash"
done

# a revoked name can be given again (a new token), and revoking twice says so
NEW=$("$SYMSERVER" token add old --store "$STORE") || fail "re-adding a revoked name"
[ "$NEW" != "$OLD" ] || fail "the same token twice"
[ "$("$SYMSERVER" token list --store "$STORE" | awk '$1 == "old" { print $NF }' | sort | tr '\n' ' ')" = "active revoked " ] ||
	fail "the revoked token and its successor are not both listed"
"$SYMSERVER" token revoke nobody --store "$STORE" 2> rv.err && fail "revoking an unknown name succeeded"
grep -q "no token named 'nobody'" rv.err || fail "revoke of an unknown name: $(cat rv.err)"

# an expiry in seconds runs out; the listing says expired
"$SYMSERVER" token add brief --expires 1s --store "$STORE" > /dev/null || fail "--expires 1s"
sleep 1.5
"$SYMSERVER" token list --store "$STORE" | grep -q '^brief .* expired$' || fail "an expired token is not shown expired"

# a store without tokens lists none, and says how to add one
mkdir empty && "$SYMSERVER" import --store "$T/s2" empty > /dev/null 2>&1 || fail "import of an empty tree"
"$SYMSERVER" token list --store "$T/s2" > empty.txt || fail "token list of a store without tokens"
grep -q "no tokens" empty.txt || fail "an empty listing: $(cat empty.txt)"
exit 0
