# --version on symserver, symupload and dumpsyms prints the package
# version and exits 0; a usage error names the argument that was wrong
# on its first line, then prints the usage, and exits 2.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
S=$BUILD/symserver/symserver
version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$BUILD/config.h")
[ -n "$version" ] || fail "no PACKAGE_VERSION in $BUILD/config.h"

for p in "$S" "$SYMUPLOAD" "$DUMPSYMS"; do
	n=$(basename "$p")
	out=$("$p" --version) || fail "$n --version: exit $?"
	[ "$out" = "$n $version" ] || fail "$n --version printed '$out', want '$n $version'"
done

# usage_error WANT-FIRST-LINE CMD...: exit 2, stderr starts with the
# message and goes on with the usage; nothing on stdout
usage_error() {
	local want=$1 rc; shift
	"$@" > u.out 2> u.err; rc=$?
	[ $rc -eq 2 ] || fail "$*: exit $rc, want 2: $(head -n3 u.err)"
	[ "$(head -n1 u.err)" = "$want" ] || fail "$*: first line '$(head -n1 u.err)', want '$want'"
	sed -n 2p u.err | grep -q '^usage: ' || fail "$*: no usage after the message: $(cat u.err)"
	[ -s u.out ] && fail "$*: wrote on stdout: $(cat u.out)"
	return 0
}
usage_error "symserver: unknown option '--foo'" "$S" serve --foo
usage_error "symserver: unknown option '--foo'" "$S" verify --store x --foo=1
usage_error "symserver: option '--store' needs a value" "$S" verify --store
usage_error "symserver: option '--json' takes no value" "$S" token list --json=yes
usage_error "symserver: missing NAME after 'token add'" "$S" token add
usage_error "symserver: missing NAME after 'token revoke'" "$S" token revoke --store x
usage_error "symserver: missing add, revoke or list after 'token'" "$S" token
usage_error "symserver: unknown token command 'remove' (add, revoke or list)" "$S" token remove ci
usage_error "symserver: unexpected argument 'extra' after 'token add ci'" "$S" token add ci extra
usage_error "symserver: unknown command 'serv'" "$S" serv
usage_error "symserver: missing a command" "$S"
usage_error "symserver: bad value 'many' for --threads" "$S" serve --threads many
usage_error "symserver: missing TREE after 'import'" "$S" import
usage_error "symserver: missing DEBUG_ID after 'delete'" "$S" delete libx.so
usage_error "symserver: unknown option '--frob'" "$S" missing --frob
usage_error "symupload: unknown option '--frob'" "$SYMUPLOAD" --frob http://127.0.0.1:1 x.sym
usage_error "symupload: unknown option '-q'" "$SYMUPLOAD" -q http://127.0.0.1:1 x.sym
usage_error "symupload: option '--token-file' needs a value" "$SYMUPLOAD" http://127.0.0.1:1 x.sym --token-file
usage_error "symupload: missing PATH after the URL" "$SYMUPLOAD" http://127.0.0.1:1
usage_error "dumpsyms: unknown option '--frob'" "$DUMPSYMS" --frob x
usage_error "dumpsyms: unknown option '-z'" "$DUMPSYMS" -vz x
usage_error "dumpsyms: option '-o' needs a value" "$DUMPSYMS" x -o
usage_error "dumpsyms: missing the binary to convert" "$DUMPSYMS"
[ -e x ] && fail "a usage error created a store in the current directory"
exit 0
