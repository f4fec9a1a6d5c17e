# POST /minidump against independent references.  (1) Breakpad's
# minidump_dump, run directly (not through our reader): for every minidump
# of Breakpad's processor test data, a dump of our crashed fixture and the
# hand-made dumps below, the server's os, cpu and loaded modules (base,
# size, code_file, code_id, debug_file, debug_id, in order) equal what
# minidump_dump prints (tests/tools/mdref.py parses it).  (2) The hand-made
# dumps (tests/tools/minidump-writer --spec): Android and Fuchsia build-id
# ('BpEL') CodeView records of 8, 16, 20 and 32 bytes, arm64 (both
# architecture values), riscv64, mips64, x86 on Win64, macOS, NB10 and
# RSDS records, IMAGE_DEBUG_MISC records (the debug file when there is no
# CodeView record), and unloaded modules, each with its expected ids worked
# out by hand from the record bytes and written here literally.
# minidump_dump does not print unloaded modules, so for those the literal
# values are the reference (Breakpad's MinidumpUnloadedModule::
# code_identifier: "%08X%x" of time_date_stamp and size_of_image on
# Windows, "id" on Linux and Android, nothing for Fuchsia; no debug file or
# id).
. "${TOP:?run tests through tests/run}/tests/lib.sh"
. "$TOP/tests/symserver/server.sh"
need_bp
[ -x "$BP/minidump_dump" ] || fail "Breakpad's minidump_dump is missing at $BP (scripts/deps --test installs it)"
TD=$TESTDATA/breakpad/processor
[ -d "$TD" ] || fail "the shared Breakpad test data is missing at $TD"
WRITER=$BUILD/tests/tools/minidump-writer
MDREF="python3 $TOP/tests/tools/mdref.py"

# -- hand-made dumps.  Build ids and GUIDs are the record's bytes as stored.
cat > android.spec <<'EOF'
system 0x8203 12
module 0x7f00000000 0x21000 0x0 0x0 /system/lib64/libc.so elf b7f9e1c2a4d36e5809ba1c2d3e4f5a6b7c8d9e0f
module 0x7f10000000 0x3000 0x0 0x0 /data/app/base.apk
unloaded 0x7f20000000 0x5000 0x1234 0x5eadbeef /system/lib64/libgone.so
EOF
cat > fuchsia.spec <<'EOF'
system 0x8206 0x8003
module 0x1000000 0x40000 0x0 0x0 app elf 0123456789abcdef
module 0x2000000 0x8000 0x0 0x0 libzircon.so elf 00112233445566778899aabbccddeeff0f1e2d3c4b5a69788796a5b4c3d2e1f0
module 0x3000000 0x1000 0x0 0x0 <vdso>
unloaded 0x4000000 0x1000 0x0 0x11223344 libold.so
EOF
cat > windows.spec <<'EOF'
system 2 12
module 0x140000000 0x2d000 0xc0ffee 0x45d35f6c app.exe rsds e532985a7228c141838ed98914e9b7ff 0x2a C:\build\app.pdb
module 0x10000000 0x1c000 0x0 0x3a2b1c0d old.dll nb10 0x3f8a4c21 3 old.pdb
module 0x50000000 0x3000 0x0 0x2b000000 legacy.dll misc legacy.dbg
module 0x60000000 0x2000 0x0 0x2c000000 wide.dll miscw wide.dbg
unloaded 0x20000000 0x2d000 0x1a2b3c 0x5f5e0ff1 C:\Windows\gone.dll
unloaded 0x30000000 0x7000 0x0 0x60000001 twice.dll
EOF
cat > riscv.spec <<'EOF'
system 0x8201 0x8006
module 0x10000 0x2000 0x0 0x0 /usr/bin/x elf 0a0b0c0d0e0f10111213141516171819
unloaded 0x40000 0x1000 0x0 0x99 /usr/lib/libu.so
EOF
cat > wow64.spec <<'EOF'
system 2 10
module 0x400000 0x9000 0x0 0x5a000001 a.exe nb10 0x5a000001 1 a.pdb
EOF
cat > mac.spec <<'EOF'
system 0x8101 9
module 0x100000000 0x4000 0x0 0x0 /Applications/A.app/Contents/MacOS/A rsds 8899aabbccddeeff0011223344556677 0 A
EOF
cat > mips64.spec <<'EOF'
system 0x8201 0x8004
module 0x120000000 0x10000 0x0 0x0 /bin/m elf 1122334455667788990011223344556677889900
EOF
for s in android fuchsia windows riscv wow64 mac mips64; do
	"$WRITER" --spec $s.spec $s.dmp || fail "minidump-writer --spec $s.spec"
done

# Expected answers, worked out by hand.  Build-id code id: the bytes in hex.
# Debug id: the first 16 bytes (zero-padded) read as a GUID (first field
# little-endian 32-bit, next two 16-bit, last 8 bytes as they are), upper
# case, then age 0.  RSDS: the same GUID reading, then the age in lower-case
# hex.  NB10: the signature as %08X, then the age.  Windows code id:
# time_date_stamp as %08X, then size_of_image in lower-case hex.
cat > expected.py <<'EOF'
E = {
 'android': ('android', 'arm64', [
  ('/system/lib64/libc.so', 'b7f9e1c2a4d36e5809ba1c2d3e4f5a6b7c8d9e0f',
   '/system/lib64/libc.so', 'C2E1F9B7D3A4586E09BA1C2D3E4F5A6B0', False),
  ('/data/app/base.apk', 'id', '', '', False),
  ('/system/lib64/libgone.so', 'id', '', '', True)]),
 'fuchsia': ('fuchsia', 'arm64', [
  ('app', '0123456789abcdef', 'app', '67452301AB89EFCD00000000000000000', False),
  ('libzircon.so', '00112233445566778899aabbccddeeff0f1e2d3c4b5a69788796a5b4c3d2e1f0',
   'libzircon.so', '33221100554477668899AABBCCDDEEFF0', False),
  ('<vdso>', 'id', '', '', False),
  ('libold.so', '', '', '', True)]),
 'windows': ('windows', 'arm64', [
  ('app.exe', '45D35F6C2d000', 'C:\\build\\app.pdb', '5A9832E5287241C1838ED98914E9B7FF2a', False),
  ('old.dll', '3A2B1C0D1c000', 'old.pdb', '3F8A4C213', False),
  ('legacy.dll', '2B0000003000', 'legacy.dbg', '', False),
  ('wide.dll', '2C0000002000', 'wide.dbg', '', False),
  ('C:\\Windows\\gone.dll', '5F5E0FF12d000', '', '', True),
  ('twice.dll', '600000017000', '', '', True)]),
 'riscv': ('linux', 'riscv64', [
  ('/usr/bin/x', '0a0b0c0d0e0f10111213141516171819', '/usr/bin/x', '0D0C0B0A0F0E11101213141516171819' '0', False),
  ('/usr/lib/libu.so', 'id', '', '', True)]),
 'wow64': ('windows', 'x86', [
  ('a.exe', '5A0000019000', 'a.pdb', '5A0000011', False)]),
 'mac': ('mac', 'amd64', [
  ('/Applications/A.app/Contents/MacOS/A', 'id', 'A', 'BBAA9988DDCCFFEE00112233445566770', False)]),
 'mips64': ('linux', 'mips64', [
  ('/bin/m', '1122334455667788990011223344556677889900', '/bin/m', '44332211665588779900112233445566' '0', False)]),
}
EOF

# -- our own crashed fixture joins Breakpad's dumps
S=$TOP/tests/fixtures/crash
gcc -g -O2 -fPIC -shared -Wl,-soname,libcrash.so -o libcrash.so "$S/crashlib.c" &&
gcc -g -O2 -o crash "$S/crash.c" -L. -lcrash -Wl,-rpath,'$ORIGIN' &&
"$WRITER" own.dmp ./crash || fail "cannot make our own dump"

start_server
post() {	# post OUT DUMP: POST /minidump, prints the status
	curl -s -o "$1" -w '%{http_code}' -F "upload_file_minidump=@$2" "$URL/minidump"
}

pairs=()
for d in "$TD"/*.dmp own.dmp android.dmp fuchsia.dmp windows.dmp riscv.dmp wow64.dmp mac.dmp mips64.dmp; do
	[ "$(head -c 4 "$d")" = MDMP ] || continue	# microdumps are text
	b=$(basename "$d" .dmp)
	"$BP/minidump_dump" "$d" > "$b.txt" 2> /dev/null
	grep -q '^MDRawSystemInfo$' "$b.txt" || fail "$b: minidump_dump printed no system info"
	[ "$(post "$b.json" "$d")" = 200 ] || fail "$b: POST /minidump: $(head -c 500 "$b.json")"
	pairs+=("$b.txt" "$b.json")
done
[ ${#pairs[@]} -ge 90 ] || fail "only $((${#pairs[@]} / 2)) dumps compared"
$MDREF "${pairs[@]}" > diffs.txt 2>&1 ||
	{ head -n 30 diffs.txt >&2; fail "the server's answers differ from minidump_dump's"; }

# the hand-made dumps: the literal values against minidump_dump (which
# checks the hand work and the writer) and against the server (every
# module, unloaded ones included)
python3 - <<'EOF' || fail "the hand-made dumps' answers are not the expected ones"
import json, os, sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ['TOP'] + '/tests/tools')
import mdref
exec(open('expected.py').read())
bad = []
for name, (os_, cpu, mods) in E.items():
    ans = json.load(open(name + '.json'))
    ref = mdref.load(name + '.txt')
    if (ans['os'], ans['cpu']) != (os_, cpu):
        bad.append('%s: server os/cpu %s/%s, expected %s/%s' % (name, ans['os'], ans['cpu'], os_, cpu))
    loaded = [m[:4] for m in mods if not m[4]]
    got_ref = [(m['code_file'], m['code_id'], m['debug_file'], m['debug_id']) for m in ref['modules']]
    if got_ref != loaded:
        bad.append('%s: minidump_dump gives %r, the hand-worked values are %r' % (name, got_ref, loaded))
    got = [(m['code_file'], m['code_id'], m['debug_file'], m['debug_id'], m['unloaded']) for m in ans['modules']]
    if got != mods:
        for g, w in zip(got, mods):
            if g != w:
                bad.append('%s: server %r, expected %r' % (name, g, w))
        if len(got) != len(mods):
            bad.append('%s: server lists %d modules, expected %d' % (name, len(got), len(mods)))
# an unloaded module is reported with its base and size, and never counted
# as missing (it has no debug id)
d = json.load(open('windows.json'))
u = [(m['base_address'], m['size'], m['symbols']) for m in d['modules'] if m['unloaded']]
if u != [('0x20000000', 0x2d000, None), ('0x30000000', 0x7000, None)] or d['missing'] != 2:
    bad.append('windows: unloaded modules %r, %d missing' % (u, d['missing']))
for b in bad:
    print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
stop_server
exit 0
