#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The XTCP test VM (virtme-style): boots a stock Debian kernel under QEMU with
# the host's / visible read-only (9p + tmpfs overlay), the same working
# directory, xtcp.ko loaded and the project's tools on PATH.
#
#   run-vm.sh                 interactive root shell (serial console here)
#   run-vm.sh 'COMMAND...'    run one shell command, exit with its status
#                             (its stdin is the terminal, or /dev/null when
#                             run-vm.sh's stdin is not a terminal)
#   CMD='COMMAND' run-vm.sh   same
#
# Environment:
#   KVER=6.1.0-57-amd64   kernel version (default: the newest installed 6.1,
#                         scripts/kver.sh 6.1; 6.12: KVER=$(scripts/kver.sh 6.12))
#   KERNEL=<version>      same as KVER (selects another installed kernel)
#   KERNEL_IMAGE=path     boot this image (bzImage or vmlinux) instead
#   KERNEL_MODDIR=path    its module tree (default /lib/modules/$KVER);
#                         none: virtio-pci, 9p and overlayfs are built into
#                         the kernel (the debug kernel), the initramfs
#                         loads no modules
#   XTCP_KO=path          the module to insmod (default build/module/xtcp.ko;
#                         the guest sees it as $XTCP_KO too)
#   XTCP_NOLOAD=1         do not insmod $XTCP_KO
#   XTCP_FUZZ_N, XTCP_TESTS_SKIP  passed to the guest's command too, when set
#                         (fuzz_test.sh's segment count; run-tests.sh's
#                         programs left to another tier)
#   XTCP_DEBUG_KERNEL=1   passed to the guest's command (tests scale down on
#                         the debug kernel), as is XTCP_TEST_TIMEOUT, when set
#   VM_TIMEOUT=600        seconds before a hung guest is killed (command
#                         mode; interactive mode has none unless set)
#   VM_BOOT_TIMEOUT=180   seconds for the kernel to reach /init; a boot that
#                         does not (or stops before it) is tried once more
#                         (VM_BOOT_RETRY=0: not), see "the boot watchdog"
#   VM_ACCEL=auto|tcg|kvm auto: KVM only if a short probe boot proves it works
#   VM_SMP=2 VM_MEM=2G    guest size
#   VM_APPEND='...'       extra kernel command line
#   VM_KEEP=1             keep the run directory (env, cmd, status) in build/vm
#   XTCP_VM_DIR=dir       instead of build/vm (the debug kernel's: build/vm-debug)
#
# Logs: build/vm/console-<time>.log (kernel serial console, full loglevel),
# build/vm/output-<time>.log (the command's terminal output); console.log and
# output.log point to the latest. After every run the console log is scanned
# for kernel splats (scan-splats.sh); any splat fails the run.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$here/../.." && pwd)
B=${XTCP_BUILD:-$TOP/build}
# XTCP_VM_DIR: where this run's logs, initramfs and run directory go; two
# VMs that run at once (make check-debug beside make check, .ci/run) each
# have their own, so that console.log names each one's latest run.
VMB=${XTCP_VM_DIR:-$B/vm}
mkdir -p "$VMB"

msg() { echo "xtcp-vm: $*" >&2; }
die() { msg "error: $*"; exit 1; }

# ---- what to run -----------------------------------------------------------
if [ $# -gt 0 ]; then
	CMD="$*"
fi
CMD=${CMD:-}
mode=shell
[ -n "$CMD" ] && mode=cmd
if [ "$mode" = shell ] && ! [ -t 0 ]; then
	die "an interactive VM shell needs a terminal; to run a command: make vm CMD='...' (or run-vm.sh 'COMMAND')"
fi
if [ "$mode" = cmd ]; then
	timeout_s=${VM_TIMEOUT:-600}
else
	timeout_s=${VM_TIMEOUT:-0}
fi

# ---- the kernel ------------------------------------------------------------
KVER=${KERNEL:-${KVER:-}}
if [ -z "$KVER" ]; then
	KVER=$("$TOP/scripts/kver.sh" 6.1) ||
		die "no /boot/vmlinuz-6.1.*-amd64: run 'make deps' (linux-image-amd64)"
fi
KERNEL_MODDIR=${KERNEL_MODDIR:-/lib/modules/$KVER}

case "$TOP" in
*[[:space:]]*) die "the project path '$TOP' contains white space; the VM cannot pass it" ;;
esac

if [ -n "${KERNEL_IMAGE:-}" ]; then
	[ -f "$KERNEL_IMAGE" ] || die "KERNEL_IMAGE=$KERNEL_IMAGE does not exist"
	image=$KERNEL_IMAGE
else
	bz=/boot/vmlinuz-$KVER
	[ -f "$bz" ] || die "no $bz: is kernel $KVER installed? (make deps / apt-get install linux-image-$KVER)"
	# Debian's bzImage is xz-compressed: decompressing it costs ~3 s per boot
	# under TCG. An uncompressed vmlinux boots through its PVH entry instead.
	image=$VMB/vmlinux-$KVER
	if [ ! -f "$image" ] || [ "$bz" -nt "$image" ]; then
		"$TOP/scripts/linux-src-files.sh" "$B" >&2 || true
		if [ -x "$B/scripts/extract-vmlinux" ] &&
		   "$B/scripts/extract-vmlinux" "$bz" >"$image.tmp" 2>/dev/null &&
		   readelf -n "$image.tmp" 2>/dev/null | grep -q 'Xen'; then
			mv "$image.tmp" "$image"
		else
			rm -f "$image.tmp"
			msg "note: cannot extract an uncompressed PVH vmlinux; booting $bz (slower)"
			image=$bz
		fi
	fi
fi

# ---- the initramfs ---------------------------------------------------------
initrd=$VMB/initramfs-$KVER.cpio
if [ ! -f "$initrd" ] || [ "$here/mkinitramfs.sh" -nt "$initrd" ] ||
   [ "$here/initramfs-init" -nt "$initrd" ] || [ /bin/busybox -nt "$initrd" ] ||
   { [ -f "$KERNEL_MODDIR/modules.dep" ] && [ "$KERNEL_MODDIR/modules.dep" -nt "$initrd" ]; }; then
	"$here/mkinitramfs.sh" "$KVER" "$KERNEL_MODDIR" "$initrd" ||
		die "building the initramfs failed"
fi

# ---- QEMU ------------------------------------------------------------------
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found: run 'make deps'"

qemu_base=(qemu-system-x86_64 -nodefaults -no-user-config -M pc -cpu max
	-smp "${VM_SMP:-2}" -m "${VM_MEM:-2G}" -display none -vga none -nic none
	-monitor none -no-reboot -kernel "$image" -initrd "$initrd"
	-device isa-debug-exit,iobase=0xf4,iosize=0x04)
# mitigations=off: the guest is a test rig, and under TCG a retpoline (what
# the kernel makes of every indirect call with the Spectre v2 mitigation)
# costs several translated-block lookups where a plain indirect call costs
# one. Measured, stream_test + lifecycle_test on 6.1: 71 s -> 56-62 s; on the
# debug kernel stream_test 126 s -> 115 s. Both stacks run the same code,
# so the XTCP/TCP ratios the benchmarks quote do not move.
# No tsc=reliable: it let the guest keep the TSC (the boot's sync check
# sees TCG's latencies as warps and falls back to HPET, every read an MMIO
# exit; the 10^6-segment fuzz took 191 s on the TSC, 217 s on HPET), but a
# reliable TSC makes the kernel patch the sched_clock_stable static key at
# late_initcall, with both vCPUs up. Patching code while the other vCPU
# runs is what TCG gets wrong (the int3 Oops of helpers/pin_keys.c); in CI
# one 6.1 boot hung on that very line, and a debug boot died 5 s in
# (its log was not kept; the same cause is likely, not proven).
cmdline="console=ttyS0,115200 loglevel=7 printk.devkmsg=on panic=-1 no_timer_check random.trust_cpu=on i8042.noaux i8042.nomux i8042.nopnp i8042.dumbkbd mitigations=off xtcp_top=$TOP"

# KVM only when a short probe boot proves it works (nested KVM can hang).
probe_kvm() {
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || return 1
	local key cache=$VMB/kvm-probe
	key="$(qemu-system-x86_64 --version | head -n1) host=$(uname -r)"
	if [ -f "$cache" ] && [ "$(head -n1 "$cache")" = "$key" ]; then
		[ "$(sed -n 2p "$cache")" = ok ]
		return
	fi
	msg "probing KVM (10 s at most, once)..."
	local rc=0
	timeout -k 2 10 "${qemu_base[@]}" -accel kvm -serial none \
		-append "console=ttyS0 panic=-1 xtcp_probe=1 xtcp_top=$TOP" \
		</dev/null >/dev/null 2>&1 || rc=$?
	if [ "$rc" = 85 ]; then
		printf '%s\nok\n' "$key" >"$cache"
		return 0
	fi
	printf '%s\nbroken (probe exit %s)\n' "$key" "$rc" >"$cache"
	msg "KVM does not work here (probe exit $rc): using TCG"
	return 1
}

case "${VM_ACCEL:-auto}" in
tcg)  accel=(-accel tcg,thread=multi); accel_name=tcg ;;
kvm)  accel=(-accel kvm); accel_name=kvm ;;
auto) if probe_kvm; then accel=(-accel kvm); accel_name=kvm
      else accel=(-accel tcg,thread=multi); accel_name=tcg; fi ;;
*)    die "VM_ACCEL must be auto, tcg or kvm" ;;
esac

# ---- the run directory (a writable 9p share, same path in the guest) --------
stamp=$(date +%Y%m%d-%H%M%S)
run=$(mktemp -d "$VMB/run-$stamp-XXXX")
cleanup() { [ "${VM_KEEP:-0}" = 1 ] || rm -rf "$run"; }
trap cleanup EXIT
rows= cols=
if [ -t 0 ] && sz=$(stty size 2>/dev/null); then
	rows=${sz% *} cols=${sz#* }
fi
# Single-quoted values: the env file is read by busybox sh and by bash.
q() { local v=${2//\'/\'\\\'\'}; printf "%s='%s'\n" "$1" "$v"; }
{
	q VM_MODE "$mode"
	q VM_CWD "$PWD"
	q VM_TERM "${TERM:-linux}"
	q VM_ROWS "$rows"
	q VM_COLS "$cols"
	q XTCP_NOLOAD "${XTCP_NOLOAD:-0}"
	q XTCP_KO "${XTCP_KO:-$TOP/build/module/xtcp.ko}"
	for v in XTCP_DEBUG_KERNEL XTCP_TEST_TIMEOUT XTCP_FUZZ_N XTCP_TESTS_SKIP; do
		[ -n "${!v:-}" ] && q "$v" "${!v}"
	done
	if [ -t 0 ]; then echo VM_STDIN_TTY=1; else echo VM_STDIN_TTY=0; fi
} >"$run/env"
[ "$mode" = cmd ] && printf '%s\n' "$CMD" >"$run/cmd"

# VM_CONSOLE_LOG=path: also keep this run's console log there (a caller
# that scans it afterwards; build/vm/console.log may be a later run's).
console_log=$VMB/console-$stamp.log
output_log=$VMB/output-$stamp.log
ln -sfn "$(basename "$console_log")" "$VMB/console.log"
ln -sfn "$(basename "$output_log")" "$VMB/output.log"
# Keep the 20 newest logs of each kind.
for kind in console output; do
	ls -1t "$VMB"/$kind-*.log 2>/dev/null | tail -n +21 | xargs -r rm -f || true
done

signal=on
[ "$mode" = shell ] && signal=off	# Ctrl-C goes to the guest's shell

qemu=("${qemu_base[@]}" "${accel[@]}"
	-append "$cmdline xtcp_run=$run ${VM_APPEND:-}"
	-fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap
	-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot
	-fsdev local,id=xtcprun,path="$run",security_model=none,multidevs=remap
	-device virtio-9p-pci,fsdev=xtcprun,mount_tag=xtcprun
	-chardev file,id=con,path="$console_log"
	-serial chardev:con
	-chardev stdio,id=io,signal=$signal,logfile="$output_log"
	-serial chardev:io)

[ "$mode" = shell ] && msg "booting $KVER ($accel_name); the shell's 'exit' powers off"
saved_tty=
[ -t 0 ] && saved_tty=$(stty -g 2>/dev/null || true)
# The boot watchdog. A boot that never reaches /init has run none of XTCP (the initramfs
# loads xtcp.ko after it) and no test. Under TCG a kernel's own boot can
# stall or die there: a CI run saw a 6.1 boot stop right after
# "sched_clock: Marking stable" (a static key patched while the other vCPU
# ran; docs/testing.md, "What the test VM does differently") and wait out
# its whole VM_TIMEOUT, 2700 s. So such a boot is killed after
# VM_BOOT_TIMEOUT seconds (default 180; boots take 3-15 s) and, loudly,
# tried once more (VM_BOOT_RETRY=0: not); its log is kept beside this
# run's as console-<time>-boot1.log. A second such boot fails the run.
boot_timeout=${VM_BOOT_TIMEOUT:-180}
booted() { grep -qa 'Run /init as init process' "$console_log" 2>/dev/null; }
watch_boot() {
	local end=$(($(date +%s) + boot_timeout)) pid
	while [ "$(date +%s)" -lt "$end" ]; do
		booted && return 0
		sleep 1
	done
	booted && return 0
	: >"$run/boot-hang"
	pid=$(cat "$run/qemu.pid" 2>/dev/null) && kill "$pid" 2>/dev/null
	return 0
}
run_qemu() {
	local wpid
	rm -f "$run/boot-hang" "$run/qemu.pid" "$run/status"
	rc=0
	watch_boot &
	wpid=$!
	if [ "$timeout_s" -gt 0 ] 2>/dev/null; then
		timeout --foreground -k 5 "$timeout_s" "${qemu[@]}" -pidfile "$run/qemu.pid" || rc=$?
	else
		"${qemu[@]}" -pidfile "$run/qemu.pid" || rc=$?
	fi
	kill "$wpid" 2>/dev/null || true
	wait "$wpid" 2>/dev/null || true
}

start=$(date +%s.%N)
run_qemu
if ! booted && [ ! -f "$run/status" ] && [ "${VM_BOOT_RETRY:-1}" = 1 ]; then
	why="stopped (QEMU exit $rc)"
	[ -f "$run/boot-hang" ] && why="hung (no /init after ${boot_timeout}s)"
	[ "$rc" = 124 ] || [ "$rc" = 137 ] && why="hung (VM_TIMEOUT=${timeout_s}s)"
	first=${console_log%.log}-boot1.log
	cp "$console_log" "$first"
	msg "WARNING: the kernel's boot $why before /init, before xtcp.ko or any test ran;"
	msg "         booting once more (that boot's console log: $first). Its last lines:"
	tail -n 8 "$first" | tr -d '\r' | sed 's/^/  | /' >&2
	run_qemu
fi
end=$(date +%s.%N)
[ -n "$saved_tty" ] && stty "$saved_tty" 2>/dev/null || true
elapsed=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')

# ---- the verdict -----------------------------------------------------------
status=
[ -f "$run/status" ] && status=$(cat "$run/status")
result=0
if [ -f "$run/boot-hang" ]; then
	msg "FAILED: BOOT HANG: the kernel did not reach /init in VM_BOOT_TIMEOUT=${boot_timeout}s; killed it"
	tail -n 8 "$console_log" | tr -d '\r' | sed 's/^/  | /' >&2
	result=124
elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	msg "FAILED: TIMEOUT: the guest was still running after VM_TIMEOUT=${timeout_s}s; killed it"
	msg "        (last kernel messages in $console_log)"
	tail -n 5 "$console_log" | tr -d '\r' | sed 's/^/  | /' >&2
	result=124
elif [ -z "$status" ]; then
	msg "FAILED: the guest stopped without reporting a status (QEMU exit $rc; kernel panic or crash?)"
	tail -n 20 "$console_log" | tr -d '\r' | sed 's/^/  | /' >&2
	result=1
elif [ "$status" = insmod-failed ]; then
	msg "FAILED: xtcp.ko could not be loaded in the VM (see above; XTCP_NOLOAD=1 skips loading)"
	result=1
else
	result=$status
fi

[ -n "${VM_CONSOLE_LOG:-}" ] && cp "$console_log" "$VM_CONSOLE_LOG"
if ! "$here/scan-splats.sh" "$console_log" >&2; then
	msg "the full console log: $console_log"
	[ "$result" != 0 ] || result=1
fi

# Boot-to-command time, from the guest's own mark in the console log.
t_cmd=$(tr -d '\r' <"$console_log" | sed -n 's/^\[ *\([0-9.]*\)\] xtcp-vm: running.*/\1/p' | head -n1)
echo "kver=$KVER accel=$accel_name boot_to_command=${t_cmd:-?}s wall=${elapsed}s status=${status:-none} result=$result" >"$VMB/last-run"
[ "${VM_VERBOSE:-0}" = 1 ] && msg "$(cat "$VMB/last-run")"
exit "$result"
