#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# The environment that makes selftests/vm/run-vm.sh boot the debug kernel
# (scripts/debug-kernel.sh) with the debug build of the module:
#   . selftests/vm/debug-env.sh               (scripts/check-debug.sh)
#   selftests/vm/debug-env.sh COMMAND [ARG...] runs COMMAND in it
#                                             (make vm-debug)
#
#   KERNEL_IMAGE, KVER    build/debug-kernel/bzImage and its release
#   KERNEL_MODDIR=none    virtio-pci, 9p, overlayfs are built in
#   XTCP_KO               build/module-debug/xtcp.ko (built against it)
#   XTCP_DEBUG_KERNEL=1   tests choose their debug-kernel scale
#   XTCP_VM_DIR           build/vm-debug (logs and run directories)
#   VM_APPEND             the detectors' command line (below)
_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
_dk=${XTCP_BUILD:-$_top/build}/debug-kernel
export KERNEL_IMAGE=$_dk/bzImage
KVER=$(cat "$_dk/linux/include/config/kernel.release" 2>/dev/null || echo debug)
export KVER
export KERNEL_MODDIR=none
export XTCP_KO=${XTCP_BUILD:-$_top/build}/module-debug/xtcp.ko
export XTCP_DEBUG_KERNEL=1
# Its own logs (build/vm-debug/console.log ...), apart from the stock
# kernel's: the two tiers may run at once (.ci/run).
export XTCP_VM_DIR=${XTCP_BUILD:-$_top/build}/vm-debug
# panic_on_warn=1     any WARN, and KASAN/UBSAN/KFENCE reports (which honour
#                     it), stop the guest: the run fails at the first report
# pci=noacpi          with ACPI under KASAN, the pc machine's PCI IRQ routing
#                     stalls ~30 s (and trips the soft-lockup detector)
# kmemleak=on         (already the config's default; said for the reader)
# slub_debug=FZ       SLUB sanity checks and red zones on top of KASAN
# watchdog_thresh=20  soft lockup after 40 s, not 20: a TCG vCPU thread can be
#                     starved that long on a loaded 2-core host
# tsc=reliable       under TCG the guest sees its TSCs "unsynchronized" and
#                     falls back to the HPET, whose every read is an MMIO
#                     exit into QEMU; TCG's TSC follows the host's invariant
#                     TSC on every vCPU. Measured on the debug kernel: a
#                     shell loop 20-32 s with the HPET, 12 s with the TSC
#                     (the stock kernel: 12 s either way); the fuzzer 817
#                     against 1147 segments/s
# (a task blocked 120 s is reported: CONFIG_DEFAULT_HUNG_TASK_TIMEOUT)
export VM_APPEND="panic_on_warn=1 pci=noacpi kmemleak=on slub_debug=FZ watchdog_thresh=20 tsc=reliable ${XTCP_DEBUG_APPEND:-}"
unset _dk _top
# Run as a program: the rest of the command line in this environment.
if [ "${BASH_SOURCE[0]}" = "$0" ] && [ $# -gt 0 ]; then
	exec "$@"
fi
