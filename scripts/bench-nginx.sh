#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Zero copy with nginx (docs/protocol.md §11.10, issue 14), in the test VM:
#
#   make vm CMD='scripts/bench-nginx.sh'          (KERNEL=... for 6.12)
#
# nginx in xa serves a page-cache-warm file of NGINX_MB (64) MB, with
# `sendfile on` and `sendfile off` (then nginx read()s the file into its
# buffers and write()s them); curl in xb fetches it NGINX_GETS (4) times
# to /dev/null, NGINX_REPS (2) times, the order of the families flipped
# on each repetition. For XTCP both run under xtcpize (libxtcpize.so turns their
# TCP sockets into XTCP ones), for TCP without. Printed per run: the busy
# CPU time of the whole VM per MB delivered (/proc/stat, both ends, both
# pinned to vCPU 0), and, for XTCP, OutZeroCopyBytes in xa: the bytes
# nginx's sendfile() attached instead of copying. Lines for a reader:
#   @NGINX <rep> <family> <sendfile on|off> <bytes> <seconds> <cpu_us_per_mb> <OutZeroCopyBytes>
XTCP_NO_TAP=1
. "$(dirname "$(readlink -f "$0")")/../selftests/lib.sh"
set +e
require_module xtcp
MB=${NGINX_MB:-64}
GETS=${NGINX_GETS:-4}
REPS=${NGINX_REPS:-2}
PIN="taskset -c 0"
W=$(mktemp -d /tmp/bench-nginx.XXXX)
on_exit "rm -rf $W"
netns_setup
mkdir -p "$W/www" "$W/logs" "$W/tmp"
head -c ${MB}M /dev/zero | tr '\0' 'x' >"$W/www/big"
cat "$W/www/big" >/dev/null	# page cache warm

busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
zc() { in_xa awk 'NR == 1 { for (i = 2; i <= NF; i++) if ($i == "OutZeroCopyBytes") k = i }
		 NR == 2 { print (k ? $k : 0) }' /proc/net/xtcp/snmp; }

for rep in $(seq 1 "$REPS"); do
fams="xtcp tcp"; [ $((rep % 2)) = 0 ] && fams="tcp xtcp"
for fam in $fams; do
	for sf in on off; do
		cat >"$W/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
error_log $W/logs/error.log;
pid $W/nginx.pid;
events { worker_connections 64; }
http {
	access_log off;
	sendfile $sf;
	tcp_nopush on;
	client_body_temp_path $W/tmp; proxy_temp_path $W/tmp;
	fastcgi_temp_path $W/tmp; uwsgi_temp_path $W/tmp; scgi_temp_path $W/tmp;
	server { listen $XA_ADDR:8080; root $W/www; }
}
EOF
		pre=; [ $fam = xtcp ] && pre="xtcpize run"
		$IP netns exec $XA $PIN $pre nginx -p "$W" -c "$W/nginx.conf" 2>"$W/nginx.err" &
		npid=$!
		for i in $(seq 1 100); do
			in_xb curl -s -o /dev/null --max-time 1 http://$XA_ADDR:8080/ 2>/dev/null && break
			[ $fam = xtcp ] && in_xb $pre curl -s -o /dev/null --max-time 1 http://$XA_ADDR:8080/ 2>/dev/null && break
			sleep 0.1
		done
		z0=$(zc) b0=$(busy) t0=$(date +%s.%N) bytes=0
		for g in $(seq 1 "$GETS"); do
			n=$(in_xb $PIN $pre curl -sS --fail -o /dev/null -w '%{size_download}' http://$XA_ADDR:8080/big 2>>"$W/curl.err")
			bytes=$((bytes + ${n:-0}))
		done
		t1=$(date +%s.%N) b1=$(busy) z1=$(zc)
		kill $npid 2>/dev/null; wait $npid 2>/dev/null
		hz=$(getconf CLK_TCK)
		echo "@NGINX $rep $fam $sf $bytes $(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }") $(awk "BEGIN { printf \"%.0f\", $bytes ? ($b1 - $b0) * 1e6 / $hz / ($bytes / 1048576) : 0 }") $((z1 - z0))"
		[ -s "$W/curl.err" ] && { echo "# curl: $(head -c 300 "$W/curl.err")"; : >"$W/curl.err"; }
		if [ -s "$W/nginx.err" ]; then echo "# nginx: $(head -c 300 "$W/nginx.err")"; fi
	done
done
done
exit 0
