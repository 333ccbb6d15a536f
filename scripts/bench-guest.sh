#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The guest half of `make bench` (scripts/bench.sh boots the VM with it).
# Runs xtcpperf for XTCP and Linux TCP side by side, alternating, over a
# veth pair between two namespaces (MTU 1500) and over loopback, then the
# memory, TIME-WAIT and profile measurements. Prints machine-readable lines
# for scripts/bench-report.py:
#
#   @BENCH <rep> <path> <family> <label> <xtcpperf --json, one line>
#   @TW <phase> <rep> <CurrTimeWait> <xtcpperf --json, one line>
#   @INFO <key> <value...>
#   @PROFILE <family> <mode> <text>        (perf report lines)
#   @SEGS <family> <mode> <key=value...>   (segment counts per run)
#   @CNT <rep> <path> <family> <label> xa0=.. xa1=.. xb0=.. xb1=..
#                                          (the counters around a @BENCH run)
#
# Both ends of every measurement are pinned to vCPU 0 (taskset): under TCG a
# wake-up across vCPUs waits for the host to schedule the other vCPU thread
# (milliseconds on a shared host), which would swamp what is measured.
#
# Knobs (environment): BENCH_REPS (3), BENCH_TIME (seconds per figure, 2),
# BENCH_WAN_TIME (seconds per wan figure, 10), BENCH_CONNS (conns mode,
# 2000), BENCH_TW (TIME-WAIT entries, 100000), BENCH_PROFILE (1: perf
# record), BENCH_PORTS_TIME (seconds of the ports figure, 60),
# BENCH_CWND_TIME (seconds of the cwnd plot's run, 20), BENCH_ONLY
# (words, comma-separated: matrix,ports,sendfile,wan,cwnd,gro,conns,tw,profile).
#
#   @IV <family> <xtcpperf --json -i, one line>   (the cwnd plot's runs)
XTCP_NO_TAP=1
. "$(dirname "$(readlink -f "$0")")/../selftests/lib.sh"
set +e

REPS=${BENCH_REPS:-3}
T=${BENCH_TIME:-2}
WT=${BENCH_WAN_TIME:-10}
NCONNS=${BENCH_CONNS:-2000}
NTW=${BENCH_TW:-100000}
ONLY=${BENCH_ONLY:-}
want() { [ -z "$ONLY" ] || case ",$ONLY," in *",$1,"*) true ;; *) false ;; esac; }
info() { echo "@INFO $*"; }
log() { echo "# $(date +%T) $*"; }
oneline() { tr -d '\n'; }

require_module xtcp
info kernel "$(uname -r)"
info cpus "$(nproc) x $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
info accel "$(grep -q hypervisor /proc/cpuinfo && echo "QEMU $(cat /sys/class/dmi/id/product_name 2>/dev/null)")"
info memory "$(awk '/MemTotal/ {print int($2/1024) " MB"}' /proc/meminfo)"
info reps "$REPS"
info time "$T"
info wan_time "$WT"
info sysctl "xtcp: $(cd /proc/sys/net/xtcp && for f in delack_ms tw_timeout_ms max_tw_buckets congestion_control; do [ -r $f ] && printf '%s=%s ' $f "$(cat $f)"; done)tcp: tcp_max_tw_buckets=$(cat /proc/sys/net/ipv4/tcp_max_tw_buckets) tcp_congestion_control=$(cat /proc/sys/net/ipv4/tcp_congestion_control)"

netns_setup
info mtu "$(in_xa cat /sys/class/net/va/mtu)"
PIN="taskset -c 0"
$IP netns exec $XA $PIN xtcpperf -s -B $XA_ADDR -p 5201 -q &
on_exit "kill $! 2>/dev/null"
$IP netns exec $XA $PIN xtcpperf -s -B 127.0.0.1 -p 5202 -q &
on_exit "kill $! 2>/dev/null"
for i in $(seq 1 50); do
	in_xa ss -Htln 'sport = :5202' | grep -q . && break
	sleep 0.1
done

# run REP PATH FAMILY LABEL XTCPPERF-ARGS...
run() {
	local rep=$1 path=$2 fam=$3 label=$4 out; shift 4
	if [ "$path" = lo ]; then
		out=$(in_xa $PIN xtcpperf -c 127.0.0.1 -p 5202 -f "$fam" --json "$@" 2>&1)
	else
		out=$(in_xb $PIN xtcpperf -c $XA_ADDR -p 5201 -f "$fam" --json "$@" 2>&1)
	fi
	echo "@BENCH $rep $path $fam $label $(echo "$out" | oneline)"
}

# Counters: XTCP's /proc/net/xtcp/snmp and TCP's /proc/net/snmp + netstat.
# segs NS FAMILY -> "segs_out segs_in retrans probes delayed_acks ip_out ip_in":
# the family's own counters, and IP packets (one per GSO/GRO packet).
segs() {
	local files=/proc/net/xtcp/snmp
	[ "$2" = tcp ] && files=/proc/net/netstat
	$IP netns exec "$1" awk '$1 ~ /^(Xtcp|Tcp|TcpExt|Ip):$/ && !h[$1] { for (i = 2; i <= NF; i++) n[$1, i] = $i; h[$1] = 1; next }
		$1 ~ /^(Xtcp|Tcp|TcpExt|Ip):$/ { for (i = 2; i <= NF; i++) v[$1 n[$1, i]] = $i }
		END { x = ("Xtcp:OutSegs" in v) ? "Xtcp:" : "Tcp:"
		      print v[x "OutSegs"]+0, v[x "InSegs"]+0, v[x "RetransSegs"]+0,
			    v["Xtcp:TailLossProbes"] + v["TcpExt:TCPLossProbes"],
			    v["Xtcp:DelayedACKs"] + v["TcpExt:DelayedACKs"],
			    v["Ip:OutRequests"]+0, v["Ip:InReceives"]+0 }' /proc/net/snmp $files
}

# runc: run, and the counters of both namespaces around it (veth only)
runc() {
	local a0 a1 b0 b1
	a0=$(segs $XA $3) b0=$(segs $XB $3)
	run "$@"
	a1=$(segs $XA $3) b1=$(segs $XB $3)
	echo "@CNT $1 $2 $3 $4 xa0=${a0// /,} xa1=${a1// /,} xb0=${b0// /,} xb1=${b1// /,}"
}

# ---- 1. The matrix: each figure for both families, order flipped per rep.
if want matrix; then
	for rep in $(seq 1 "$REPS"); do
		if [ $((rep % 2)) = 1 ]; then fams="xtcp tcp"; else fams="tcp xtcp"; fi
		for path in veth lo; do
			log "rep $rep/$REPS, $path"
			r=run; [ $path = veth ] && r=runc
			for f in $fams; do $r $rep $path $f stream1 -m stream -t $T; done
			for f in $fams; do $r $rep $path $f stream4 -m stream -t $T -P 4; done
			for f in $fams; do run $rep $path $f rr -m rr -t $T -l 1,1024; done
			for f in $fams; do run $rep $path $f crr -m crr -t $T -l 1; done
		done
	done
fi

sysv() { $IP netns exec "$1" cat "/proc/sys/$2" 2>/dev/null | tr -s '\t ' ' '; }

# ---- 1a. Client ports in TIME-WAIT (docs/protocol.md §32, issue 10): a
# client that closes first, one connection at a time for PT seconds, with a
# 200-port ephemeral range in xb (both families' sysctls), 1 byte each way.
# XTCP takes TIME-WAIT 4-tuples over (net.xtcp.tw_reuse); Linux TCP's
# tcp_tw_reuse default (2) allows that on loopback only, so over the veth
# it runs out of ports. Once, not per rep: a minute per family.
if want ports; then
	PT=${BENCH_PORTS_TIME:-60}
	r4=$(sysv $XB net/ipv4/ip_local_port_range) rx=$(sysv $XB net/xtcp/local_port_range)
	in_xb sh -c 'echo 40000 40199 >/proc/sys/net/ipv4/ip_local_port_range; echo 40000 40199 >/proc/sys/net/xtcp/local_port_range'
	# SLUB may merge the cache: /sys/kernel/slab keeps its name as an alias.
	info tw_entry_bytes "$(cat /sys/kernel/slab/xtcp_timewait/object_size 2>/dev/null || awk '$1 == "xtcp_timewait" { print $4 }' /proc/slabinfo)"
	info ports_sysctl "xtcp: tw_reuse=$(sysv $XB net/xtcp/tw_reuse) tw_reuse_delay_ms=$(sysv $XB net/xtcp/tw_reuse_delay_ms) timestamps=$(sysv $XB net/xtcp/timestamps) tw_timeout_ms=$(sysv $XB net/xtcp/tw_timeout_ms); tcp: tcp_tw_reuse=$(sysv $XB net/ipv4/tcp_tw_reuse) tcp_timestamps=$(sysv $XB net/ipv4/tcp_timestamps)"
	for f in xtcp tcp; do
		log "ports: $f, crr --close client for $PT s through 200 ports"
		out=$(in_xb $PIN xtcpperf -c $XA_ADDR -p 5201 -f $f -m crr -l 1 -t "$PT" --close client --json 2>&1)
		echo "@PORTS $f 200 $(echo "$out" | oneline)"
	done
	in_xb sh -c "echo '$r4' >/proc/sys/net/ipv4/ip_local_port_range; echo '$rx' >/proc/sys/net/xtcp/local_port_range"
fi

# ---- 1c. Zero copy (docs/protocol.md 11.10, issue 14): one connection over
# the veth, write(2) of a 128 KB buffer against sendfile(2) of a 16 MB
# page-cache-warm file (xtcpperf --sendfile), both families, order flipped
# per rep. The figure is the CPU time per MB (cpu_us_per_mb: /proc/stat,
# the whole VM, so both ends; both are pinned to vCPU 0).
if want sendfile; then
	for rep in $(seq 1 "$REPS"); do
		if [ $((rep % 2)) = 1 ]; then fams="xtcp tcp"; else fams="tcp xtcp"; fi
		log "sendfile rep $rep/$REPS"
		for f in $fams; do
			run $rep zc $f write -m stream -t $T
			run $rep zc $f sendfile -m stream -t $T --sendfile
		done
	done
fi

# ---- 1b. A long fat pipe: netem on both ends of the veth pair, 25 ms each
# way (50 ms RTT), without and with 0.1% loss on each end; one connection
# for WT seconds, both families with CUBIC, order flipped per rep. netem
# acts on the packets as handed to the device: a 64 KB GSO packet (either
# family) is delayed, or lost, whole. TCP's per-destination metrics cache
# (a loss run's ssthresh) is off here, XTCP has none.
if want wan; then
	modprobe sch_netem 2>/dev/null
	for ns in $XA $XB; do
		$IP netns exec $ns sysctl -qw net.ipv4.tcp_congestion_control=cubic
		$IP netns exec $ns sh -c 'echo cubic > /proc/sys/net/xtcp/congestion_control'
		$IP netns exec $ns sysctl -qw net.ipv4.tcp_no_metrics_save=1
		$IP netns exec $ns $IP tcp_metrics flush all 2>/dev/null
	done
	for ns in $XA $XB; do
		info wan_cc_$ns "tcp_congestion_control=$(sysv $ns net/ipv4/tcp_congestion_control)" \
			"(available: $(sysv $ns net/ipv4/tcp_available_congestion_control))" \
			"net.xtcp.congestion_control=$(sysv $ns net/xtcp/congestion_control)" \
			"tcp_no_metrics_save=$(sysv $ns net/ipv4/tcp_no_metrics_save)"
		info wan_buf_$ns "tcp_rmem=$(sysv $ns net/ipv4/tcp_rmem) tcp_wmem=$(sysv $ns net/ipv4/tcp_wmem)" \
			"tcp_moderate_rcvbuf=$(sysv $ns net/ipv4/tcp_moderate_rcvbuf)" \
			"tcp_adv_win_scale=$(sysv $ns net/ipv4/tcp_adv_win_scale)" \
			"core.rmem_max=$(cat /proc/sys/net/core/rmem_max) core.wmem_max=$(cat /proc/sys/net/core/wmem_max) (global)" \
			"xtcp.rmem_max=$(sysv $ns net/xtcp/rmem_max) xtcp.wmem_max=$(sysv $ns net/xtcp/wmem_max)" \
			"xtcp.moderate_rcvbuf=$(sysv $ns net/xtcp/moderate_rcvbuf)"
	done
	on_exit "$IP netns exec $XA $TC qdisc del dev va root 2>/dev/null; $IP netns exec $XB $TC qdisc del dev vb root 2>/dev/null"
	for rep in $(seq 1 "$REPS"); do
		if [ $((rep % 2)) = 1 ]; then fams="xtcp tcp"; else fams="tcp xtcp"; fi
		for cond in delay loss; do
			extra=; [ $cond = loss ] && extra="loss 0.1%"
			netem $XA va delay 25ms $extra limit 10000
			netem $XB vb delay 25ms $extra limit 10000
			[ $rep = 1 ] && info wan_qdisc_$cond "xa: $(in_xa $TC qdisc show dev va | oneline); xb: $(in_xb $TC qdisc show dev vb | oneline)"
			log "wan rep $rep/$REPS, $cond"
			for f in $fams; do runc $rep wan $f $cond -m stream -t $WT; done
		done
	done
	in_xa $TC qdisc del dev va root; in_xb $TC qdisc del dev vb root
	info wan_qdisc_after "xa: $(in_xa $TC qdisc show dev va | oneline); xb: $(in_xb $TC qdisc show dev vb | oneline)"
	for ns in $XA $XB; do
		$IP netns exec $ns sysctl -qw net.ipv4.tcp_no_metrics_save=0
	done
fi

# ---- 1b'. One connection over time, for the cwnd plot (docs/cwnd.svg):
# netem 25 ms each way and 0.5% loss on the data's way only (vb, the
# sender's end), CUBIC for both, xtcpperf -i sampling every CI seconds what
# the peer acknowledged and the sender's cwnd. XTCP, then TCP, once each.
if want cwnd; then
	CT=${BENCH_CWND_TIME:-20} CI_S=0.25
	modprobe sch_netem 2>/dev/null
	for ns in $XA $XB; do
		$IP netns exec $ns sysctl -qw net.ipv4.tcp_congestion_control=cubic
		$IP netns exec $ns sh -c 'echo cubic > /proc/sys/net/xtcp/congestion_control'
		$IP netns exec $ns sysctl -qw net.ipv4.tcp_no_metrics_save=1
		$IP netns exec $ns $IP tcp_metrics flush all 2>/dev/null
	done
	on_exit "$IP netns exec $XA $TC qdisc del dev va root 2>/dev/null; $IP netns exec $XB $TC qdisc del dev vb root 2>/dev/null"
	netem $XA va delay 25ms limit 10000
	netem $XB vb delay 25ms loss 0.5% limit 10000
	info cwnd_time "$CT"
	info cwnd_interval "$CI_S"
	info cwnd_path "50 ms RTT (netem 25 ms each way), 0.5% loss on the data's way"
	info cwnd_qdisc "netem delay 25ms each way, loss 0.5% on the data's way (xb: $(in_xb $TC qdisc show dev vb | oneline))"
	for f in xtcp tcp; do
		log "cwnd: $f, one connection for $CT s, -i $CI_S"
		out=$(in_xb $PIN xtcpperf -c $XA_ADDR -p 5201 -f $f -m stream -t "$CT" -i $CI_S --json 2>&1)
		echo "@IV $f $(echo "$out" | oneline)"
	done
	in_xa $TC qdisc del dev va root; in_xb $TC qdisc del dev vb root
	for ns in $XA $XB; do
		$IP netns exec $ns sysctl -qw net.ipv4.tcp_no_metrics_save=0
	done
fi

# ---- 1c. GRO: the receiver's veth end (va) with GRO on, which gives veth a
# NAPI context, and the sender's end (vb) with every segmentation offload
# off (TSO, GSO, and the SCTP GSO type XTCP's large skbs borrow), so the
# wire carries MTU-sized packets and large skbs exist only where GRO builds
# them. One connection, both families; Ip InReceives in xa counts the
# packets IP was handed after GRO. The offloads are restored afterwards.
if want gro; then
	ETHTOOL=$(command -v ethtool || echo /usr/sbin/ethtool)
	feat() { $IP netns exec $1 $ETHTOOL -k $2 2>&1 | awk -v f="$3" -F': ' '$1 == f { print $2 }' | cut -d' ' -f1; }
	gro0=$(feat $XA va generic-receive-offload)
	tso0=$(feat $XB vb tcp-segmentation-offload) gso0=$(feat $XB vb generic-segmentation-offload)
	sctp0=$(feat $XB vb tx-sctp-segmentation)
	info gro_before "va: gro=$gro0; vb: tso=$tso0 gso=$gso0 tx-sctp-segmentation=$sctp0"
	in_xa $ETHTOOL -K va gro on || info gro_error "ethtool -K va gro on failed"
	# veth polls its NAPI on the sending CPU, once per packet when the
	# sender sends from process context; a NIC's interrupt coalescing
	# hands GRO bursts. gro_flush_timeout (2 ms) keeps what GRO holds
	# across polls instead, the same for both families.
	fto0=$(in_xa cat /sys/class/net/va/gro_flush_timeout)
	in_xa sh -c 'echo 2000000 >/sys/class/net/va/gro_flush_timeout' || info gro_error "gro_flush_timeout not set"
	in_xb $ETHTOOL -K vb tso off gso off tx-sctp-segmentation off || info gro_error "ethtool -K vb ... off failed"
	on_exit "$IP netns exec $XA $ETHTOOL -K va gro ${gro0:-off} 2>/dev/null; $IP netns exec $XB $ETHTOOL -K vb tso ${tso0:-on} gso ${gso0:-on} tx-sctp-segmentation ${sctp0:-on} 2>/dev/null"
	info gro_during "va: gro=$(feat $XA va generic-receive-offload) gro_flush_timeout=$(in_xa cat /sys/class/net/va/gro_flush_timeout); vb: tso=$(feat $XB vb tcp-segmentation-offload)" \
		"gso=$(feat $XB vb generic-segmentation-offload) tx-sctp-segmentation=$(feat $XB vb tx-sctp-segmentation)"
	for rep in $(seq 1 "$REPS"); do
		if [ $((rep % 2)) = 1 ]; then fams="xtcp tcp"; else fams="tcp xtcp"; fi
		log "gro rep $rep/$REPS"
		for f in $fams; do runc $rep gro $f stream1 -m stream -t $T; done
	done
	in_xa $ETHTOOL -K va gro ${gro0:-off}
	in_xa sh -c "echo ${fto0:-0} >/sys/class/net/va/gro_flush_timeout"
	in_xb $ETHTOOL -K vb tso ${tso0:-on} gso ${gso0:-on} tx-sctp-segmentation ${sctp0:-on}
	info gro_after "va: gro=$(feat $XA va generic-receive-offload); vb: tso=$(feat $XB vb tcp-segmentation-offload)" \
		"gso=$(feat $XB vb generic-segmentation-offload) tx-sctp-segmentation=$(feat $XB vb tx-sctp-segmentation)"
fi

# ---- 2. Memory per connection and TIME-WAIT entries (client closes first,
# so the entries are in xb, where the client counts them).
if want conns; then
	for rep in $(seq 1 "$REPS"); do
		if [ $((rep % 2)) = 1 ]; then fams="xtcp tcp"; else fams="tcp xtcp"; fi
		log "conns rep $rep/$REPS"
		for f in $fams; do run $rep veth $f conns -m conns -N "$NCONNS" --close client; done
	done
fi

# ---- 3. crr with NTW XTCP TIME-WAIT entries in the server's namespace vs
# none, alternating: two fresh pairs of namespaces, ta/tb (filled) and tc/td
# (not), each with a pinned XTCP server; entries live 10 minutes in both.
# The fill connects to ta from other addresses (10.1.0.10+) with explicit
# ports and the server closes first, so each connection leaves one entry on
# the server and the crr client (10.1.0.2) never hits one of them.
if want tw; then
	# pair NS_SERVER NS_CLIENT SUBNET: a veth pair, .1 and .2, a server on .1
	pair() {
		$IP netns del $1 2>/dev/null; $IP netns del $2 2>/dev/null
		on_exit "$IP netns del $1; $IP netns del $2"
		$IP netns add $1 && $IP netns add $2 &&
		$IP link add v$1 netns $1 type veth peer name v$2 netns $2 &&
		$IP -n $1 addr add $3.1/24 dev v$1 && $IP -n $2 addr add $3.2/24 dev v$2 &&
		$IP -n $1 link set lo up && $IP -n $2 link set lo up &&
		$IP -n $1 link set v$1 up && $IP -n $2 link set v$2 up || echo "@INFO tw_error cannot build $1/$2"
		$IP netns exec $1 sh -c 'echo 600000 > /proc/sys/net/xtcp/tw_timeout_ms'
		$IP netns exec $1 $PIN xtcpperf -s -B $3.1 -p 5201 -f xtcp -q &
		on_exit "kill $! 2>/dev/null"
	}
	pair ta tb 10.1.0
	twsrv=$!
	pair tc td 10.2.0
	sleep 1
	twcount() { $IP netns exec $1 awk '$1 == "Xtcp:" && !h { for (i = 2; i <= NF; i++) if ($i == "CurrTimeWait") c = i; h = 1; next } $1 == "Xtcp:" { print $c }' /proc/net/xtcp/snmp; }
	log "TIME-WAIT: filling $NTW entries into ta"
	before=$(awk 'NR > 2 { s += $2 * $4 } END { print s }' /proc/slabinfo)
	# The fill is no measurement: both vCPUs, two clients at once, each
	# from its own two addresses with explicit ports 1024 and up, the
	# server closing every connection as soon as it has its hello.
	taskset -a -p -c 0,1 $twsrv >/dev/null
	k=0 t0=$SECONDS
	while [ "$(twcount ta)" -lt "$NTW" ] && [ $k -lt 40 ]; do
		need=$((NTW - $(twcount ta)))
		n=$(( need > 40000 ? 20000 : need * 3 / 5 + 100 ))
		pids=()
		for j in 0 1; do
			a1=10.1.0.$((10 + 2 * k + j * 100)) a2=10.1.0.$((11 + 2 * k + j * 100))
			$IP -n tb addr add $a1/24 dev vtb; $IP -n tb addr add $a2/24 dev vtb
			$IP netns exec tb xtcpperf -c 10.1.0.1 -p 5201 -f xtcp -m conns -N $n --batch 5000 \
				--close now --src $a1,$a2 --src-port 1024 --json >/tmp/twfill.$j 2>&1 &
			pids+=($!)
		done
		wait "${pids[@]}"
		for j in 0 1; do echo "@TWFILL $k $(twcount ta) $(oneline </tmp/twfill.$j)"; done
		k=$((k + 1))
	done
	taskset -a -p -c 0 $twsrv >/dev/null
	after=$(awk 'NR > 2 { s += $2 * $4 } END { print s }' /proc/slabinfo)
	info tw_fill "$(twcount ta) entries in $((SECONDS - t0)) s; slab bytes in use +$((after - before))"
	info tw_counters "server: $($IP netns exec ta xtcpstat --counters | awk 'NR > 1 && $2 != 0 {printf "%s=%s ", $1, $2}')"
	info tw_client_counters "client: $($IP netns exec tb xtcpstat --counters | awk 'NR > 1 && $2 != 0 {printf "%s=%s ", $1, $2}')"
	crr_tw() {	# PHASE REP SERVER-NS CLIENT-NS SUBNET
		local out
		out=$($IP netns exec $4 $PIN xtcpperf -c $5.1 -p 5201 -f xtcp -m crr -t $T -l 1 --json 2>&1)
		echo "@TW $1 $2 $(twcount $3) $(echo "$out" | oneline)"
	}
	for rep in $(seq 1 "$REPS"); do
		log "TIME-WAIT: crr with none and with $(twcount ta), rep $rep/$REPS"
		if [ $((rep % 2)) = 1 ]; then
			crr_tw none $rep tc td 10.2.0; crr_tw full $rep ta tb 10.1.0
		else
			crr_tw full $rep ta tb 10.1.0; crr_tw none $rep tc td 10.2.0
		fi
	done
fi

# ---- 4. Where the time goes: perf (cpu-clock sampling works under TCG) and
# segments per MB / per transaction, for each family on veth (segs above).
if want profile && [ "${BENCH_PROFILE:-1}" = 1 ]; then
	PERF=$(command -v perf)
	for mode in stream rr crr; do
		for f in xtcp tcp; do
			case $mode in
			stream) args="-m stream -t $T" ;;
			rr) args="-m rr -t $T -l 1" ;;
			crr) args="-m crr -t $T -l 1" ;;
			esac
			a0=$(segs $XA $f) b0=$(segs $XB $f)
			if [ -n "$PERF" ]; then
				$PERF record -q -a -e cpu-clock -F 1000 -o /tmp/perf.$f.$mode.data -- \
					$IP netns exec $XB $PIN xtcpperf -c $XA_ADDR -p 5201 -f $f --json $args >/tmp/perf.out 2>/tmp/perf.err
			else
				$IP netns exec $XB $PIN xtcpperf -c $XA_ADDR -p 5201 -f $f --json $args >/tmp/perf.out 2>&1
			fi
			a1=$(segs $XA $f) b1=$(segs $XB $f)
			echo "@SEGS $f $mode xa0=${a0// /,} xa1=${a1// /,} xb0=${b0// /,} xb1=${b1// /,} $(oneline </tmp/perf.out)"
			if [ -n "$PERF" ] && [ -s /tmp/perf.$f.$mode.data ]; then
				$PERF report -i /tmp/perf.$f.$mode.data --stdio --sort sym --percent-limit 0.1 2>/dev/null |
					grep -v '^#' | grep -v '^$' | head -n 200 | sed "s/^/@PROFILE $f $mode /"
			else
				echo "@PROFILE $f $mode perf unavailable: $(head -c 200 /tmp/perf.err 2>/dev/null)"
			fi
		done
	done
fi
log "done"
