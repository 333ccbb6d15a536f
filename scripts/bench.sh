#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench [WRITE=1]: boot the test VM once, run scripts/bench-guest.sh in
# it (XTCP and Linux TCP side by side with xtcpperf), print the table
# (scripts/bench-report.py) and, with WRITE=1, write docs/performance.md
# and its pictures, docs/performance.svg and docs/cwnd.svg.
# The guest's raw output is kept in build/bench/bench-<time>.log.
#
# Environment: WRITE=1; BENCH_REPS, BENCH_TIME, BENCH_WAN_TIME, BENCH_PORTS_TIME, BENCH_CWND_TIME, BENCH_CONNS, BENCH_TW,
# BENCH_PROFILE, BENCH_ONLY are handed to the guest (see bench-guest.sh);
# VM_TIMEOUT (default 1800 s).
set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=$TOP/build
RUNVM=$TOP/selftests/vm/run-vm.sh
mkdir -p "$B/bench"
stamp=$(date +%Y%m%d-%H%M%S)
log=$B/bench/bench-$stamp.log
export VM_TIMEOUT=${VM_TIMEOUT:-1800}

guest_env=
for v in BENCH_REPS BENCH_TIME BENCH_WAN_TIME BENCH_PORTS_TIME BENCH_CWND_TIME BENCH_CONNS BENCH_TW BENCH_PROFILE BENCH_ONLY; do
	[ -n "${!v:-}" ] && guest_env+="$v=${!v} "
done

rev=$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)
if ! git -C "$TOP" diff --quiet HEAD -- kmod uapi Kbuild 2>/dev/null; then
	rev+=" with uncommitted changes in kmod/ (the module as built in build/module/xtcp.ko)"
fi
host_cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
load0=$(cut -d' ' -f1-3 /proc/loadavg)
t0=$(date +%s)

echo "bench: booting the VM (QEMU TCG), raw output in ${log#$TOP/}"
"$RUNVM" "${guest_env}$TOP/scripts/bench-guest.sh" </dev/null 2>&1 | tr -d '\r' | tee "$log" |
	grep --line-buffered -v '^@' | sed -u 's/^/  | /'
rc=${PIPESTATUS[0]}
secs=$(($(date +%s) - t0))
load1=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench: the VM run took $secs s (exit $rc)"

meta=(--meta "Date=$(date -u '+%Y-%m-%d %H:%M UTC')"
      --meta "Module=git $rev"
      --meta "Host=$(nproc) x $host_cpu, shared with other VMs (load average $load0 before, $load1 after); the VM run took $secs s")
write=()
[ "${WRITE:-0}" = 1 ] && write=(--write "$TOP/docs/performance.md" --svg "$TOP/docs")
echo
# Debian's python3, where make deps installs python3-matplotlib (a python3
# earlier on PATH, e.g. pyenv's, would not see it).
PY=/usr/bin/python3; [ -x $PY ] || PY=python3
$PY "$TOP/scripts/bench-report.py" "$log" "${meta[@]}" "${write[@]}" || exit 1
[ "$rc" = 0 ] || { echo "bench: the VM run failed (exit $rc); the table above may be incomplete" >&2; exit "$rc"; }
