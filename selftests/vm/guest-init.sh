#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Stage 2 of the XTCP test VM, PID 1 after switch_root. The root is the
# host's / read-only under a tmpfs overlay; initramfs-init (stage 1) has done
# the mounts and loaded xtcp.ko. This runs the command (or an interactive
# shell) on /dev/ttyS1, the host's terminal, writes its exit status into the
# run directory (a writable 9p share at the same path as on the host) and
# powers off. Kept to shell built-ins where possible: under TCG every exec of
# a host program costs ~0.3 s.
#
# From the kernel command line: xtcp_top, xtcp_run. From $xtcp_run/env:
# VM_MODE (cmd|shell), VM_CWD, VM_TERM, VM_ROWS, VM_COLS, VM_STDIN_TTY.
set +e
umask 022
TTY=/dev/ttyS1
. "$xtcp_run/env"

export PATH="$xtcp_top/build/tools:$xtcp_top/build/selftests:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
export HOME=/root TERM=${VM_TERM:-linux} XTCP_VM=1 XTCP_TOP="$xtcp_top"
export XTCP_KO="${XTCP_KO:-$xtcp_top/build/module/xtcp.ko}"
# Set by run-vm.sh only when the host set them (make check-debug, the
# 6.12 tier of .ci/run).
[ -n "${XTCP_DEBUG_KERNEL:-}" ] && export XTCP_DEBUG_KERNEL
[ -n "${XTCP_TEST_TIMEOUT:-}" ] && export XTCP_TEST_TIMEOUT
[ -n "${XTCP_FUZZ_N:-}" ] && export XTCP_FUZZ_N
[ -n "${XTCP_TESTS_SKIP:-}" ] && export XTCP_TESTS_SKIP
cd "${VM_CWD:-$xtcp_top}" 2>/dev/null || cd "$xtcp_top" || cd /

# Hold the terminal open: its window size lives only while it is open.
exec 3<>$TTY
if [ -n "$VM_ROWS" ] && [ -n "$VM_COLS" ]; then
	stty=stty; [ -x /bin/busybox ] && stty="/bin/busybox stty"
	$stty rows "$VM_ROWS" cols "$VM_COLS" <&3 2>/dev/null
fi

echo "xtcp-vm: running ${VM_MODE:-shell}" >/dev/kmsg
if [ "$VM_MODE" = cmd ] && [ "$VM_STDIN_TTY" = 1 ]; then
	setsid -c -w /bin/bash "$xtcp_run/cmd" <$TTY >$TTY 2>&1 3>&-
	rc=$?
elif [ "$VM_MODE" = cmd ]; then
	# The host's stdin is no terminal: a serial line cannot carry its EOF,
	# so the command reads /dev/null instead.
	setsid -w /bin/bash "$xtcp_run/cmd" </dev/null >$TTY 2>&1 3>&-
	rc=$?
else
	echo "xtcp-vm: interactive shell; 'exit' (or Ctrl-D) powers the VM off" >$TTY
	setsid -c -w /bin/bash -i <$TTY >$TTY 2>&1 3>&-
	rc=$?
fi

echo "$rc" >"$xtcp_run/status"
echo "xtcp-vm: done, status $rc" >/dev/kmsg
# isa-debug-exit: QEMU quits at once. Fall back to an ACPI power-off.
bb=/bin/busybox; [ -x $bb ] || bb=
printf '\000' | $bb dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
echo o >/proc/sysrq-trigger
while :; do read -r -t 10 _ </dev/null; done
