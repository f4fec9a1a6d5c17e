# Durability seen in the system calls (strace), not only through kill -9
# (which keeps the page cache and so cannot tell a skipped fsync): for each
# upload the server must, in this order,
#   1. write the blob to its temporary file (store/tmp/upload.*),
#   2. fsync that file,
#   3. for a new shard directory blobs/xx: fsync blobs/ (after the mkdir),
#   4. rename the temporary file to blobs/xx/<hash>,
#   5. fsync the directory blobs/xx,
#   6. then commit the index: write pages to index/data.mdb, fdatasync (or
#      fsync) it, and write the meta page through a descriptor opened with
#      O_DSYNC (LMDB's synchronous commit; MDB_NOSYNC or MDB_NOMETASYNC
#      would drop one of these),
# and answer the client only after all of it.  Two uploads: the first
# makes a new shard, the second goes to an existing one or another new one.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/symserver/server.sh"
command -v strace > /dev/null || fail "strace is missing (scripts/deps --test installs it)"
trap '[ -n "${SERVER_PID:-}" ] && pkill -P "$SERVER_PID" -x symserver' EXIT

"$SYMSERVER" token add ci --store "$STORE" > tok.txt 2> tok.err || fail "token add: $(cat tok.err)"
TOKEN=$(cat tok.txt)
mk() {	# mk NAME ID: a small .sym file
	printf 'MODULE Linux x86_64 %s %s\nFILE 0 a.c\nFUNC 1000 10 0 f\n1000 10 1 0\n' "$2" "$1"
}
mk liba.so 0123456789ABCDEF0123456789ABCDEF0 > a.sym
mk libb.so FEDCBA98765432100123456789ABCDEF0 > b.sym

: > "$T/server.out"
# LeakSanitizer cannot work under ptrace (the ASan run); the other tests check leaks
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
strace -f -qq -o trace.txt -e trace=openat,mkdir,mkdirat,write,pwrite64,pwritev,pwritev2,writev,copy_file_range,fsync,fdatasync,msync,sync_file_range,rename,renameat,renameat2,sendto,sendmsg,close \
	"$SYMSERVER" serve --store "$STORE" --listen 127.0.0.1:0 > "$T/server.out" 2> "$T/server.err" &
SERVER_PID=$!
for i in $(seq 1 200); do
	PORT=$(sed -n 's/^listening on port \([0-9]*\)$/\1/p' "$T/server.out" | head -n1)
	[ -n "$PORT" ] && curl -sf "http://127.0.0.1:$PORT/_health" > /dev/null && break
	kill -0 "$SERVER_PID" 2> /dev/null || fail "the server exited at start: $(cat "$T/server.err")"
	sleep 0.1
done
[ -n "$PORT" ] || fail "the server did not start under strace"
URL=http://127.0.0.1:$PORT
for f in a b; do
	name=lib$f.so
	id=$(head -n 1 $f.sym | cut -d' ' -f4)
	code=$(curl -s -o put.out -w '%{http_code}' -X PUT -H "Authorization: Bearer $TOKEN" \
		--data-binary @$f.sym "$URL/$name/$id/$name.sym")
	[ "$code" = 200 ] || [ "$code" = 201 ] || fail "upload of $name: HTTP $code $(cat put.out)"
	echo "== uploaded $name" >> marks.txt
done
# strace blocks fatal signals while it traces a program (-o): stop the server itself
SERVER=$(pgrep -P "$SERVER_PID" -x symserver) || fail "no server under strace"
kill "$SERVER"
wait "$SERVER_PID"
SERVER_PID=
grep -qE "AddressSanitizer|LeakSanitizer|runtime error" "$T/server.err" && fail "sanitizer report: $(cat "$T/server.err")"
[ -s trace.txt ] || fail "strace wrote nothing"

python3 - trace.txt "$STORE" "$(cat a.sym | sha256sum | cut -c1-64)" "$(cat b.sym | sha256sum | cut -c1-64)" <<'PY' || fail "the system calls of an upload are not in the promised order"
import re, sys
trace, store, *hashes = sys.argv[1:]
lines = open(trace).read().splitlines()
# join "<unfinished ...>" / "<... x resumed>" pairs; an event sits at its completion
pending, events = {}, []
for ln in lines:
    m = re.match(r'(\d+)\s+(.*)$', ln)
    if not m:
        continue
    pid, rest = m.groups()
    if rest.endswith('<unfinished ...>'):
        pending[pid] = rest[:-len('<unfinished ...>')]
        continue
    r = re.match(r'<\.\.\. \w+ resumed>(.*)$', rest)
    if r:
        rest = pending.pop(pid, '') + r.group(1)
    c = re.match(r'(\w+)\((.*)\)\s+=\s+(-?\d+|\?)', rest)
    if c:
        events.append((c.group(1), c.group(2), c.group(3)))

# file descriptors -> paths, as they were when each event happened
fds, ev = {}, []
for name, args, ret in events:
    path = None
    if name == 'openat':
        p = re.search(r'"([^"]*)"', args).group(1)
        if ret.lstrip('-').isdigit() and int(ret) >= 0:
            fds[int(ret)] = (p, args)
        path = p
    elif name in ('write', 'pwrite64', 'pwritev', 'pwritev2', 'writev', 'fsync', 'fdatasync',
                  'sync_file_range', 'close', 'sendto', 'sendmsg'):
        fd = int(args.split(',')[0])
        path = fds.get(fd, ('?', ''))[0]
        if name == 'close':
            fds.pop(fd, None)
    elif name == 'copy_file_range':	# (in, off, out, off, len, flags): the file written
        fd = int(args.split(',')[2])
        path = fds.get(fd, ('?', ''))[0]
    elif name in ('rename', 'renameat', 'renameat2'):
        ps = re.findall(r'"([^"]*)"', args)
        path = ps[0] + ' -> ' + ps[-1]
    elif name in ('mkdir', 'mkdirat'):
        path = re.search(r'"([^"]*)"', args).group(1)
    ev.append((name, path or '', args, ret))

def find(start, pred, what):
    for i in range(start, len(ev)):
        if pred(ev[i]):
            return i
    sys.exit('not found after event %d: %s' % (start, what))

def synced(e, suffix):
    return e[0] in ('fsync', 'fdatasync') and e[1].endswith(suffix) and e[3] == '0'

pos = 0
for h in hashes:
    shard = store + '/blobs/' + h[:2]
    ren = find(pos, lambda e: e[0].startswith('rename') and e[1].endswith('/blobs/%s/%s' % (h[:2], h[2:])),
               'the rename of blob %s' % h)
    tmp = ev[ren][1].split(' -> ')[0]
    assert '/tmp/upload.' in tmp, tmp
    opened = max(i for i in range(ren) if ev[i][0] == 'openat' and ev[i][1] == tmp)
    writes = [i for i in range(opened, ren) if ev[i][0] in ('write', 'pwrite64', 'writev') and ev[i][1] == tmp]
    if not writes:
        sys.exit('blob %s: no write to %s before its rename' % (h, tmp))
    fsyncs = [i for i in range(writes[-1], ren) if synced(ev[i], tmp)]
    if not fsyncs:
        sys.exit('blob %s: %s not fsynced between its last write and its rename' % (h, tmp))
    mk = [i for i in range(opened, ren) if ev[i][0].startswith('mkdir') and ev[i][1] == shard and ev[i][3] == '0']
    if mk:
        if not [i for i in range(mk[0], ren) if synced(ev[i], store + '/blobs')]:
            sys.exit('blob %s: new shard %s made but blobs/ not fsynced before the rename' % (h, shard))
    dsync = find(ren, lambda e: synced(e, shard), 'the fsync of %s after the rename' % shard)
    data = find(ren, lambda e: e[0] in ('pwrite64', 'pwritev', 'pwritev2', 'write', 'writev')
                and e[1].endswith('/index/data.mdb'), 'the index commit after blob %s' % h)
    if data < dsync:
        sys.exit('blob %s: the index was written before %s was fsynced' % (h, shard))
    # LMDB's commit: pages, their sync, then the meta page through an O_DSYNC descriptor
    sync = find(data, lambda e: synced(e, '/index/data.mdb'), 'the sync of the index after blob %s' % h)
    meta = None
    for i in range(sync, len(ev)):
        e = ev[i]
        if e[0] in ('pwrite64', 'write') and e[1].endswith('/index/data.mdb'):
            fd = int(e[2].split(',')[0])
            meta = i
            break
    if meta is None:
        sys.exit('blob %s: no meta page written after the index sync' % h)
    # the descriptor the meta page went through must be O_DSYNC (or the page synced after)
    opened_meta = [a for (n, p, a, r) in ev[:meta] if n == 'openat' and p.endswith('/index/data.mdb')
                   and r.lstrip('-').isdigit() and int(r) == fd]
    if not (opened_meta and 'O_DSYNC' in opened_meta[-1]) and \
            not [i for i in range(meta, len(ev)) if synced(ev[i], '/index/data.mdb')]:
        sys.exit('blob %s: the meta page is neither written O_DSYNC nor synced' % h)
    answer = find(meta, lambda e: e[0] in ('sendto', 'sendmsg', 'write', 'writev') and
                  (e[1] == '?' or e[1].startswith('socket')) and 'HTTP/1.1 20' in e[2],
                  'the HTTP answer after the commit of blob %s' % h)
    early = [i for i in range(opened, meta) if ev[i][0] in ('sendto', 'sendmsg', 'write', 'writev')
             and 'HTTP/1.1 20' in ev[i][2]]
    if early:
        sys.exit('blob %s: answered before the commit was durable' % h)
    print('blob %s: write %d, fsync %d, rename %d, dir fsync %d, index %d, sync %d, meta %d, answer %d'
          % (h[:8], writes[-1], fsyncs[0], ren, dsync, data, sync, meta, answer))
    # the lookup table built at upload (issue 15): written under tmp/, its
    # last write fsynced, renamed into tables/xx/, that directory fsynced
    tab = '/tables/%s/%s.symt' % (h[:2], h)
    tren = find(0, lambda e: e[0].startswith('rename') and e[1].endswith(tab), 'the rename of table %s' % h)
    ttmp = ev[tren][1].split(' -> ')[0]
    assert ttmp.startswith(store + '/tmp/table.'), ttmp
    topen = max(i for i in range(tren) if ev[i][0] == 'openat' and ev[i][1] == ttmp)
    twrites = [i for i in range(topen, tren)
               if ev[i][0] in ('write', 'pwrite64', 'writev', 'copy_file_range') and ev[i][1] == ttmp]
    if not twrites or not [i for i in range(twrites[-1], tren) if synced(ev[i], ttmp)]:
        sys.exit('table %s: not fsynced between its last write and its rename' % h)
    tdir = find(tren, lambda e: synced(e, '/tables/' + h[:2]), 'the fsync of tables/%s after the rename' % h[:2])
    # built from the text as it came in, not by reading the blob back
    reread = [i for i in range(len(ev)) if ev[i][0] == 'openat' and ev[i][1].endswith('/blobs/%s/%s' % (h[:2], h[2:]))]
    if reread:
        sys.exit('table %s: the blob was read back to build it (event %d)' % (h, reread[0]))
    print('table %s: last write %d, rename %d, dir fsync %d' % (h[:8], twrites[-1], tren, tdir))
    pos = answer
PY
for h in $(cat a.sym | sha256sum | cut -c1-64) $(cat b.sym | sha256sum | cut -c1-64); do
	[ "$(stat -c %a "$STORE/tables/${h:0:2}/$h.symt")" = 644 ] || fail "table $h is not readable by all (mode $(stat -c %a "$STORE/tables/${h:0:2}/$h.symt"))"
done
