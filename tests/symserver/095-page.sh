# The page at / for people, rendered by headless Chromium (Debian's
# chromium): store totals, recent uploads, the top missing symbols with
# counts, dates, reason and a copy button per debug id, in crash order.
# The DOM Chromium builds is checked, and a screenshot is saved to
# $BUILD/test-artifacts/symserver-page.png.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/symserver/server.sh"
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || fail "chromium is not installed (scripts/deps --test installs it)"
py() { python3 -c "$@"; }

TOKEN=$(new_token ci) || fail "cannot create a token"
start_server --miss-flush-ms 100
ID_A=0123456789ABCDEF0123456789ABCDEF0
ID_B=FEDCBA9876543210FEDCBA98765432100
ID_C=11111111222233334444555555555555A
make_sym libdemo.so $ID_A f > a.sym
make_sym libother.so $ID_C g > c.sym
for f in libdemo.so:$ID_A:a libother.so:$ID_C:c; do
	IFS=: read -r n i s <<< "$f"
	[ "$(status PUT /$n/$i/$n.sym -H "Authorization: Bearer $TOKEN" --data-binary @$s.sym)" = 201 ] || fail "upload $n"
done
# misses: libdemo.so under another id (3), lib&amp.so never uploaded (1),
# and a minidump's modules (1 crash each)
for i in 1 2 3; do status GET "/libdemo.so/$ID_B/libdemo.so.sym?code_file=libdemo.so&code_id=c0de" > /dev/null; done
status GET "/lib&amp.so/$ID_C/lib&amp.so.sym" > /dev/null
WIN=$TESTDATA/breakpad/processor/minidump2.dmp
curl -s -o /dev/null -F upload_file_minidump=@"$WIN" "$URL/minidump"
for i in $(seq 1 100); do
	curl -s "$URL/missing" > m.json
	py "import json,sys; d=json.load(open('m.json')); sys.exit(0 if len(d['missing']) == 15 else 1)" && break
	sleep 0.1
done
py "import json,sys; d=json.load(open('m.json')); sys.exit(0 if len(d['missing']) == 15 else 1)" ||
	fail "the misses were not recorded: $(head -c 500 m.json)"

chrome() {
	timeout 60 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage \
		--no-first-run --user-data-dir="$T/chrome" --hide-scrollbars "$@" 2>> chrome.err
}
chrome --dump-dom "$URL/" > dom.html || { tail -5 chrome.err >&2; fail "chromium could not load the page"; }
[ -s dom.html ] || fail "chromium returned an empty DOM"
cat > check.py <<'PY'
import html.parser, sys

class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.tables, self.cur, self.cell, self.ids = [], {}, None, None, {}
        self.buttons, self.title, self.intitle, self.scripts = [], '', False, 0
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == 'table':
            self.cur = a.get('id'); self.tables[self.cur] = []
        elif tag == 'tr' and self.cur:
            self.tables[self.cur].append([])
        elif tag in ('td', 'th') and self.cur:
            self.cell = []
        elif tag == 'button':
            self.buttons.append(a)
        elif tag == 'title':
            self.intitle = True
        elif tag == 'script':
            self.scripts += 1
        if 'id' in a and tag != 'table':
            self.ids[a['id']] = ''
            self.stack.append(a['id'])
        else:
            self.stack.append(None)
    def handle_endtag(self, tag):
        if tag in ('td', 'th') and self.cell is not None and self.cur:
            self.tables[self.cur][-1].append(' '.join(''.join(self.cell).split()))
            self.cell = None
        elif tag == 'table':
            self.cur = None
        elif tag == 'title':
            self.intitle = False
        if self.stack:
            self.stack.pop()
    def handle_data(self, d):
        if self.cell is not None:
            self.cell.append(d)
        if self.intitle:
            self.title += d
        for i in self.stack:
            if i:
                self.ids[i] += d

p = P()
p.feed(open(sys.argv[1]).read())
assert p.title == 'symserver', p.title
assert p.ids.get('files') == '2', p.ids
assert p.ids.get('open-missing') == '15', p.ids
miss = p.tables['missing']
assert miss[0][:5] == ['Crashes', 'Misses', 'Debug file', 'Debug id', 'Code file'], miss[0]
rows = miss[1:]
assert len(rows) == 15, len(rows)
# the 13 modules of the dump first (1 crash each), then by misses
assert all(r[0] == '1' and r[1] == '0' for r in rows[:13]), rows[:13]
demo = rows[13]
assert demo[0] == '0' and demo[1] == '3' and demo[2] == 'libdemo.so', demo
assert demo[3].startswith('FEDCBA9876543210FEDCBA98765432100'), demo
assert 'id-mismatch' in demo[7] and '0123456789ABCDEF0123456789ABCDEF0' in demo[7], demo
assert rows[14][2] == 'lib&amp.so' and 'never-uploaded' in rows[14][7], rows[14]
import re
assert re.fullmatch(r'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d', demo[5]) and demo[5] <= demo[6], demo
up = p.tables['uploads']
assert [r[1] for r in up[1:]] == ['libother.so', 'libdemo.so'], up
copy = [b.get('data-copy') for b in p.buttons]
assert 'FEDCBA9876543210FEDCBA98765432100' in copy and '0123456789ABCDEF0123456789ABCDEF0' in copy, copy
assert p.scripts == 1, p.scripts
print('ok')
PY
python3 check.py dom.html || fail "the page Chromium rendered is wrong"

# the screenshot: a real picture of the page, kept with the test logs
mkdir -p "$BUILD/test-artifacts"
shot=$BUILD/test-artifacts/symserver-page.png
rm -f "$shot"
chrome --screenshot="$shot" --window-size=1280,1000 "$URL/" > /dev/null || fail "chromium could not take a screenshot"
py "
import struct, zlib, sys
b = open('$shot', 'rb').read()
assert b[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
w, h = struct.unpack('>II', b[16:24])
assert (w, h) == (1280, 1000), (w, h)
pos, data = 8, b''
while pos < len(b):
    n, t = struct.unpack('>I4s', b[pos:pos + 8])
    if t == b'IDAT': data += b[pos + 8:pos + 8 + n]
    pos += 12 + n
raw = zlib.decompress(data)
# a rendered page has text and table rules: many distinct byte values
assert len(set(raw)) > 40, len(set(raw))
" || fail "the screenshot is not a rendered page"
stop_server
# --private: the page, like the listing, needs a download token
start_server --private
[ "$(status GET /)" = 401 ] || fail "the page is open to anyone under --private"
[ "$(status GET /missing)" = 401 ] || fail "/missing is open to anyone under --private"
DTOKEN=$(new_token reader download) || fail "cannot create a download token"
[ "$(status GET / -H "Authorization: Bearer $DTOKEN")" = 200 ] || fail "the page refuses a download token"
stop_server
exit 0
