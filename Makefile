# SPDX-License-Identifier: GPL-2.0
# XTCP top-level Makefile. Everything built goes under $(B) (build/).
#   make            module + tools + selftests
#   make demo       the main job (boots the VM)
#   make check      the tests (boots the VM)
TOP   := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
B     := $(TOP)/build

# The kernel the VM boots, and the headers the module is built against.
KVER  ?= $(shell ls -1 /boot/vmlinuz-6.1.*-amd64 2>/dev/null | sed 's|/boot/vmlinuz-||' | sort -V | tail -n1)
KDIR  ?= /lib/modules/$(KVER)/build

KMOD_SRCS := $(wildcard $(TOP)/kmod/*.c $(TOP)/kmod/*.h)
MODDIR    := $(B)/module

.PHONY: all module clean
all: module

# Out-of-tree build in a shadow tree of symlinks: Kbuild writes its objects
# next to the sources it compiles, so the sources it sees live in build/.
module: $(MODDIR)/xtcp.ko
$(MODDIR)/xtcp.ko: $(KMOD_SRCS) $(TOP)/Kbuild $(wildcard $(TOP)/uapi/linux/*.h)
	@test -d "$(KDIR)" || { echo "error: no kernel headers at KDIR=$(KDIR) (run 'make deps')" >&2; exit 1; }
	@mkdir -p $(MODDIR)/kmod
	@ln -sf $(TOP)/Kbuild $(MODDIR)/Kbuild
	@for f in $(KMOD_SRCS); do ln -sf $$f $(MODDIR)/kmod/; done
	$(MAKE) -C $(KDIR) M=$(MODDIR) XTCP_TOP=$(TOP) modules

clean:
	rm -rf $(B)
