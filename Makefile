# SPDX-License-Identifier: GPL-2.0
# XTCP top-level Makefile. Everything built goes under $(B) (build/).
#   make            module + tools + selftests
#   make demo       the main job (boots the VM)
#   make bench      XTCP vs Linux TCP (boots the VM; WRITE=1 writes docs/performance.md)
#   make check      the tests (boots the VM)
TOP   := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
B     := $(TOP)/build

# The kernel the VM boots, and the headers the module is built against.
# KERNEL=<version> selects another installed kernel.
ifneq ($(KERNEL),)
KVER  := $(KERNEL)
endif
# Default: the newest installed 6.1 (scripts/kver.sh), so the build follows
# Debian's point releases. 6.12: KERNEL=$$(scripts/kver.sh 6.12).
KVER  ?= $(shell $(TOP)/scripts/kver.sh 6.1 2>/dev/null)
KDIR  ?= /lib/modules/$(KVER)/build

KMOD_SRCS := $(wildcard $(TOP)/kmod/*.c $(TOP)/kmod/*.h)
MODDIR    := $(B)/module

.PHONY: all module clean FORCE
all: module

# Out-of-tree build in a shadow tree of symlinks: Kbuild writes its objects
# next to the sources it compiles, so the sources it sees live in build/.
# $(MODDIR)/kdir names the headers the module was last built against; it is
# rewritten only when they change (KERNEL=...), and so the module is rebuilt
# then rather than left built for the other kernel.
module: $(MODDIR)/xtcp.ko
$(MODDIR)/kdir: FORCE
	@mkdir -p $(MODDIR)
	@[ "$$(cat $@ 2>/dev/null)" = "$(KDIR)" ] || echo "$(KDIR)" >$@
$(MODDIR)/xtcp.ko: $(KMOD_SRCS) $(TOP)/Kbuild $(wildcard $(TOP)/uapi/linux/*.h) $(MODDIR)/kdir
	@test -d "$(KDIR)" || { echo "error: no kernel headers at KDIR=$(KDIR) (run 'make deps')" >&2; exit 1; }
	@mkdir -p $(MODDIR)/kmod
	@ln -sf $(TOP)/Kbuild $(MODDIR)/Kbuild
	@for f in $(KMOD_SRCS); do ln -sf $$f $(MODDIR)/kmod/; done
	$(MAKE) -C $(KDIR) M=$(MODDIR) XTCP_TOP=$(TOP) modules

clean:
	rm -rf $(B)

# ---------------------------------------------------------------------------
# Tools, selftests, dependencies, the test VM, check and demo.
# (scripts/, selftests/, userspace-tools/; see README.md and docs/vm.md)
#   make deps                 install missing Debian packages (scripts/deps.sh)
#   make tools                userspace-tools/*.c -> build/tools/
#   make selftests            selftests/*.c, *.sh  -> build/selftests/
#   make vm [CMD='...']       shell (or one command) in the test VM
#   make check                build, then every selftest in the VM
#   make demo                 the demo (userspace-tools/demo.sh) in the VM
#   make bench [WRITE=1]      XTCP vs Linux TCP with xtcpperf in the VM
#                             (WRITE=1: also docs/performance.md)
#   make fuzz [N=...] [SEED=...]  the packet fuzzer alone in the VM
#                             (fuzz_test.sh, N segments, default 1000000)
# KERNEL=<version> selects another installed kernel; KERNEL_IMAGE=path boots
# an image built elsewhere (give KDIR= for its headers). VM_TIMEOUT=seconds.
# ---------------------------------------------------------------------------
RUNVM := $(TOP)/selftests/vm/run-vm.sh
# The command, unexpanded by make and quoted for the shell.
VMCMD  = '$(subst ','\'',$(value CMD))'

.PHONY: deps tools selftests vm check demo bench _vm _check _demo _bench
all: tools selftests

deps:
	@$(TOP)/scripts/deps.sh

tools:
	@$(MAKE) --no-print-directory -C $(TOP)/userspace-tools B=$(B)

selftests:
	@$(MAKE) --no-print-directory -C $(TOP)/selftests B=$(B)

# vm, check and demo install what is missing first, then go on in a fresh
# make, so that KVER/KDIR are computed after the kernel packages are there.
vm: deps
	@$(MAKE) --no-print-directory _vm
_vm: module tools selftests
	@KVER=$(KVER) CMD=$(VMCMD) $(RUNVM)

check: deps
	@$(MAKE) --no-print-directory _check
_check:
	@KVER=$(KVER) KDIR=$(KDIR) MAKE=$(MAKE) $(TOP)/scripts/check.sh

demo: deps
	@$(MAKE) --no-print-directory _demo
_demo: module tools
	@KVER=$(KVER) $(RUNVM) $(TOP)/userspace-tools/demo.sh

bench: deps
	@$(MAKE) --no-print-directory _bench
_bench: module tools
	@KVER=$(KVER) WRITE=$(WRITE) $(TOP)/scripts/bench.sh

# The packet fuzzer (docs/testing.md): N segments (default 10^6) while a
# legitimate transfer runs alongside; SEED replays a run's mutations. The
# test gets N/500 + 600 seconds.
FUZZ_N     = $(or $(N),1000000)
FUZZ_LIMIT = $(shell echo $$(( $(FUZZ_N) / 500 + 600 )))
.PHONY: fuzz _fuzz
fuzz: deps
	@$(MAKE) --no-print-directory _fuzz
_fuzz: module tools selftests
	@KVER=$(KVER) XTCP_TEST_TIMEOUT=$(FUZZ_LIMIT) VM_TIMEOUT=$$(( $(FUZZ_LIMIT) + 300 )) \
		$(RUNVM) 'XTCP_FUZZ_N=$(FUZZ_N) XTCP_FUZZ_SEED=$(SEED) selftests/vm/run-tests.sh fuzz_test.sh'

# ---------------------------------------------------------------------------
# The debug-kernel tier (docs/testing.md): Debian's linux-source-6.1 built
# once with KASAN, UBSAN, lockdep, kmemleak, KFENCE, ... into
# build/debug-kernel/ (config fragment: selftests/vm/debug.config).
#   make debug-kernel         build it (scripts/debug-kernel.sh; cached, only
#                             rebuilt when the fragment or linux-source changes)
#   make module-debug         build/module-debug/xtcp.ko, built against it
#   make check-debug          every selftest on it, kmemleak after the suite
#   make vm-debug [CMD='...'] the test VM on it (panic_on_warn=1)
#   make soak                 the long tier on it (scripts/soak.sh)
# ---------------------------------------------------------------------------
DEBUG_KDIR   := $(B)/debug-kernel/linux
MODDIR_DEBUG := $(B)/module-debug

.PHONY: debug-kernel module-debug check-debug vm-debug _debug-kernel _check-debug _vm-debug
debug-kernel: deps
	@$(MAKE) --no-print-directory _debug-kernel
_debug-kernel:
	@$(TOP)/scripts/debug-kernel.sh

# The kernel first (a no-op when it is up to date): its stamp changes when
# it is rebuilt, and so the module is rebuilt against it.
module-debug: _debug-kernel
	@$(MAKE) --no-print-directory $(MODDIR_DEBUG)/xtcp.ko
$(MODDIR_DEBUG)/xtcp.ko: $(KMOD_SRCS) $(TOP)/Kbuild $(wildcard $(TOP)/uapi/linux/*.h) $(B)/debug-kernel/stamp
	@mkdir -p $(MODDIR_DEBUG)/kmod
	@ln -sf $(TOP)/Kbuild $(MODDIR_DEBUG)/Kbuild
	@find $(MODDIR_DEBUG)/kmod -xtype l -delete
	@for f in $(KMOD_SRCS); do ln -sf $$f $(MODDIR_DEBUG)/kmod/; done
	$(MAKE) -C $(DEBUG_KDIR) M=$(MODDIR_DEBUG) XTCP_TOP=$(TOP) modules

check-debug: deps
	@$(MAKE) --no-print-directory _check-debug
_check-debug:
	@MAKE=$(MAKE) $(TOP)/scripts/check-debug.sh

# The long tier (docs/testing.md), not in CI: on the debug kernel, 10^6
# fuzzed segments, 10^4 stress rounds, 10^4 SYNs and TIME-WAIT entries, the
# 64 MB transfer (scripts/soak.sh; about 45 min on 2 idle cores, estimated).
.PHONY: soak _soak
soak: deps
	@$(MAKE) --no-print-directory _soak
_soak:
	@MAKE=$(MAKE) $(TOP)/scripts/soak.sh

vm-debug: deps
	@$(MAKE) --no-print-directory _vm-debug
_vm-debug: module-debug tools selftests
	@CMD=$(VMCMD) $(TOP)/selftests/vm/debug-env.sh $(RUNVM)

# ---------------------------------------------------------------------------
# Packages (docs/packages.md): xtcp-dkms and xtcp-tools, built with
# dpkg-buildpackage from a copy of the tree into build/deb/, then lintian.
#   make deb                  build/deb/*.deb (scripts/deb.sh)
#   make deb-test             install both in the VM, dkms builds xtcp.ko
#                             there, socket(AF_XTCP) as nobody autoloads it,
#                             man xtcp, purge leaves nothing (scripts/deb-test.sh)
# ---------------------------------------------------------------------------
# make deb needs only the packaging tools (dpkg-buildpackage checks the
# build-dependencies itself): on a machine of your own, apt-get install
# debhelper dh-dkms libmnl-dev pkg-config lintian; make deps installs them.
.PHONY: deb deb-test _deb _deb-test
deb: _deb
_deb:
	@$(TOP)/scripts/deb.sh

deb-test: deps
	@$(MAKE) --no-print-directory _deb-test
_deb-test: _deb tools
	@KVER=$(KVER) $(TOP)/scripts/deb-test.sh
