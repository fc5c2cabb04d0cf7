# turnstile - build, test, bench, demo. `make V=1` shows every command.
# Every output goes under build/.

BUILD    ?= build
V        ?= 0
# The entry points below (test, demo, bench, ...) build with this many
# jobs, then run their one command alone.
JOBS     ?= $(shell nproc 2>/dev/null || echo 1)
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
# the fleet's etcd client (user/lib/fleet): HTTP with libcurl, JSON with json-c
FLEET_CFLAGS  := $(shell $(PKG_CONFIG) --cflags libcurl json-c 2>/dev/null)
FLEET_LIBS    := $(shell $(PKG_CONFIG) --libs libcurl json-c 2>/dev/null || echo -lcurl -ljson-c) -lpthread

WARN      := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wmissing-prototypes -Wstrict-prototypes
INCLUDES  := -Iinclude -I$(BUILD)/include -Iuser/lib
CFLAGS    ?= -O2 -g
# -fno-strict-aliasing: table keys (structs of narrower fields) are hashed
# and compared as 8-byte words (ts_hash), as the datapath reads them
ALL_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) -fno-strict-aliasing $(INCLUDES) $(LIBBPF_CFLAGS) $(CARES_CFLAGS) $(FLEET_CFLAGS) -D_GNU_SOURCE -MMD -MP
LDLIBS    := $(LIBBPF_LIBS) $(CARES_LIBS) $(FLEET_LIBS) -lm

BPF_CFLAGS := -g -O2 --target=bpf -mcpu=v3 -Wall -Werror -Iinclude -Ibpf $(CLANG_BPF_SYS_INCLUDES)

# ---- BPF: one object, one skeleton -----------------------------------------
BPF_MAIN := bpf/turnstile.bpf.c
BPF_OBJ  := $(BUILD)/bpf/turnstile.bpf.o
SKEL     := $(BUILD)/include/turnstile.skel.h
BPF_DEPS := $(wildcard bpf/*.h) $(wildcard include/*.h)

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
.PHONY: all test test-run soak soak-run bench bench-run bench-dns bench-live bench-live-run fuzz demo deps clean man
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

# ---- the version: the release number and the commit it was built from ------
TS_RELEASE := 0.1
TS_VERSION := $(TS_RELEASE)-$(shell git describe --always --dirty 2>/dev/null || echo unknown)
VERSION_H  := $(BUILD)/include/ts_version.h
# rewritten only when the version changes: only version.o is rebuilt then
$(VERSION_H): FORCE
	$(Q)mkdir -p $(@D)
	$(Q)echo '#define TS_VERSION "$(TS_VERSION)"' >$@.tmp
	$(Q)cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
$(BUILD)/obj/user/lib/common/version.o: $(VERSION_H)
.PHONY: FORCE
FORCE:

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN): $(CLI_OBJS) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJS) $(LIB) $(LDLIBS)

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
BENCH_BPF_OBJ := $(BUILD)/bpf/bench_baseline.bpf.o $(BUILD)/bpf/bench_blocks.bpf.o $(BUILD)/bpf/bench_mem.bpf.o
$(BENCH_BINS): | $(BENCH_BPF_OBJ)

# ---- bench-live: live frames through a veth into each receiver (docs/bench.md)
LIVE_SRCS := $(wildcard selftests/bench/live/*.c)
LIVE_BIN  := $(BUILD)/bench/live
LIVE_BPF_OBJ := $(BUILD)/bpf/bench_live_gen.bpf.o $(BUILD)/bpf/bench_live_bare.bpf.o \
	$(BUILD)/bpf/bench_live_cand.bpf.o $(BUILD)/bpf/bench_live_dense.bpf.o
$(LIVE_BIN): $(LIVE_SRCS) $(wildcard selftests/bench/live/*.h) | $(LIVE_BPF_OBJ)
	$(call msg,BENCH,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -MF /dev/null -o $@ $(LIVE_SRCS) $(LDLIBS)

# ---- ThreadSanitizer: user/lib/dp/table.c with several writer threads,
# built apart with -fsanitize=thread; found by selftests/run as a test.
# clang: gcc refuses ts_atomic.h's fences under TSan (-Werror=tsan) -------
TSAN_BIN  := $(BUILD)/selftests/tsan/test_table_tsan
TSAN_SRCS := selftests/tsan/table_race.c user/lib/dp/table.c user/lib/common/log.c \
	user/lib/common/pin.c selftests/testlib.c
$(TSAN_BIN): $(TSAN_SRCS) $(FUZZ_HDRS) $(wildcard include/*.h) selftests/testlib.h
	$(call msg,TSAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -std=gnu11 $(WARN) -g -O1 -fsanitize=thread -fno-strict-aliasing $(INCLUDES) -Iselftests \
		$(LIBBPF_CFLAGS) -D_GNU_SOURCE -o $@ $(TSAN_SRCS) $(LIBBPF_LIBS)

# ---- fuzzing: each selftests/fuzz/fuzz_<name>.c under libFuzzer + ASan + UBSan,
# linked with the library sources it exercises (FUZZ_SRCS_<name>) and any
# more libraries (FUZZ_LIBS_<name>); common/ logs through libbpf ---------------
FUZZ_COMMON_SRCS := $(shell find user/lib/common -name '*.c' 2>/dev/null | sort)
FUZZ_SRCS_policy := $(shell find user/lib/policy -name '*.c' 2>/dev/null | sort) $(FUZZ_COMMON_SRCS)
FUZZ_SRCS_dns    := user/lib/names/dnsmsg.c user/lib/policy/net.c $(FUZZ_COMMON_SRCS)
# the proxy's learning step: the names library on a policy of wildcards
FUZZ_SRCS_learn  := $(shell find user/lib/names user/lib/policy -name '*.c' | sort) $(FUZZ_COMMON_SRCS)
FUZZ_LIBS_learn  := $(CARES_LIBS) -lm
# the fleet's readers of what etcd holds: answers, names keys, gateway status
FUZZ_SRCS_etcd   := user/lib/fleet/etcd_json.c user/lib/fleet/b64.c user/lib/fleet/keys.c \
	user/lib/fleet/status_json.c user/lib/policy/dnsname.c user/lib/policy/net.c $(FUZZ_COMMON_SRCS)
FUZZ_LIBS_etcd   := $(FLEET_LIBS)
FUZZ_NAMES   := $(patsubst selftests/fuzz/fuzz_%.c,%,$(wildcard selftests/fuzz/fuzz_*.c))
FUZZ_TARGETS := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_NAMES))
FUZZ_HDRS    := $(shell find user/lib -name '*.h' | sort) include/turnstile.h
FUZZ_FLAGS := -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-Wall -Werror -Wno-unused-parameter $(INCLUDES) -D_GNU_SOURCE
define fuzz_rule
$(BUILD)/fuzz/fuzz_$(1): selftests/fuzz/fuzz_$(1).c $(FUZZ_SRCS_$(1)) $(FUZZ_HDRS) $(VERSION_H)
	$$(call msg,FUZZ,$$@)
	$$(Q)mkdir -p $$(@D)
	$$(Q)$$(CLANG) $$(FUZZ_FLAGS) -o $$@ selftests/fuzz/fuzz_$(1).c $(FUZZ_SRCS_$(1)) $(FUZZ_LIBS_$(1)) $$(LIBBPF_LIBS)
endef
$(foreach f,$(FUZZ_NAMES),$(eval $(call fuzz_rule,$(f))))

# Every target for FUZZ_SECONDS (default 600) each; fails if any one does.
fuzz: $(FUZZ_TARGETS)
	$(Q)rc=0; for t in $(FUZZ_TARGETS); do \
		echo "$$t:"; selftests/fuzz/run $$t $${FUZZ_SECONDS:-600} || rc=1; \
	done; exit $$rc

# ---- entry points -------------------------------------------------------------
# `make test` and `make demo` first install whatever Debian packages are
# missing, then re-enter make so the probes above see the new tools.
deps:
	$(Q)scripts/install-deps.sh

test: deps
	$(Q)$(MAKE) -j$(JOBS) --no-print-directory test-run

test-run: all $(TEST_BINS) $(BENCH_BINS) $(LIVE_BIN) $(FUZZ_TARGETS) $(TSAN_BIN)
	$(Q)BUILD=$(BUILD) selftests/run

# The long runs (selftests/soak/run says what and for how long: SOAK_*).
soak: deps
	$(Q)$(MAKE) -j$(JOBS) --no-print-directory soak-run

soak-run: all $(BUILD)/selftests/dp/test_diff $(BUILD)/selftests/dp/test_concurrency \
		$(BUILD)/selftests/dp/test_twins $(FUZZ_TARGETS)
	$(Q)BUILD=$(BUILD) selftests/soak/run

bench: deps
	$(Q)$(MAKE) -j$(JOBS) --no-print-directory bench-run

bench-run: all $(BENCH_BINS)
	$(Q)BUILD=$(BUILD) selftests/bench/run

# the latency the DNS proxy adds (also the last part of `make bench`)
bench-dns: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) selftests/bench/dns_proxy

bench-live: deps
	$(Q)$(MAKE) -j$(JOBS) --no-print-directory bench-live-run

bench-live-run: all $(LIVE_BIN)
	$(Q)BUILD=$(BUILD) selftests/bench/live/run

demo: deps
	$(Q)$(MAKE) -j$(JOBS) --no-print-directory all
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

# ---- install / uninstall (docs/deploy.md) ------------------------------------
# DESTDIR stages into another root (packaging); PREFIX is where the program
# goes. The unit is found by systemd in UNITDIR; /etc and /var stay outside
# PREFIX as the FHS has them. Files an admin edits (the policy, the unit's
# settings) are installed only when absent and never removed by uninstall.
PREFIX      ?= /usr
SBINDIR     ?= $(PREFIX)/sbin
MANDIR      ?= $(PREFIX)/share/man
DOCDIR      ?= $(PREFIX)/share/doc/turnstile
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
SYSCONFDIR  ?= /etc
UNITDIR     ?= /lib/systemd/system
STATEDIR    ?= /var/lib/turnstile
# the CLI's bash completion, when the tree has one
BASH_COMPLETION := $(wildcard scripts/turnstile.bash-completion)
# The unit as installed: its paths follow SBINDIR, SYSCONFDIR, STATEDIR
# (generated at each install, so a PREFIX never outlives its install).
UNIT_SED := -e 's|/usr/sbin/turnstile|$(SBINDIR)/turnstile|g' -e 's|/etc/|$(SYSCONFDIR)/|g' \
	-e 's|/var/lib/turnstile|$(STATEDIR)|g'

.PHONY: install uninstall install-files
install: all $(MAN)
	$(Q)$(MAKE) --no-print-directory install-files

# Only copies (no build): what `make deb` stages too.
install-files:
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -D -m 0755 $(BIN) $(DESTDIR)$(SBINDIR)/turnstile
	$(Q)install -D -m 0644 $(MAN) $(DESTDIR)$(MANDIR)/man8/turnstile.8
	$(Q)install -d $(DESTDIR)$(UNITDIR)
	$(Q)sed $(UNIT_SED) scripts/systemd/turnstile.service >$(DESTDIR)$(UNITDIR)/turnstile.service
	$(Q)chmod 0644 $(DESTDIR)$(UNITDIR)/turnstile.service
	$(Q)install -D -m 0644 policies/seed.policy $(DESTDIR)$(DOCDIR)/examples/seed.policy
	$(Q)$(if $(BASH_COMPLETION),install -D -m 0644 $(BASH_COMPLETION) $(DESTDIR)$(BASHCOMPDIR)/turnstile)
	$(Q)install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/turnstile $(DESTDIR)$(SYSCONFDIR)/default
	$(Q)install -d -m 0700 $(DESTDIR)$(STATEDIR)
	$(Q)[ -e $(DESTDIR)$(SYSCONFDIR)/turnstile/turnstile.policy ] || \
		install -m 0644 policies/seed.policy $(DESTDIR)$(SYSCONFDIR)/turnstile/turnstile.policy
	$(Q)[ -e $(DESTDIR)$(SYSCONFDIR)/default/turnstile ] || \
		sed -e 's|/etc/|$(SYSCONFDIR)/|g' scripts/systemd/turnstile.default \
		>$(DESTDIR)$(SYSCONFDIR)/default/turnstile

# Removes what install put there except the admin's files (policy,
# settings) and the state directory; says so. Enforcement is not touched:
# `turnstile down` first to remove it.
uninstall:
	$(call msg,UNINSTALL,$(DESTDIR)$(PREFIX))
	$(Q)rm -f $(DESTDIR)$(SBINDIR)/turnstile $(DESTDIR)$(MANDIR)/man8/turnstile.8 \
		$(DESTDIR)$(UNITDIR)/turnstile.service $(DESTDIR)$(BASHCOMPDIR)/turnstile
	$(Q)rm -rf $(DESTDIR)$(DOCDIR)
	$(Q)for f in $(DESTDIR)$(SYSCONFDIR)/turnstile/turnstile.policy $(DESTDIR)$(SYSCONFDIR)/default/turnstile \
		$(DESTDIR)$(STATEDIR); do [ -e "$$f" ] && echo "uninstall: kept $$f (remove it by hand)"; done; true

# ---- Debian package (packaging/deb, docs/deploy.md) --------------------------
# The package's binary is built apart, with Debian's hardening flags
# (dpkg-buildflags: stack protector, _FORTIFY_SOURCE, relro, bindnow).
DEB_VERSION ?= 0.1.0
DEB_OUT     ?= $(BUILD)
DEB_BUILD   ?= $(BUILD)/deb-build
DEB_FLAGS   := DEB_BUILD_MAINT_OPTIONS=hardening=+all
.PHONY: deb
deb:
	$(Q)$(MAKE) --no-print-directory BUILD=$(DEB_BUILD) \
		CFLAGS="$$($(DEB_FLAGS) dpkg-buildflags --get CFLAGS) $$($(DEB_FLAGS) dpkg-buildflags --get CPPFLAGS)" \
		LDFLAGS="$$($(DEB_FLAGS) dpkg-buildflags --get LDFLAGS)" $(DEB_BUILD)/turnstile $(DEB_BUILD)/turnstile.8
	$(call msg,DEB,$(DEB_OUT)/turnstile_$(DEB_VERSION)_*.deb)
	$(Q)packaging/deb/build.sh $(DEB_BUILD) $(DEB_VERSION) $(DEB_OUT)
