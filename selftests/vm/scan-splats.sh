#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Scan a kernel log (serial console log or dmesg) for splats.
#
#   scan-splats.sh LOG...
#
# Exit 0 when clean. Otherwise print "FAILED: kernel log shows ..." and every
# offending line (with its line number and a little context) and exit 1.
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
	'kmemleak'
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
	status=1
done
exit $status
