#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check-debug (after make deps): the debug-kernel tier (docs/testing.md).
# Builds the debug kernel once (scripts/debug-kernel.sh: KASAN, UBSAN,
# lockdep, kmemleak, KFENCE, DEBUG_LIST, ODEBUG, hung task and soft lockup
# detectors; cached in /var/cache/xtcp, linked from build/debug-kernel/),
# xtcp.ko against it
# (build/module-debug/), proves the detectors report, then runs EVERY
# selftest in one boot of it with panic_on_warn=1, unloads the module and
# asks kmemleak. Closes like make check with:  N passed, N failed
#
# Counted: each selftest case (TAP from the guest), the module's unload and
# kmemleak's verdict after the suite, the host-side checks (kernel config,
# splat patterns), the two detector proof boots and "the kernel log of the
# suite's boot is clean" (any KASAN/UBSAN/KFENCE/lockdep/kmemleak report,
# WARN, BUG, hung task or soft lockup fails it, printed in full).
#
# Skips: only the allow-listed ones of selftests/vm/run-tests.sh; any other
# skip is counted a failure there. The long scales are make soak's.
#
# Environment: VM_TIMEOUT (whole suite boot, default 3600 s),
# XTCP_TEST_TIMEOUT (per test program, default 900 s), JOBS (kernel make -j).
set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=$TOP/build
MAKE=${MAKE:-make}
RUNVM=$TOP/selftests/vm/run-vm.sh
SCAN=$TOP/selftests/vm/scan-splats.sh
DK=$B/debug-kernel

passed=0 failed=0 skipped=0
failures=() skips=() times=()
pass() { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); failures+=("$1"); echo "not ok - $1"; }
t0=$(date +%s)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
since() { echo $(($(date +%s) - $1)); }

summary() {
	echo
	for x in "${times[@]+"${times[@]}"}"; do echo "time: $x"; done
	for x in "${skips[@]+"${skips[@]}"}"; do echo "skipped: $x"; done
	for x in "${failures[@]+"${failures[@]}"}"; do echo "FAILED: $x"; done
	echo "make check-debug took $(since "$t0") s"
	if [ "$skipped" -gt 0 ]; then
		echo "$passed passed, $failed failed, $skipped skipped"
	else
		echo "$passed passed, $failed failed"
	fi
	[ "$failed" = 0 ]
	exit
}

echo "=== build: the debug kernel (once, cached in /var/cache/xtcp; fragment selftests/vm/debug.config)"
t=$(date +%s)
if "$TOP/scripts/debug-kernel.sh"; then
	pass "the debug kernel is built and has every option of selftests/vm/debug.config"
	times+=("debug kernel (build or cache check): $(since "$t") s")
else
	fail "the debug kernel did not build, or its config lacks options of selftests/vm/debug.config (see above)"
	summary
fi
. "$TOP/selftests/vm/debug-env.sh"
export VM_TIMEOUT=${VM_TIMEOUT:-3600}
export XTCP_TEST_TIMEOUT=${XTCP_TEST_TIMEOUT:-900}

echo "=== build: xtcp.ko against the debug kernel ($XTCP_KO), tools, selftests"
if ! $MAKE --no-print-directory -C "$TOP" module-debug tools selftests; then
	fail "build: the debug module, the tools or the selftests did not build (see above)"
	summary
fi

echo "=== host: the splat scanner knows the debug kernel's reports"
samples=(
	'[   12.345678] BUG: KASAN: slab-out-of-bounds in xtcp_rcv+0x10/0x20 [xtcp]'
	'[   12.345678] UBSAN: array-index-out-of-bounds in kmod/input.c:12:3'
	'[   12.345678] BUG: KFENCE: use-after-free read in xtcp_close+0x1/0x2 [xtcp]'
	'[   12.345678] WARNING: possible circular locking dependency detected'
	'[   12.345678] WARNING: inconsistent lock state'
	'[   12.345678] WARNING: possible recursive locking detected'
	'[   12.345678] WARNING: suspicious RCU usage'
	'[   12.345678] BUG: sleeping function called from invalid context at net/core/sock.c:3442'
	'[   12.345678] BUG: scheduling while atomic: xtcpcat/123/0x00000002'
	'[   12.345678] kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)'
	'unreferenced object 0xffff888012345678 (size 64):'
	'[   12.345678] ODEBUG: free active (active state 0) object: ffff888012345678 object type: timer_list hint: xtcp_rto+0x0/0x10 [xtcp]'
	'[   12.345678] list_add corruption. prev->next should be next (ffff888012345678), but was 0000000000000000.'
	'[   12.345678] kernel BUG at net/core/skbuff.c:123!'
	'[  245.000000] INFO: task xtcpcat:123 blocked for more than 120 seconds.'
	'[   50.000000] watchdog: BUG: soft lockup - CPU#1 stuck for 44s! [xtcpperf:321]'
	'[   12.345678] unregister_netdevice: waiting for va to become free. Usage count = 2'
)
missed=()
for s in "${samples[@]}"; do
	printf '[    0.000000] Linux version 6.1.0\n%s\r\n[    1.000000] after\n' "$s" >"$tmp/log"
	out=$("$SCAN" "$tmp/log" 2>&1) && missed+=("$s")
	grep -qF -- "${s#*] }" <<<"$out" || missed+=("not printed: $s")
done
if [ ${#missed[@]} = 0 ]; then
	pass "scan-splats.sh flags each of ${#samples[@]} sample debug-kernel reports and prints the line"
else
	fail "scan-splats.sh missed: ${missed[*]}"
fi
printf '%s\n' '[    0.000000] Linux version 6.1.192-xtcp-debug' \
	'[    0.000000] kmemleak: Kernel memory leak detector initialized (mem pool available: 39000)' \
	'[    0.000000] kasan: KernelAddressSanitizer initialized (generic)' \
	'[    0.100000] kfence: initialized - using 2097152 bytes for 255 objects at 0x(____ptrval____)-0x(____ptrval____)' \
	'[    0.200000]  Lock dependency validator: Copyright (c) 2006 Red Hat, Inc., Ingo Molnar' \
	'[    4.758989] xtcp: loaded, family 23' '[    5.0] xtcp-vm: done, status 0' >"$tmp/clean"
if "$SCAN" "$tmp/clean" >"$tmp/out" 2>&1; then
	pass "scan-splats.sh passes a clean debug-kernel boot log (detector start-up lines)"
else
	cat "$tmp/out"
	fail "scan-splats.sh flags a clean debug-kernel boot log"
fi

echo "=== host: kconfig-verify.sh fails when an option of a fragment was dropped"
printf '%s\n' 'CONFIG_KASAN=y' 'CONFIG_XTCP_NO_SUCH_OPTION=y' '# CONFIG_DEBUG_KMEMLEAK is not set' >"$tmp/frag"
if "$TOP/scripts/kconfig-verify.sh" "$tmp/frag" "$DK/config" >"$tmp/out" 2>&1; then
	fail "kconfig-verify.sh accepted a fragment that the config does not satisfy"
elif grep -q 'CONFIG_XTCP_NO_SUCH_OPTION' "$tmp/out" && grep -q 'CONFIG_DEBUG_KMEMLEAK' "$tmp/out" &&
     ! grep -q 'CONFIG_KASAN:' "$tmp/out"; then
	pass "kconfig-verify.sh names a dropped option and a wrongly set one, and only those"
else
	cat "$tmp/out"
	fail "kconfig-verify.sh did not name exactly the two bad options (output above)"
fi

# The detectors must really report in this kernel, and this runner must fail
# the run on their reports. Boot 1, without panic_on_warn so that every
# report prints: the kernel's own test modules, kmemleak-test.ko (leaks
# objects) and kasan_test_module.ko (use-after-free through RCU and a work
# item; its user-copy overflow case trips a fortify WARNING first, also
# caught). Boot 2: a WARN() from xtcp.ko with panic_on_warn=1 stops the guest.
echo "=== VM: KASAN and kmemleak report (kasan_test_module.ko, kmemleak-test.ko; no panic_on_warn)"
t=$(date +%s) rc=0
XTCP_NOLOAD=1 VM_TIMEOUT=600 VM_APPEND=${VM_APPEND/panic_on_warn=1/} "$RUNVM" "selftests/vm/kmemleak-check.sh start &&
	insmod $DK/linux/samples/kmemleak/kmemleak-test.ko && rmmod kmemleak_test &&
	{ insmod $DK/linux/mm/kasan/kasan_test_module.ko; sleep 2; selftests/vm/kmemleak-check.sh end -; }" \
	>"$tmp/proof" 2>&1 </dev/null || rc=$?
tr -d '\r' <"$tmp/proof" >"$tmp/proof.txt"
grep -E 'xtcp-debug|^unreferenced object|FAILED|BUG: KASAN' "$tmp/proof.txt" | head -n 12 | sed 's/^/  | /'
if [ "$rc" != 0 ] && grep -q 'FAILED: kernel log shows a splat' "$tmp/proof.txt" &&
   grep -qE 'line [0-9]+:.*BUG: KASAN: .*use-after-free' "$tmp/proof.txt"; then
	pass "a KASAN use-after-free report in the guest fails the run (exit $rc) and its BUG: KASAN line is printed"
else
	tail -n 40 "$tmp/proof.txt" | sed 's/^/  | /'
	fail "the KASAN proof did not report a use-after-free as a failure (exit $rc; output above)"
fi
if [ "$rc" != 0 ] && grep -q 'xtcp-debug: not ok - kmemleak: [0-9]* unreferenced' "$tmp/proof.txt" &&
   grep -q '^unreferenced object' "$tmp/proof.txt"; then
	pass "kmemleak's report of a module's leaked objects fails the run and is printed"
else
	tail -n 40 "$tmp/proof.txt" | sed 's/^/  | /'
	fail "the kmemleak proof did not report the leaked objects (exit $rc; output above)"
fi
times+=("KASAN + kmemleak proof boot: $(since "$t") s")

echo "=== VM: a WARN() in xtcp.ko (selftest_warn) stops the guest with panic_on_warn=1"
t=$(date +%s) rc=0
VM_TIMEOUT=600 "$RUNVM" 'echo 1 > /sys/module/xtcp/parameters/selftest_warn; echo "still running after the WARN"' \
	>"$tmp/warn" 2>&1 </dev/null || rc=$?
tr -d '\r' <"$tmp/warn" >"$tmp/warn.txt"
grep -E 'FAILED|WARNING|Kernel panic|still running' "$tmp/warn.txt" | head -n 6 | sed 's/^/  | /'
if [ "$rc" != 0 ] && grep -qE 'line [0-9]+:.*WARNING:.*xtcp' "$tmp/warn.txt" &&
   grep -qE 'line [0-9]+:.*Kernel panic - not syncing: .*panic_on_warn' "$tmp/warn.txt" &&
   ! grep -q 'still running after the WARN' "$tmp/warn.txt"; then
	pass "a WARN() in xtcp.ko panics the debug guest (panic_on_warn=1) and fails the run (exit $rc)"
else
	tail -n 30 "$tmp/warn.txt" | sed 's/^/  | /'
	fail "the WARN proof boot did not stop on the WARN (exit $rc; output above)"
fi
times+=("panic_on_warn proof boot: $(since "$t") s")

# The programs whose KASAN run is make soak's, not CI's (docs/testing.md,
# "Which tier checks what"): each runs in CI on both stock kernels, and
# the code paths it drives under KASAN here are driven by the programs
# that stay (the fuzzer, lifecycle, stream, impair, stress, seams, ...):
#   apps_xtcpize.sh        third-party programs over xtcpize (stream paths)
#   loss256_test           256 MB through 5 % loss (impair_test's paths)
#   scale_test             bulk transfers (stream_test's paths)
#   xtcpstat_scale_test.sh a dump of many TIME-WAIT entries (xtcpstat_test)
#   cc_test                cwnd shapes of CUBIC and NewReno: timing, which
#                          KASAN distorts; the CC code runs in every transfer
#   recovery_test          the RACK clock over simulated hours, reordering
# and, to keep CI within its 45 minutes (docs/testing.md, "CI's budget"),
# the programs whose paths the ones that stay drive too:
#   xtcpstat_test.sh       the diag dump and filters (the fuzzer dumps the
#                          tables every 5 s while it runs, in every state)
#   blind_test             RFC 5961 blind attacks (the fuzzer's in-window
#                          RST/SYN/ACK segments in every state)
#   stress_lifetime_test   socket lifetimes (stress_race_test, lifecycle)
#   rcvbuf_test            autotuning (every stream_test/gso_test transfer)
#   synflood_test          SYN floods and cookies (lifecycle_test's full
#                          backlog; soak floods 10^4 SYNs under KASAN)
#   netns_test.sh          namespaces (every program's fixture makes and
#                          destroys its own)
#   badinput_sysctl.sh     the sysctl range table (badinput_test's errno
#                          table runs the socket API under KASAN)
#   wireshark_test.sh      the Lua dissector: userspace decoding (the
#                          handshake, SACK and probe it captures run in
#                          lifecycle, impair and beyond_test)
SOAK_ONLY="apps_xtcpize.sh loss256_test scale_test xtcpstat_scale_test.sh cc_test recovery_test
	xtcpstat_test.sh blind_test stress_lifetime_test rcvbuf_test synflood_test netns_test.sh
	badinput_sysctl.sh module_timewait.sh wireshark_test.sh"
SOAK_ONLY=$(echo $SOAK_ONLY)
# And what this kernel cannot run: it is built from tinyconfig without
# ftrace, so xtcp's tracepoints compile to nothing in its module
# (trace_test.sh runs on both stock kernels).
NOT_HERE="trace_test.sh"
echo "=== VM: every selftest on the debug kernel ($KVER; one boot, XTCP_DEBUG_KERNEL=1," \
	"panic_on_warn=1, XTCP_TEST_TIMEOUT=${XTCP_TEST_TIMEOUT}s, VM_TIMEOUT=${VM_TIMEOUT}s)"
t=$(date +%s) rc=0
rm -f "$DK/suite-console.log"
VM_CONSOLE_LOG=$DK/suite-console.log "$RUNVM" "selftests/vm/kmemleak-check.sh start;
	XTCP_TESTS_SKIP='$SOAK_ONLY $NOT_HERE' selftests/vm/run-tests.sh; r=\$?;
	selftests/vm/kmemleak-check.sh end xtcp || r=1; exit \$r" 2>&1 </dev/null | tee "$tmp/tests"
rc=${PIPESTATUS[0]}
times+=("the suite's boot: $(since "$t") s")
tr -d '\r' <"$tmp/tests" >"$tmp/tests.txt"
totals=$(sed -n 's/^xtcp-selftests: passed=\([0-9]*\) failed=\([0-9]*\) skipped=\([0-9]*\)$/\1 \2 \3/p' "$tmp/tests.txt" | tail -n1)
if [ -z "$totals" ]; then
	fail "the selftests did not run to the end (VM exit $rc; a panic_on_warn stop? see the report below and $DK/suite-console.log)"
	gf=0
else
	read -r gp gf gs <<<"$totals"
	passed=$((passed + gp)) failed=$((failed + gf)) skipped=$((skipped + gs))
	while IFS= read -r l; do failures+=("$l"); done < <(sed -n 's/^# FAILED //p' "$tmp/tests.txt")
	while IFS= read -r l; do skips+=("$l"); done < <(sed -n 's/^# SKIPPED //p' "$tmp/tests.txt")
fi
while IFS= read -r l; do times+=("$l"); done < <(sed -nE 's/^(ok|not ok) [0-9]+ selftests: xtcp: ([^ ]+) # .*\(([0-9]+s)\)$/test \2: \3/p' "$tmp/tests.txt")
kl=0
while IFS= read -r l; do
	kl=$((kl + 1))
	case "$l" in
	"ok - "*)     pass "${l#ok - }" ;;
	"not ok - "*) fail "${l#not ok - }" ;;
	esac
done < <(sed -n 's/^xtcp-debug: \(\(not \)\{0,1\}ok - .*\)$/\1/p' "$tmp/tests.txt")
if [ -n "$totals" ] && [ "$kl" -lt 2 ]; then
	fail "the module unload and kmemleak checks after the suite did not report (see above)"
fi
if [ ! -f "$DK/suite-console.log" ]; then
	fail "the suite's boot left no console log ($DK/suite-console.log)"
elif SCAN_REPORT=120 "$SCAN" "$DK/suite-console.log" >"$tmp/scan" 2>&1; then
	if [ -n "$totals" ] && [ "$rc" != 0 ] && [ "$gf" = 0 ] && [ "$kl" -ge 2 ] &&
	   ! grep -q 'xtcp-debug: not ok' "$tmp/tests.txt"; then
		fail "the suite's VM run failed (exit $rc) although no check failed: see the runner's message above"
	else
		pass "the kernel log of the suite's boot is clean: no KASAN/UBSAN/KFENCE/lockdep/kmemleak report, WARN, BUG, hung task or soft lockup"
	fi
else
	cat "$tmp/scan"
	fail "the kernel log of the suite's boot shows a splat (report above; $DK/suite-console.log)"
fi
summary
