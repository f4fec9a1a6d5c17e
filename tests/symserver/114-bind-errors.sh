# A server that cannot listen says where and why: the address and port
# it tried (localhost shown as the address bound) and the reason
# (EADDRINUSE, EACCES), and exits non-zero; the server holding the port
# is not disturbed.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/symserver/server.sh"

start_server
# busy_fails LISTEN WANT: a second server on LISTEN fails naming WANT
busy_fails() {
	local rc
	timeout 20 "$SYMSERVER" serve --store "$T/store2" --listen "$1" > busy.out 2> busy.err; rc=$?
	[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "a second server on $1: exit $rc (124: it kept running)"
	grep -qF "$2" busy.err || fail "the address '$2' is not named: $(cat busy.err)"
	grep -q 'Address already in use' busy.err && grep -q 'EADDRINUSE' busy.err ||
		fail "the reason is not given: $(cat busy.err)"
	grep -q "listening on" busy.out && fail "the second server claims to listen"
	return 0
}
busy_fails "127.0.0.1:$PORT" "127.0.0.1:$PORT"
busy_fails "localhost:$PORT" "127.0.0.1:$PORT"
[ "$(status GET /_health)" = 200 ] || fail "the first server stopped answering"

# a listen address that is not ADDR:PORT
for bad in "127.0.0.1:" "127.0.0.1" "127.0.0.1:99999" "nowhere:80"; do
	timeout 20 "$SYMSERVER" serve --store "$T/store2" --listen "$bad" > /dev/null 2> bad.err && fail "--listen $bad was accepted"
	grep -qF "'$bad'" bad.err || fail "--listen $bad: the address is not named: $(cat bad.err)"
done

# EACCES: a port below 1024 as an unprivileged user (when we are root and
# can drop privileges; the rest of the test runs everywhere)
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null &&
   [ "$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start 2>/dev/null || echo 1024)" -gt 80 ]; then
	d=$(mktemp -d) && chmod 777 "$d"
	timeout 20 setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$SYMSERVER" serve --store "$d/st" --listen 127.0.0.1:80 > /dev/null 2> acc.err; rc=$?
	rm -rf "$d"
	[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "an unprivileged server on port 80: exit $rc"
	grep -q '127.0.0.1:80: Permission denied (EACCES' acc.err || fail "EACCES: $(cat acc.err)"
else
	echo "note: EACCES not checked here (needs root and setpriv)"
fi
exit 0
