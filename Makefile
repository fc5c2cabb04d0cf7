# turnstile - build, test, bench, demo. `make V=1` shows every command.
# Every output goes under build/.

BUILD    ?= build
V        ?= 0
ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
PKG_CONFIG ?= pkg-config

# clang --target=bpf does not search the multiarch include dir (asm/types.h):
# pass the host compiler's system include dirs, after our own.
CLANG_BPF_SYS_INCLUDES := $(shell $(CLANG) -v -E - </dev/null 2>&1 \
	| sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')

LIBBPF_CFLAGS := $(shell $(PKG_CONFIG) --cflags libbpf 2>/dev/null)
LIBBPF_LIBS   := $(shell $(PKG_CONFIG) --libs libbpf 2>/dev/null || echo -lbpf) -lelf -lz
CARES_CFLAGS  := $(shell $(PKG_CONFIG) --cflags libcares 2>/dev/null)
CARES_LIBS    := $(shell $(PKG_CONFIG) --libs libcares 2>/dev/null || echo -lcares)

WARN      := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wmissing-prototypes -Wstrict-prototypes
INCLUDES  := -Iinclude -I$(BUILD)/include -Iuser/lib
CFLAGS    ?= -O2 -g
# -fno-strict-aliasing: table keys (structs of narrower fields) are hashed
# and compared as 8-byte words (ts_hash), as the datapath reads them
ALL_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) -fno-strict-aliasing $(INCLUDES) $(LIBBPF_CFLAGS) $(CARES_CFLAGS) -D_GNU_SOURCE -MMD -MP
LDLIBS    := $(LIBBPF_LIBS) $(CARES_LIBS) -lm

BPF_CFLAGS := -g -O2 --target=bpf -mcpu=v3 -Wall -Werror -Iinclude -Ibpf $(CLANG_BPF_SYS_INCLUDES)

# ---- BPF: one object, one skeleton -----------------------------------------
BPF_MAIN := bpf/turnstile.bpf.c
BPF_OBJ  := $(BUILD)/bpf/turnstile.bpf.o
SKEL     := $(BUILD)/include/turnstile.skel.h
BPF_DEPS := $(wildcard bpf/*.h) include/turnstile.h

# ---- userspace library, CLI --------------------------------------------------
LIB_SRCS := $(shell find user/lib -name '*.c' | sort)
LIB_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRCS))
LIB      := $(BUILD)/libturnstile.a
CLI_SRCS := $(shell find user/cli -name '*.c' | sort)
CLI_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(CLI_SRCS))
BIN      := $(BUILD)/turnstile

# ---- tests: selftests/<area>/test_*.c is one binary each; other .c files in
# the same area are support code linked into that area's tests.
TEST_AREAS := $(sort $(dir $(wildcard selftests/*/test_*.c)))
TEST_BINS  := $(foreach a,$(TEST_AREAS),$(patsubst selftests/%.c,$(BUILD)/selftests/%,$(wildcard $(a)test_*.c)))
TESTLIB_SRCS := $(wildcard selftests/testlib.c)
TESTLIB_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(TESTLIB_SRCS))
BENCH_SRCS := $(wildcard selftests/bench/bench_*.c)
BENCH_BINS := $(patsubst selftests/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRCS))

.SECONDARY:
.PHONY: all test test-run bench bench-run bench-live bench-live-run fuzz demo deps clean man install
all: $(BIN) $(BPF_OBJ)

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(BPF_DEPS)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(SKEL): $(BPF_OBJ)
	$(call msg,SKEL,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(BPFTOOL) gen skeleton $< name turnstile_bpf > $@.tmp && mv $@.tmp $@

# Every userspace object may include the skeleton.
$(BUILD)/obj/%.o: %.c $(SKEL)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN): $(CLI_OBJS) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $(CLI_OBJS) $(LIB) $(LDLIBS)

# support objects of an area: its .c files that are not tests
test_support = $(patsubst %.c,$(BUILD)/obj/%.o,$(filter-out $(wildcard selftests/$(1)test_*.c),$(wildcard selftests/$(1)*.c)))
define test_area_rule
$(BUILD)/selftests/$(1)%: selftests/$(1)%.c $(call test_support,$(1)) $(TESTLIB_OBJS) $(LIB) $(SKEL)
	$$(call msg,TEST,$$@)
	$$(Q)mkdir -p $$(@D)
	$$(Q)$$(CC) $$(ALL_CFLAGS) -Iselftests -o $$@ $$< $(call test_support,$(1)) $(TESTLIB_OBJS) $(LIB) $$(LDLIBS)
endef
$(foreach a,$(TEST_AREAS),$(eval $(call test_area_rule,$(patsubst selftests/%,%,$(a)))))

# support objects of the benchmarks: selftests/bench/*.c that are not bench_*.c
BENCH_SUPPORT := $(patsubst %.c,$(BUILD)/obj/%.o,$(filter-out $(BENCH_SRCS),$(wildcard selftests/bench/*.c)))
$(BUILD)/bench/%: selftests/bench/%.c $(BENCH_SUPPORT) $(TESTLIB_OBJS) $(LIB) $(SKEL)
	$(call msg,BENCH,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -Iselftests -o $@ $< $(BENCH_SUPPORT) $(TESTLIB_OBJS) $(LIB) $(LDLIBS)

# ---- bench only: the BPF objects the benchmark loads at run time -----------
BENCH_BPF_OBJ := $(BUILD)/bpf/bench_baseline.bpf.o $(BUILD)/bpf/bench_blocks.bpf.o
$(BENCH_BINS): | $(BENCH_BPF_OBJ)

# ---- bench-live: live frames through a veth into each receiver (docs/bench.md)
LIVE_SRCS := $(wildcard selftests/bench/live/*.c)
LIVE_BIN  := $(BUILD)/bench/live
LIVE_BPF_OBJ := $(BUILD)/bpf/bench_live_gen.bpf.o $(BUILD)/bpf/bench_live_bare.bpf.o
$(LIVE_BIN): $(LIVE_SRCS) $(wildcard selftests/bench/live/*.h) | $(LIVE_BPF_OBJ)
	$(call msg,BENCH,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -MF /dev/null -o $@ $(LIVE_SRCS) $(LDLIBS)

# ---- fuzzing: the policy parser under libFuzzer + ASan + UBSan --------------
FUZZ_BIN  := $(BUILD)/fuzz/fuzz_policy
FUZZ_LIB_SRCS := $(shell find user/lib/policy user/lib/common -name '*.c' 2>/dev/null | sort)
FUZZ_FLAGS := -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-Wall -Werror -Wno-unused-parameter $(INCLUDES) -D_GNU_SOURCE
$(FUZZ_BIN): selftests/fuzz/fuzz_policy.c $(FUZZ_LIB_SRCS) $(wildcard user/lib/policy/*.h user/lib/common/*.h) include/turnstile.h
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_FLAGS) -o $@ selftests/fuzz/fuzz_policy.c $(FUZZ_LIB_SRCS) $(LIBBPF_LIBS)

FUZZ_TARGETS := $(if $(wildcard selftests/fuzz/fuzz_policy.c),$(FUZZ_BIN))
fuzz: $(FUZZ_BIN)
	$(Q)selftests/fuzz/run $(FUZZ_BIN) $${FUZZ_SECONDS:-600}

# ---- entry points -------------------------------------------------------------
# `make test` and `make demo` first install whatever Debian packages are
# missing, then re-enter make so the probes above see the new tools.
deps:
	$(Q)scripts/install-deps.sh

test: deps
	$(Q)$(MAKE) --no-print-directory test-run

test-run: all $(TEST_BINS) $(BENCH_BINS) $(FUZZ_TARGETS)
	$(Q)BUILD=$(BUILD) selftests/run

bench: deps
	$(Q)$(MAKE) --no-print-directory bench-run

bench-run: all $(BENCH_BINS)
	$(Q)BUILD=$(BUILD) selftests/bench/run

bench-live: deps
	$(Q)$(MAKE) --no-print-directory bench-live-run

bench-live-run: all $(LIVE_BIN)
	$(Q)BUILD=$(BUILD) selftests/bench/live/run

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) scripts/demo.sh

# turnstile(8) from docs/cli.md, the one source of the CLI reference.
MAN := $(BUILD)/turnstile.8
man: $(MAN)
$(MAN): docs/cli.md scripts/gen-man.sh
	$(call msg,MAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)scripts/gen-man.sh $< $@

clean:
	$(call msg,CLEAN,$(BUILD))
	$(Q)rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# `make install` (DESTDIR for packaging): the binary where the systemd unit
# expects it, the man page, the unit, the shipped policies as examples.
PREFIX ?= /usr
install: all $(MAN)
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/sbin/turnstile
	$(Q)install -D -m 0644 $(MAN) $(DESTDIR)$(PREFIX)/share/man/man8/turnstile.8
	$(Q)install -D -m 0644 scripts/systemd/turnstile.service $(DESTDIR)/lib/systemd/system/turnstile.service
	$(Q)install -D -m 0644 policies/seed.policy $(DESTDIR)$(PREFIX)/share/doc/turnstile/examples/seed.policy
