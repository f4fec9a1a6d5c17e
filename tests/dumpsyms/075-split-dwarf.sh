# Split DWARF (-gsplit-dwarf): skeleton units are resolved to their .dwo
# files (DW_AT_dwo_name relative to DW_AT_comp_dir, then the debug
# directories, then the binary's directory) or to a <binary>.dwp package
# (llvm-dwp), for gcc's DWARF 5 and GNU DWARF 4 forms and clang's; the .sym
# equals the one of the same program built without split DWARF.  A missing
# .dwo is a warning naming the file; the functions then come from the
# symbol table and the skeleton's line table.
. "${TOP:?run tests through tests/run}/tests/lib.sh"
cp "$TOP"/tests/fixtures/c/*.c "$TOP"/tests/fixtures/c/*.h .
for v in "gcc" "gcc -gdwarf-4" "clang" "clang -gdwarf-4"; do
	cc=${v%% *} fl=${v#"$cc"}
	rm -rf build-split && mkdir build-split
	$cc -g -O2 $fl -c prog.c -o p.o && $cc -g -O2 $fl -c util.c -o u.o && $cc p.o u.o -o plain ||
		fail "[$v] cannot build"
	$cc -g -O2 $fl -gsplit-dwarf -c prog.c -o build-split/prog.o &&
	$cc -g -O2 $fl -gsplit-dwarf -c util.c -o build-split/util.o &&
	$cc build-split/prog.o build-split/util.o -o split || fail "[$v] cannot build with -gsplit-dwarf"
	ls build-split/*.dwo > /dev/null 2>&1 || fail "[$v] the compiler wrote no .dwo"
	run_dumpsyms -d plain | sed 1,2d > plain.sym
	run_dumpsyms -d split | sed 1,2d > split.sym || fail "[$v] split conversion failed"
	grep -q '^FUNC' split.sym || fail "[$v] no FUNC records from split DWARF"
	compare plain.sym split.sym "[$v] split DWARF"
	# moved .dwo files: found through a debug directory
	mkdir -p moved && mv build-split/*.dwo moved/
	run_dumpsyms -d split moved | sed 1,2d > moved.sym || fail "[$v] conversion with moved .dwo files"
	compare plain.sym moved.sym "[$v] .dwo files found in a debug directory"
	# a .dwp package next to the binary: llvm-dwp for clang's units,
	# binutils' dwp for gcc's DWARF 4 (llvm-dwp 14 hangs on gcc's DWARF 5
	# .dwo files and binutils' dwp cannot read them, so that one variant
	# has no package to test)
	case "$v" in
	clang*) packer=llvm-dwp ;;
	"gcc -gdwarf-4") packer=dwp ;;
	*) packer= ;;
	esac
	if [ -n "$packer" ]; then
		command -v $packer > /dev/null || fail "$packer is required (Debian packages llvm, binutils)"
		cp moved/*.dwo build-split/
		timeout 120 $packer build-split/prog.dwo build-split/util.dwo -o split.dwp || fail "[$v] $packer failed"
		rm -f moved/*.dwo build-split/*.dwo
		run_dumpsyms -d split | sed 1,2d > dwp.sym || fail "[$v] conversion with a .dwp"
		compare plain.sym dwp.sym "[$v] .dwp package"
		rm -f split.dwp
		npkg=$((${npkg:-0} + 1))
	fi
	# missing: a warning naming the file, the rest of the module still there
	rm -f moved/*.dwo
	run_dumpsyms split > missing.sym 2> missing.err || fail "[$v] a missing .dwo failed the module"
	grep -q "prog.dwo' not found" missing.err || fail "[$v] no warning naming the missing .dwo: $(cat missing.err)"
	grep -q '^MODULE' missing.sym || fail "[$v] the module lost its MODULE record"
	# the skeleton unit keeps the line table, and the symbol table names
	# and sizes the functions: the same FUNC and line records as with
	# the debug information (C: the symbols' names are the DWARF names)
	run_dumpsyms plain | sed 1,2d > plain-nod.sym
	sed 1,2d missing.sym > missing-nod.sym
	compare plain-nod.sym missing-nod.sym "[$v] functions and lines without the .dwo"
	# functions are missing, which --strict refuses: exit 1, nothing written
	rc=0
	run_dumpsyms --strict split > strict.sym 2> strict.err || rc=$?
	[ $rc = 1 ] || fail "[$v] --strict with a missing .dwo: exit $rc, not 1"
	[ ! -s strict.sym ] || fail "[$v] --strict wrote records despite the missing .dwo"
	rm -rf moved
done
[ "${npkg:-0}" -ge 3 ] || fail "only ${npkg:-0} .dwp packages tested"
