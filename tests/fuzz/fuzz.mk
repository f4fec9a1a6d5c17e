# tests/fuzz/fuzz.mk - builds the libFuzzer targets tests/fuzz/fuzz_*.c
# with clang, ASan and UBSan, whatever compiler the main build uses:
#
#   make -f tests/fuzz/fuzz.mk TOP=SRCDIR BUILD=BUILDDIR OUT=DIR [TARGETS]
#
# BUILD is a configured build directory (for config.h); the programs go to
# OUT/fuzz_NAME, the objects of common/ and dumpsyms/ (and, for the
# server's targets, symserver/ but main.c; for fuzz_route, router.c alone)
# to OUT/obj, compiled
# once for all targets (with -MMD, so that a changed header rebuilds what
# includes it).  `make fuzz` in a build directory and scripts/fuzz call it.
TOP ?= $(error TOP is the source directory)
BUILD ?= $(error BUILD is a configured build directory)
OUT ?= $(BUILD)/fuzz
CC_FUZZ ?= clang
CXX_FUZZ ?= clang++
LLVM_CONFIG ?= llvm-config-14
LLVM_INC := $(shell $(LLVM_CONFIG) --includedir 2> /dev/null || echo /usr/lib/llvm-14/include)
LLVM_LIB := $(shell $(LLVM_CONFIG) --libdir 2> /dev/null || echo /usr/lib/llvm-14/lib)

SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
CFLAGS_FUZZ := -std=gnu11 -g -O1 $(SAN) -fsanitize=fuzzer-no-link -Wall -Wextra -Werror \
	-I$(BUILD) -I$(TOP)/common -I$(TOP)/dumpsyms -I$(TOP)/symserver
CXXFLAGS_FUZZ := -g -O1 $(SAN) -fsanitize=fuzzer-no-link -I$(BUILD) -I$(TOP)/dumpsyms \
	-isystem $(LLVM_INC)
LIBS_FUZZ := $(LLVM_LIB)/libLLVMDemangle.a -lelf -liberty -larchive -lzstd -ldeflate -lz -llzma -lstdc++ -lpthread

LIB_C := $(filter-out $(TOP)/common/store.c $(TOP)/common/index.c $(TOP)/common/blob_s3.c $(TOP)/dumpsyms/main.c, \
	$(wildcard $(TOP)/common/*.c $(TOP)/dumpsyms/*.c))
LIB_CC := $(wildcard $(TOP)/dumpsyms/*.cc)
LIB_OBJS := $(patsubst $(TOP)/%.c,$(OUT)/obj/%.o,$(LIB_C)) \
	$(patsubst $(TOP)/%.cc,$(OUT)/obj/%.o,$(LIB_CC))
# the server's targets: the symserver objects and the store, with their
# libraries, but no dumpsyms objects
SRV_TARGETS := fuzz_http fuzz_archive fuzz_v2json fuzz_symbolicate
SRV_C := $(TOP)/common/store.c $(filter-out $(TOP)/symserver/main.c,$(wildcard $(TOP)/symserver/*.c)) \
	$(filter-out $(TOP)/common/store.c,$(wildcard $(TOP)/common/*.c))
SRV_OBJS := $(patsubst $(TOP)/%.c,$(OUT)/obj/%.o,$(SRV_C))
LIBS_SRV := -lmicrohttpd -llmdb -lcurl -ljansson -larchive -lzstd -lz -lpthread
TARGETS := $(patsubst $(TOP)/tests/fuzz/%.c,%,$(wildcard $(TOP)/tests/fuzz/fuzz_*.c))

all: $(TARGETS)
.PHONY: all $(TARGETS)
# keep the objects (make would delete them as intermediates)
.SECONDARY:
.DELETE_ON_ERROR:
$(TARGETS): %: $(OUT)/%

$(OUT)/obj/%.o: $(TOP)/%.c
	@mkdir -p $(dir $@)
	$(CC_FUZZ) $(CFLAGS_FUZZ) -MMD -MP -c $< -o $@

$(OUT)/obj/%.o: $(TOP)/%.cc
	@mkdir -p $(dir $@)
	$(CXX_FUZZ) $(CXXFLAGS_FUZZ) -MMD -MP -c $< -o $@

$(addprefix $(OUT)/,$(SRV_TARGETS)): $(OUT)/%: $(OUT)/obj/tests/fuzz/%.o $(SRV_OBJS)
	$(CC_FUZZ) $(SAN) -fsanitize=fuzzer $^ $(LIBS_SRV) -o $@

# the router is pure: its one object, no library
$(OUT)/fuzz_route: $(OUT)/obj/tests/fuzz/fuzz_route.o $(OUT)/obj/symserver/router.o
	$(CC_FUZZ) $(SAN) -fsanitize=fuzzer $^ -o $@

# the S3 parsers: their object, the blob name rules and the error type
$(OUT)/fuzz_s3: $(OUT)/obj/tests/fuzz/fuzz_s3.o $(OUT)/obj/common/s3parse.o $(OUT)/obj/common/blob.o \
		$(OUT)/obj/common/err.o
	$(CC_FUZZ) $(SAN) -fsanitize=fuzzer $^ -o $@

$(OUT)/fuzz_%: $(OUT)/obj/tests/fuzz/fuzz_%.o $(LIB_OBJS)
	$(CC_FUZZ) $(SAN) -fsanitize=fuzzer -fsanitize-link-c++-runtime $^ $(LIBS_FUZZ) -o $@

-include $(shell find $(OUT)/obj -name '*.d' 2> /dev/null)
