#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Scan a kernel log (serial console log or dmesg) for splats.
#
#   scan-splats.sh LOG...
#
# Exit 0 when clean. Otherwise print "FAILED: kernel log shows ..." and every
# offending line (with its line number and a little context) and exit 1.
# SCAN_REPORT=N (make check-debug) also prints the first N lines of the
# kernel log from the first offending line on (the whole report: KASAN's
# access and allocation stacks, lockdep's chains), and the selftest that was
# running then (run-tests.sh marks each start in the kernel log).
# The patterns are the ones the VM runner must never let pass.
set -euo pipefail

PATTERNS=(
	'BUG:'
	'WARNING:'
	'Oops'
	'general protection fault'
	'Kernel panic'
	'refcount_t:'
	'list_del corruption'
	'KASAN'
	'UBSAN'
	# kmemleak's reports (its start-up lines on the debug kernel are fine)
	'kmemleak: [0-9]+ new suspected memory leak'
	'unreferenced object 0x'
	'kmemleak: .*(disabled|[Cc]annot allocate)'
	'kernel BUG at'
	'invalid opcode:'
	'list_add corruption'
	'ODEBUG: Out of memory'
	'unregister_netdevice: waiting for'
	'leaked [0-9]+ references'
	'INFO: task .* blocked'
	'soft lockup'
	'RCU stall'
	'self-detected stall'
	'rcu: INFO: .* detected stalls'
)

regex=$(IFS='|'; echo "${PATTERNS[*]}")
status=0
for log in "$@"; do
	[ -f "$log" ] || { echo "scan-splats: no such log: $log" >&2; status=2; continue; }
	# Console logs carry CRs; strip them before matching and printing.
	hits=$(tr -d '\r' <"$log" | grep -nE -- "$regex" || true)
	[ -n "$hits" ] || continue
	echo "FAILED: kernel log shows a splat ($log):"
	echo "$hits" | head -n 40 | sed 's/^/  | line /'
	n=$(echo "$hits" | wc -l)
	[ "$n" -le 40 ] || echo "  | ... $((n - 40)) more"
	if [ "${SCAN_REPORT:-0}" -gt 0 ] 2>/dev/null; then
		first=${hits%%:*}
		test=$(tr -d '\r' <"$log" | head -n "$first" |
			sed -n 's/.*xtcp-selftests: start \(.*\)$/\1/p' | tail -n1)
		echo "  first report (log line $first${test:+, during selftest $test}):"
		tr -d '\r' <"$log" | tail -n +"$((first > 2 ? first - 2 : 1))" |
			head -n "$SCAN_REPORT" | sed 's/^/  > /'
	fi
	status=1
done
exit $status
