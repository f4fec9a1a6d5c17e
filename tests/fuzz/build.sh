#!/usr/bin/env bash
# tests/fuzz/build.sh OUT ENTRY.c: builds the libFuzzer program OUT from a
# fuzz entry point and the whole of common/ and dumpsyms/ (their C, and
# their C++ compiled apart: msvc_demangle.cc and LLVM's demangler), with
# ASan and UBSan.  Run from a test's directory, with BUILD and TOP set.
set -euo pipefail
out=$1 entry=$2
: "${TOP:?}" "${BUILD:?}"
srcs=$(ls "$TOP"/common/*.c "$TOP"/dumpsyms/*.c | grep -v -e '/main\.c$' -e '/store\.c$')
llvm_inc=$(llvm-config-14 --includedir 2> /dev/null || echo /usr/lib/llvm-14/include)
llvm_lib=$(llvm-config-14 --libdir 2> /dev/null || echo /usr/lib/llvm-14/lib)
san="-fsanitize=address,undefined -fno-sanitize-recover=all"
objs=
for cc in "$TOP"/dumpsyms/*.cc; do
	o=$out-$(basename "$cc" .cc).o
	clang++ -g -O1 $san -fsanitize=fuzzer-no-link -I"$BUILD" -I"$TOP/dumpsyms" -isystem "$llvm_inc" \
		-c "$cc" -o "$o"
	objs="$objs $o"
done
clang -std=gnu11 -g -O1 $san -fsanitize=fuzzer -fsanitize-link-c++-runtime \
	-I"$BUILD" -I"$TOP/common" -I"$TOP/dumpsyms" $srcs "$entry" $objs \
	"$llvm_lib/libLLVMDemangle.a" -lelf -liberty -larchive -lzstd -lz -lstdc++ -o "$out"
