#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make soak: the long tier (docs/testing.md "Which tier checks what"), not
# part of CI. On the debug kernel of make check-debug (KASAN, UBSAN,
# lockdep, kmemleak, KFENCE; panic_on_warn=1), with XTCP_SOAK=1, in one
# boot, the scales that only soak the paths make check-debug already runs:
#   fuzz_test.sh           10^6 fuzzed segments under KASAN (~25 min)
#   stress_race_test       10^4 rounds (shared_socket_calls)
#   synflood_test          10^4 spoofed SYNs
#   xtcpstat_scale_test.sh 10^4 TIME-WAIT entries in one dump
#   scale_test             the 64 MB byte-exact transfer
# and the programs make check-debug leaves to it (its SOAK_ONLY list):
#   apps_xtcpize.sh, loss256_test, cc_test, recovery_test, xtcpstat_test.sh,
#   blind_test, stress_lifetime_test, rcvbuf_test, netns_test.sh,
#   badinput_sysctl.sh, module_timewait.sh, wireshark_test.sh (synflood_test
#   is above)
# then unloads the module and asks kmemleak. Closes like make check with
#   N passed, N failed
# Environment: SOAK_TESTS (the programs, default above), XTCP_FUZZ_N
# (default 1000000), XTCP_TEST_TIMEOUT (per program, default 3600 s),
# VM_TIMEOUT (default 10800 s).
set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MAKE=${MAKE:-make}
RUNVM=$TOP/selftests/vm/run-vm.sh
SCAN=$TOP/selftests/vm/scan-splats.sh
DK=$TOP/build/debug-kernel
tests=${SOAK_TESTS:-fuzz_test.sh stress_race_test synflood_test xtcpstat_scale_test.sh scale_test apps_xtcpize.sh loss256_test cc_test recovery_test xtcpstat_test.sh blind_test stress_lifetime_test rcvbuf_test netns_test.sh badinput_sysctl.sh module_timewait.sh wireshark_test.sh}
N=${XTCP_FUZZ_N:-1000000}

passed=0 failed=0
failures=()
pass() { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); failures+=("$1"); echo "not ok - $1"; }
t0=$(date +%s)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
summary() {
	echo
	for x in "${failures[@]+"${failures[@]}"}"; do echo "FAILED: $x"; done
	echo "make soak took $(($(date +%s) - t0)) s"
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
	exit
}

echo "=== build: the debug kernel (cached), xtcp.ko against it, tools, selftests"
if ! "$TOP/scripts/debug-kernel.sh" || ! $MAKE --no-print-directory -C "$TOP" module-debug tools selftests; then
	fail "build: the debug kernel, the debug module, the tools or the selftests did not build (see above)"
	summary
fi
. "$TOP/selftests/vm/debug-env.sh"
export XTCP_TEST_TIMEOUT=${XTCP_TEST_TIMEOUT:-3600}
export VM_TIMEOUT=${VM_TIMEOUT:-10800}

echo "=== VM: the soak on the debug kernel ($KVER; XTCP_SOAK=1, XTCP_FUZZ_N=$N: $tests)"
rm -f "$DK/soak-console.log"
VM_CONSOLE_LOG=$DK/soak-console.log "$RUNVM" "selftests/vm/kmemleak-check.sh start;
	XTCP_SOAK=1 XTCP_FUZZ_N=$N selftests/vm/run-tests.sh $tests; r=\$?;
	selftests/vm/kmemleak-check.sh end xtcp || r=1; exit \$r" 2>&1 </dev/null | tee "$tmp/tests"
rc=${PIPESTATUS[0]}
tr -d '\r' <"$tmp/tests" >"$tmp/tests.txt"
totals=$(sed -n 's/^xtcp-selftests: passed=\([0-9]*\) failed=\([0-9]*\) skipped=\([0-9]*\)$/\1 \2 \3/p' "$tmp/tests.txt" | tail -n1)
if [ -z "$totals" ]; then
	fail "the soak did not run to the end (VM exit $rc; see $DK/soak-console.log)"
else
	read -r gp gf gs <<<"$totals"
	passed=$((passed + gp)) failed=$((failed + gf))
	[ "$gs" = 0 ] || fail "$gs allow-listed skips in the soak: it runs every case"
	while IFS= read -r l; do failures+=("$l"); done < <(sed -n 's/^# FAILED //p' "$tmp/tests.txt")
fi
while IFS= read -r l; do
	case "$l" in
	"ok - "*)     pass "${l#ok - }" ;;
	"not ok - "*) fail "${l#not ok - }" ;;
	esac
done < <(sed -n 's/^xtcp-debug: \(\(not \)\{0,1\}ok - .*\)$/\1/p' "$tmp/tests.txt")
if SCAN_REPORT=120 "$SCAN" "$DK/soak-console.log" >"$tmp/scan" 2>&1; then
	if [ "$rc" != 0 ] && [ "$failed" = 0 ]; then
		fail "the soak's VM run failed (exit $rc) although no check failed: see above"
	else
		pass "the kernel log of the soak's boot is clean (no KASAN/UBSAN/KFENCE/lockdep/kmemleak report, WARN, BUG)"
	fi
else
	cat "$tmp/scan"
	fail "the kernel log of the soak's boot shows a splat (report above; $DK/soak-console.log)"
fi
summary
