#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Stage 2 of the XTCP test VM, PID 1 after switch_root (the root is the host's
# / read-only with a tmpfs overlay). Sets up the writable places, loads
# xtcp.ko, runs the command (or an interactive shell) on /dev/ttyS1 (the
# host's terminal), writes its exit status into the run directory (a writable
# 9p share at the same path as on the host) and powers off.
#
# From the kernel command line: xtcp_top (project dir), xtcp_run (run dir).
# From $xtcp_run/env: XTCP_NOLOAD, VM_CWD, VM_TERM, VM_ROWS, VM_COLS, VM_MODE,
# VM_STDIN_TTY.
set +e
umask 022
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
TTY=/dev/ttyS1

log() { echo "xtcp-vm: $*" >/dev/kmsg; }
say() { echo "xtcp-vm: $*" >$TTY; log "$*"; }

finish() {
	# $1: status word for the host ("0".."255", or a reason).
	echo "$1" >"$xtcp_run/status.tmp" && mv "$xtcp_run/status.tmp" "$xtcp_run/status"
	dmesg >"$xtcp_run/dmesg" 2>/dev/null
	sync
	log "done, status $1"
	# isa-debug-exit: QEMU quits at once. Fall back to an ACPI power-off.
	printf '\000' | dd of=/dev/port bs=1 seek=244 count=1 status=none 2>/dev/null
	echo o >/proc/sysrq-trigger
	while :; do sleep 10; done
}

mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /var/tmp
mkdir -p /dev/pts /dev/shm
mount -t devpts -o newinstance,ptmxmode=0666,gid=5,mode=620 devpts /dev/pts
ln -sf pts/ptmx /dev/ptmx 2>/dev/null
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
mount -t bpf bpf /sys/fs/bpf 2>/dev/null

# The run directory: the host's copy is read-only here; mount the writable
# share over it at the same path.
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 xtcprun "$xtcp_run" || {
	echo "xtcp-vm: cannot mount the run directory $xtcp_run" >$TTY
	printf '\000' | dd of=/dev/port bs=1 seek=244 count=1 status=none 2>/dev/null
	echo o >/proc/sysrq-trigger
	while :; do sleep 10; done
}
# shellcheck disable=SC1091
. "$xtcp_run/env"

hostname xtcp-vm
echo "127.0.0.1 localhost xtcp-vm" >/etc/hosts
ip link set lo up

stty -F $TTY sane -onlcr ${VM_ROWS:+rows $VM_ROWS} ${VM_COLS:+cols $VM_COLS} 2>/dev/null

export HOME=/root TERM=${VM_TERM:-linux} XTCP_VM=1 XTCP_TOP="$xtcp_top"
export XTCP_KO="$xtcp_top/build/module/xtcp.ko"
export PATH="$xtcp_top/build/tools:$xtcp_top/build/selftests:$PATH"
cd "${VM_CWD:-$xtcp_top}" 2>/dev/null || cd "$xtcp_top" || cd /

if [ "${XTCP_NOLOAD:-0}" != 1 ]; then
	if [ ! -f "$XTCP_KO" ]; then
		say "FAILED: $XTCP_KO does not exist (run 'make module')"
		finish insmod-failed
	fi
	if ! out=$(insmod "$XTCP_KO" 2>&1); then
		say "FAILED: insmod $XTCP_KO: $out"
		finish insmod-failed
	fi
	log "xtcp.ko loaded"
fi

log "running ${VM_MODE:-shell}"
if [ "$VM_MODE" = cmd ] && [ "$VM_STDIN_TTY" = 1 ]; then
	setsid -c -w /bin/bash "$xtcp_run/cmd" <$TTY >$TTY 2>&1
	rc=$?
elif [ "$VM_MODE" = cmd ]; then
	# The host's stdin is no terminal: a serial line cannot carry its EOF,
	# so the command reads /dev/null instead.
	setsid -w /bin/bash "$xtcp_run/cmd" </dev/null >$TTY 2>&1
	rc=$?
else
	echo "xtcp-vm: interactive shell; 'exit' (or Ctrl-D) powers the VM off" >$TTY
	setsid -c -w /bin/bash -i <$TTY >$TTY 2>&1
	rc=$?
fi
finish "$rc"
