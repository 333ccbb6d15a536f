#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest-side selftest runner: runs every test in build/selftests (C
# kselftest_harness programs and TAP shell scripts, in name order; helpers/
# is not run), prints kselftest-style TAP (each test's own TAP indented with
# "# ") and closes with a machine-readable totals line for the host:
#   xtcp-selftests: passed=N failed=N skipped=N
# Counts are per test case (each "ok"/"not ok" line of a test's TAP). A test
# that exits non-zero without reporting a failing case, or reports nothing,
# counts one failure; a test that exits 4 (KSFT_SKIP) with no cases, one skip.
#
# A skip counts as a FAILURE unless it is on this allow-list (a missing tun
# device, program or module file must not quietly drop the fuzzer or the
# apps test, above all on a second kernel). Allowed, and nothing else:
#   - a skip that names XTCP_STRESS_ONLY: the caller asked for a subset of
#     the stress cases;
#   - "xtcp is not loaded (XTCP_NOLOAD=1?)" when XTCP_NOLOAD=1 is set: the
#     caller booted without the module on purpose.
# Each skip is printed "# SKIPPED name: reason" (allowed) or counted in
# "# FAILED name: skip not on the allow-list: reason".
#
#   run-tests.sh [NAME...]     (default: all; NAME as in build/selftests)
#   XTCP_TEST_TIMEOUT=300      seconds per test program
set -u

TOP=${XTCP_TOP:-$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)}
DIR=$TOP/build/selftests
per_test_timeout=${XTCP_TEST_TIMEOUT:-300}

# XTCP_TESTS_SKIP="a b": programs that another tier runs on this kernel
# (make check-debug leaves its soak-only programs to make soak): not run,
# not counted, named in the output. Only without NAMEs; each must exist.
skip_list=" ${XTCP_TESTS_SKIP:-} "
tests=()
if [ $# -gt 0 ]; then
	for n in "$@"; do tests+=("$DIR/$(basename "$n")"); done
else
	for t in "$DIR"/*; do
		[ -f "$t" ] || continue
		case "$skip_list" in *" $(basename "$t") "*)
			echo "# not run here (XTCP_TESTS_SKIP, another tier runs it): $(basename "$t")"
			continue ;;
		esac
		case "$t" in *.sh) tests+=("$t") ;; *) [ -x "$t" ] && tests+=("$t") ;; esac
	done
fi

# skip_allowed REASON: is this skip on the allow-list above?
skip_allowed() {
	case "$1" in
	*XTCP_STRESS_ONLY*) return 0 ;;
	*"xtcp is not loaded (XTCP_NOLOAD=1?)"*) [ "${XTCP_NOLOAD:-0}" = 1 ] && return 0 ;;
	esac
	return 1
}

kmsg() { echo "xtcp-selftests: $*" >/dev/kmsg 2>/dev/null || true; }

passed=0 failed=0 skipped=0
skips=() failures=()
# With no names: every test source must have its program in build/selftests
# (a program that did not build is a failure, not one test fewer).
if [ $# = 0 ]; then
	for src in "$TOP"/selftests/*.c "$TOP"/selftests/*.sh; do
		[ -e "$src" ] || continue	# an unmatched glob
		b=$(basename "$src"); b=${b%.c}
		[ "$b" = lib.sh ] && continue
		[ -e "$DIR/$b" ] && continue
		failures+=("$b: not built (no $DIR/$b)"); failed=$((failed + 1))
	done
	for b in ${XTCP_TESTS_SKIP:-}; do
		[ -e "$DIR/$b" ] && continue
		failures+=("$b: named in XTCP_TESTS_SKIP, but no such program"); failed=$((failed + 1))
	done
fi
# Hold the receive path's static keys on for the whole run (see
# helpers/pin_keys.c: under TCG a key flipped while another vCPU runs its
# site can kill the guest with "Oops: int3"): SO_TIMESTAMP's key by a
# socket that stays open, rps_needed by an RPS map on a dummy device that
# never receives.
pin_pid=
if [ -x "$DIR/helpers/pin_keys" ]; then
	"$DIR/helpers/pin_keys" >/dev/null &
	pin_pid=$!
fi
if ip link add xtcp-pin type dummy 2>/dev/null; then
	echo 1 >/sys/class/net/xtcp-pin/queues/rx-0/rps_cpus 2>/dev/null ||
		echo "# NOTE: no RPS map on xtcp-pin: rps_needed is not pinned"
fi
echo "TAP version 13"
echo "1..${#tests[@]}"
n=0
for t in "${tests[@]}"; do
	n=$((n + 1))
	name=$(basename "$t")
	echo "# selftests: xtcp: $name"
	kmsg "start $name"
	out=$(mktemp)
	start=$(date +%s)
	rc=0
	run=("$t"); case "$t" in *.sh) run=(bash "$t") ;; esac
	(cd "$TOP" && timeout -k 10 "$per_test_timeout" "${run[@]}") 2>&1 </dev/null | tee "$out" | sed -u 's/^/# /'
	rc=${PIPESTATUS[0]}
	secs=$(($(date +%s) - start))
	kmsg "end $name rc=$rc"
	# Sockets a program leaves behind (an orphan still retransmitting into
	# a deleted namespace, or a leak) hold the module and skew the next
	# program's counts: name the program that left them (a note, for the
	# failure it may cause later; the programs check their own refcounts).
	refs=$(cat /sys/module/xtcp/refcnt 2>/dev/null || echo 0)
	for _ in $(seq 100); do
		[ "$refs" -gt 0 ] 2>/dev/null || break
		sleep 0.2
		refs=$(cat /sys/module/xtcp/refcnt 2>/dev/null || echo 0)
	done
	if [ "$refs" -gt 0 ] 2>/dev/null; then
		echo "# NOTE: 20 s after $name ended, xtcp.ko is still in use (refcnt $refs): its sockets outlive it"
		kmsg "after $name: refcnt $refs"
	fi

	# Top-level results of the test's own TAP (not indented).
	p=$(grep -cE '^ok [0-9]+' "$out" | head -n1); p=${p:-0}
	f=$(grep -cE '^not ok [0-9]+' "$out"); f=${f:-0}
	s=$(grep -cE '^ok [0-9]+.*# *SKIP' "$out"); s=${s:-0}
	p=$((p - s))
	# kselftest_harness prints "ok N # SKIP reason" without the case's
	# name: take it from the "#  RUN name ..." line before.
	tskips=()
	while IFS= read -r line; do
		tskips+=("$line")
	done < <(awk '/^#  RUN / { run = $3 }
		/^ok [0-9]+.*# *SKIP/ {
			sub(/^ok /, ""); n = $1; sub(/^[0-9]+ */, "")
			if ($0 ~ /^# *SKIP/ && run != "") $0 = run " " $0
			print n " " $0 }' "$out")
	while IFS= read -r line; do
		failures+=("$name: ${line#not ok }")
	done < <(grep -E '^not ok [0-9]+' "$out")

	verdict=ok
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		failures+=("$name: TIMEOUT after ${per_test_timeout}s")
		f=$((f + 1)); verdict="not ok"; why="timed out after ${per_test_timeout}s"
	elif [ "$rc" = 4 ] && [ $((p + f + s)) = 0 ]; then
		reason=$(sed -n 's/^1\.\.0 *# *SKIP *//p' "$out" | head -n1)
		tskips+=("${reason:-skipped (exit 4)}")
		s=1; why="skipped: ${reason:-exit 4}"
	elif [ "$rc" != 0 ] && [ "$rc" != 4 ] && [ "$f" = 0 ]; then
		failures+=("$name: exited with status $rc without a failing case")
		f=$((f + 1)); verdict="not ok"; why="exit status $rc"
	elif [ $((p + f + s)) = 0 ]; then
		failures+=("$name: reported no results")
		f=1; verdict="not ok"; why="no results"
	elif [ "$f" -gt 0 ]; then
		verdict="not ok"; why="$f failed"
	else
		why="$p passed${s:+, $s skipped}"
	fi
	[ "$s" = 0 ] && [ "$verdict" = ok ] && why="$p passed"
	# Skips off the allow-list are failures.
	for x in "${tskips[@]+"${tskips[@]}"}"; do
		if skip_allowed "$x"; then
			skips+=("$name: $x")
		else
			failures+=("$name: skip not on the allow-list: $x")
			s=$((s - 1)) f=$((f + 1)) verdict="not ok"
			why="a skip not on the allow-list ($x)"
		fi
	done
	echo "$verdict $n selftests: xtcp: $name # $why (${secs}s)"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	rm -f "$out"
done

# pin_keys and xtcp-pin stay: undoing them would flip the keys they hold.
for x in "${skips[@]+"${skips[@]}"}"; do echo "# SKIPPED $x"; done
for x in "${failures[@]+"${failures[@]}"}"; do echo "# FAILED $x"; done
echo "xtcp-selftests: passed=$passed failed=$failed skipped=$skipped"
[ "$failed" = 0 ]
