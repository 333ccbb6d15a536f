#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Unmodified programs from Debian over XTCP with xtcpize (LD_PRELOAD
# libxtcpize.so), between the two namespaces xa (10.0.0.1) and xb (10.0.0.2):
#
#   - python3 (the socket module) as a probe: what socket() gives under
#     xtcpize, with and without XTCPIZE_PORTS/ADDRS, and without the module;
#   - python3 -m http.server -> curl: a 50 MB file (10 MB on the debug kernel,
#     XTCP_DEBUG_KERNEL=1), sha256 checked, seen by xtcpstat while it flows;
#   - socat -> socat: 4 MB echoed through "EXEC:cat" with TCP options set,
#     half-close, sha256 checked;
#   - iperf3 -s / iperf3 -c: 2 s of bulk data, TCP_INFO read;
#   - redis-server / redis-cli and redis-benchmark (epoll, many clients);
#   - nginx with "listen ... reuseport" and worker_processes 2: one
#     SO_REUSEPORT listener per worker, 20 connections served by both.
#
# The proof that it was XTCP and not TCP: /proc/net/xtcp/snmp ActiveOpens
# rose in xb and PassiveOpens in xa by the number of connections each program
# makes, while /proc/net/snmp Tcp ActiveOpens/PassiveOpens did not move in
# either namespace and `ss -t` lists nothing.
. "$(dirname "$(readlink -f "$0")")/lib.sh"
require_root
require_module xtcp
require_cmd python3 curl socat iperf3 redis-server redis-cli redis-benchmark sha256sum nginx
command -v xtcpize >/dev/null && [ -r "$XTCP_TOP/build/tools/libxtcpize.so" ] ||
	skip_all "build/tools/xtcpize or libxtcpize.so is not built (make tools)"

IPPROTO=$(cat /sys/module/xtcp/parameters/ipproto 2>/dev/null || echo 253)
W=$(mktemp -d /tmp/apps_xtcpize.XXXX)
on_exit "rm -rf $W"

# bg NAME NS CMD...: start a server in namespace NS in the background
# (ip netns exec and xtcpize exec, so $! is the server), killed at exit.
bg() {
	local name=$1 ns=$2; shift 2
	$IP netns exec "$ns" "$@" >"$W/$name.log" 2>&1 &
	on_exit "kill $! 2>/dev/null; wait $! 2>/dev/null"
	eval "PID_$name=$!"
}
# lap WHAT: how long the part since the last lap took.
_lap=$SECONDS
lap() { diag "$1 took $((SECONDS - _lap)) s"; _lap=$SECONDS; }
# stop NAME: kill a server started by bg and wait until it is gone.
stop() {
	local pid
	eval "pid=\$PID_$1"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}
# wait_listen NS PORT: until an XTCP (or, with "tcp", TCP) listener shows up.
wait_listen() {
	local ns=$1 port=$2 i
	for i in $(seq 1 100); do
		if [ "${3:-xtcp}" = tcp ]; then
			$IP netns exec "$ns" ss -Htln "sport = :$port" | grep -q . && return 0
		else
			$IP netns exec "$ns" xtcpstat -Hln 2>/dev/null | grep -q ":$port\b" && return 0
		fi
		sleep 0.1
	done
	diag "nothing listens on $ns port $port after 10 s"
	return 1
}
# snmp NS FILE PREFIX NAME: one counter from an snmp-style file.
snmp() {
	$IP netns exec "$1" awk -v p="$3:" -v n="$4" '
		$1 == p && !h { for (i = 2; i <= NF; i++) c[i] = $i; h = 1; next }
		$1 == p && h  { for (i = 2; i <= NF; i++) if (c[i] == n) print $i }' "$2"
}
xsnmp() { snmp "$1" /proc/net/xtcp/snmp Xtcp "$2"; }
tsnmp() { snmp "$1" /proc/net/snmp Tcp "$2"; }
counters() {	# xa.passive xb.active, and TCP's opens in both
	echo "$(xsnmp $XA PassiveOpens) $(xsnmp $XB ActiveOpens)" \
	     "$(($(tsnmp $XA ActiveOpens) + $(tsnmp $XA PassiveOpens) + $(tsnmp $XB ActiveOpens) + $(tsnmp $XB PassiveOpens)))"
}
# proved NAME BEFORE N: the program made N XTCP connections xb -> xa and no TCP one.
proved() {
	local name=$1 n=$3 b_pas b_act b_tcp a_pas a_act a_tcp
	read -r b_pas b_act b_tcp <<<"$2"
	read -r a_pas a_act a_tcp <<<"$(counters)"
	check_eq "$name: XTCP ActiveOpens in xb rose by $n" "$n" "$((a_act - b_act))"
	check_eq "$name: XTCP PassiveOpens in xa rose by $n" "$n" "$((a_pas - b_pas))"
	check_eq "$name: no TCP connection was opened (Tcp Active/PassiveOpens in xa+xb)" 0 "$((a_tcp - b_tcp))"
}

# The probe: what did socket() give? Prints "domain protocol" per socket.
cat >"$W/probe.py" <<'EOF'
import socket, sys
for spec in sys.argv[1:]:
    fam, typ = {"tcp": (socket.AF_INET, socket.SOCK_STREAM),
                "udp": (socket.AF_INET, socket.SOCK_DGRAM),
                "tcp6": (socket.AF_INET6, socket.SOCK_STREAM),
                "unix": (socket.AF_UNIX, socket.SOCK_STREAM),
                "tcpnb": (socket.AF_INET, socket.SOCK_STREAM | socket.SOCK_NONBLOCK)}[spec]
    try:
        s = socket.socket(fam, typ)
    except OSError as e:
        print("error", e.errno)
        continue
    print(s.getsockopt(socket.SOL_SOCKET, socket.SO_DOMAIN),
          s.getsockopt(socket.SOL_SOCKET, socket.SO_PROTOCOL),
          "nonblock" if not s.getblocking() else "block")
EOF

# A client that sets options, connects non-blocking, and reports what it has.
cat >"$W/client.py" <<'EOF'
import fcntl, os, select, socket, sys
host, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 77)
s.setblocking(False)
rc = s.connect_ex((host, port))
select.select([], [s], [], 10)
err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
s.setblocking(True)
s.sendall(b"ping\n")
s.shutdown(socket.SHUT_WR)
reply = s.recv(100).decode().strip()
print("connect=%s so_error=%d proto=%d nodelay=%d keepalive=%d keepidle=%d nonblock_kept=%d cloexec=%d reply=%s" % (
    os.strerror(rc) if rc else "0", err,
    s.getsockopt(socket.SOL_SOCKET, socket.SO_PROTOCOL),
    s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY),
    s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE),
    s.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
    1 if rc else 0,	# EINPROGRESS proves O_NONBLOCK survived the swap
    1 if fcntl.fcntl(s.fileno(), fcntl.F_GETFD) & fcntl.FD_CLOEXEC else 0,
    reply))
EOF

# A server on two ports: each listener says its protocol (XTCP's sockets
# are AF_INET to the core, as MPTCP's: SO_DOMAIN is 2 on both), answers
# one line.
cat >"$W/server.py" <<'EOF'
import socket, sys, threading
def serve(port):
    l = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind(("0.0.0.0", port))
    l.listen(8)
    print("port", port, "proto", l.getsockopt(socket.SOL_SOCKET, socket.SO_PROTOCOL), flush=True)
    while True:
        c, _ = l.accept()
        c.recv(100)
        c.sendall(b"%d\n" % c.getsockopt(socket.SOL_SOCKET, socket.SO_PROTOCOL))
        c.close()
for p in sys.argv[1:]:
    threading.Thread(target=serve, args=(int(p),), daemon=True).start()
threading.Event().wait()
EOF

# --- 1. without the module ------------------------------------------------
# First, while no XTCP socket exists anywhere yet (rmmod needs that).
nomod() {
	local fb=$1 out
	out=$(XTCPIZE_FALLBACK=$fb xtcpize run python3 "$W/probe.py" tcp tcp 2>"$W/nomod.err")
	echo "$out" | tr '\n' ';'
	echo "warnings=$(grep -c 'AF_XTCP (family [0-9]*) is not available' "$W/nomod.err")"
}
# Earlier tests' leftovers (TIME-WAIT entries, orphans) may hold it a
# while: poll its reference count (60 s at most), then unload it. If it
# still cannot be unloaded, that fails, and the checks run with an
# unknown family number instead (the same EAFNOSUPPORT path in xtcpize),
# under their own names: they are no "no module" checks.
end=$((SECONDS + 60))	# a wall-clock deadline: a loaded VM makes each try slow
while [ $SECONDS -lt $end ] && [ "$(cat /sys/module/xtcp/refcnt 2>/dev/null)" != 0 ]; do
	sleep 0.1
done
if rmmod xtcp 2>"$W/rmmod.err"; then
	on_exit "[ -d /sys/module/xtcp ] || insmod $XTCP_KO"
	r0=$(nomod 0) r1=$(nomod 1)
	insmod "$XTCP_KO" || bail_out "cannot load $XTCP_KO again"
	ok "xtcp.ko unloads for the no-module checks"
	what="no module" how="xtcp.ko unloaded"
else
	not_ok "xtcp.ko unloads for the no-module checks (refcnt $(cat /sys/module/xtcp/refcnt 2>/dev/null)): $(cat "$W/rmmod.err")"
	r0=$(XTCPIZE_FAMILY=46 nomod 0) r1=$(XTCPIZE_FAMILY=46 nomod 1)
	what="unknown family 46" how="XTCPIZE_FAMILY=46, since rmmod failed"
fi
diag "$what ($how): fallback=0: $r0  fallback=1: $r1"
check_eq "$what: socket() fails with EAFNOSUPPORT, the warning is printed once" \
	"error 97;error 97;warnings=1" "$r0"
check_eq "$what, XTCPIZE_FALLBACK=1: TCP sockets, the warning once" \
	"2 6 block;2 6 block;warnings=1" "$r1"
diag "$(head -n 2 "$W/nomod.err")"

lap "the no-module part"

# --- 2. what socket() gives -----------------------------------------------
check_eq "under xtcpize, socket(AF_INET, SOCK_STREAM) is AF_XTCP (SO_DOMAIN 2 as for every IPv4 socket, proto $IPPROTO); SOCK_NONBLOCK kept" \
	"2 $IPPROTO block;2 $IPPROTO nonblock" \
	"$(xtcpize run python3 "$W/probe.py" tcp tcpnb | tr '\n' ';' | sed 's/;$//')"
check_eq "UDP, AF_INET6 and AF_UNIX sockets are left alone" \
	"2 17 block;10 6 block;1 0 block" \
	"$(xtcpize run python3 "$W/probe.py" udp tcp6 unix | tr '\n' ';' | sed 's/;$//')"
check_eq "without xtcpize, the same program gets TCP" "2 6 block" \
	"$(python3 "$W/probe.py" tcp)"

netns_setup

# --- 3. python3 -m http.server -> curl, 50 MB ------------------------------
# (10 MB on the debug kernel: making the file alone takes minutes there)
MB=50; [ "${XTCP_DEBUG_KERNEL:-0}" = 1 ] && MB=10
mkdir -p "$W/www"
head -c ${MB}M /dev/urandom >"$W/www/big"
want=$(sha256sum <"$W/www/big" | cut -d' ' -f1)
bg http $XA xtcpize run python3 -m http.server -b $XA_ADDR -d "$W/www" 8000
wait_listen $XA 8000
lap "making $MB MB, starting http.server"
before=$(counters)
t0=$(date +%s.%N)
in_xb timeout 120 xtcpize run curl -sS --fail -o "$W/got" http://$XA_ADDR:8000/big 2>"$W/curl.err" &
curl_pid=$!
seen=
while kill -0 $curl_pid 2>/dev/null; do
	[ -n "$seen" ] || seen=$(in_xa xtcpstat -Hn state established 2>/dev/null | grep "$XA_ADDR:8000" | head -n1)
	sleep 0.5
done
wait $curl_pid; rc=$?
t1=$(date +%s.%N)
lap "the transfer"
got=$(sha256sum <"$W/got" 2>/dev/null | cut -d' ' -f1)
diag "curl: exit $rc, $(stat -c %s "$W/got" 2>/dev/null) bytes in $(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }") s $(cat "$W/curl.err")"
check_eq "curl under xtcpize fetched $MB MB from python3 -m http.server under xtcpize, sha256 matches" "$want" "$got"
if [ -n "$seen" ]; then ok "xtcpstat in xa showed the connection while it ran: $(echo $seen)"
else not_ok "xtcpstat in xa never showed an ESTAB connection on $XA_ADDR:8000"; fi
proved "http.server/curl" "$before" 1
check_eq "ss -t lists no TCP socket in xa or xb" "" "$(in_xa ss -Htan; in_xb ss -Htan)"
stop http
lap "http.server/curl"

# --- 4. socat -> socat through EXEC:cat (echo), options, half-close --------
head -c 4M /dev/urandom >"$W/f4"
want=$(sha256sum <"$W/f4" | cut -d' ' -f1)
bg socat $XA xtcpize run socat TCP4-LISTEN:7000,bind=$XA_ADDR,reuseaddr,nodelay,keepalive,keepidle=30,keepintvl=5,keepcnt=3 EXEC:cat
wait_listen $XA 7000
before=$(counters)
got=$(in_xb timeout 60 xtcpize run socat -t 10 -T 30 - TCP4:$XA_ADDR:7000,nodelay,mss=1200,keepalive,rcvbuf=262144 \
	<"$W/f4" 2>"$W/socat.err" | sha256sum | cut -d' ' -f1)
check_eq "socat under xtcpize: 4 MB echoed back by socat EXEC:cat after a half-close, sha256 matches" "$want" "$got"
[ -s "$W/socat.err" ] && diag "socat client: $(cat "$W/socat.err")"
proved "socat" "$before" 1
stop socat
lap "socat"

# --- 5. iperf3 -------------------------------------------------------------
bg iperf3 $XA xtcpize run iperf3 -s -B $XA_ADDR -1
wait_listen $XA 5201
before=$(counters)
in_xb timeout 60 xtcpize run iperf3 -c $XA_ADDR -t 2 -J >"$W/iperf3.json" 2>&1; rc=$?
read -r bytes bps cong <<<"$(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
e = j["end"]
print(e["sum_received"]["bytes"], int(e["sum_received"]["bits_per_second"]),
      e.get("sender_tcp_congestion", "-"))' "$W/iperf3.json" 2>/dev/null)"
diag "iperf3: exit $rc, ${bytes:-?} bytes received, ${bps:-?} bit/s, congestion control reported: ${cong:-?}"
if [ "$rc" = 0 ] && [ "${bytes:-0}" -gt 0 ]; then ok "iperf3 -c under xtcpize ran 2 s against iperf3 -s under xtcpize"
else not_ok "iperf3 -c under xtcpize (exit $rc)"; diag "$(tail -n 5 "$W/iperf3.json")"; fi
[ "${cong:-}" = - ] || [ "${cong:-}" = unknown ] && diag "iperf3 reports no congestion control, though TCP_CONGESTION answers \"cubic\" on XTCP"
stop iperf3
lap "iperf3"
proved "iperf3 (control + data connection)" "$before" 2

# --- 6. redis-server / redis-cli / redis-benchmark --------------------------
bg redis $XA xtcpize run redis-server --bind $XA_ADDR --port 6379 --save '' \
	--appendonly no --protected-mode no --dir "$W" --tcp-keepalive 60
wait_listen $XA 6379
before=$(counters)
v=$(in_xb timeout 20 xtcpize run redis-cli -h $XA_ADDR set xtcp-key "over xtcp" 2>&1)
v+=" $(in_xb timeout 20 xtcpize run redis-cli -h $XA_ADDR get xtcp-key 2>&1)"
check_eq "redis-cli under xtcpize: SET then GET against redis-server under xtcpize" "OK over xtcp" "$v"
# 2000 requests per test; 400 on the debug kernel (~35 requests/s there).
NREQ=2000; [ "${XTCP_DEBUG_KERNEL:-0}" = 1 ] && NREQ=400
out=$(in_xb timeout 120 xtcpize run redis-benchmark -h $XA_ADDR -q -n $NREQ -c 20 -t set,get 2>&1 | tr '\r' '\n' |
	grep -E '^(SET|GET): [0-9.]+ requests per second')
if [ "$(grep -c 'requests per second' <<<"$out")" = 2 ]; then
	ok "redis-benchmark under xtcpize: $NREQ SET and $NREQ GET over 20 connections"
	diag "$out"
else
	not_ok "redis-benchmark under xtcpize"; diag "$out" "$(tail -n 5 "$W/redis.log")"
fi
# redis-benchmark: one CONFIG connection, then 20 new clients per test.
proved "redis (2 redis-cli, redis-benchmark: 1 + 2 tests x 20 clients)" "$before" 43
stop redis
lap "redis"

# --- 7. XTCPIZE_PORTS / XTCPIZE_ADDRS: decided at bind() / connect() -------
bg pysrv $XA xtcpize run -p 8000 python3 "$W/server.py" 8000 8001
wait_listen $XA 8000 && wait_listen $XA 8001 tcp
check_eq "XTCPIZE_PORTS=8000: bind(0.0.0.0:8000) becomes AF_XTCP, bind(:8001) stays TCP" \
	"port 8000 proto $IPPROTO;port 8001 proto 6" \
	"$(sort "$W/pysrv.log" | tr '\n' ';' | sed 's/;$//')"
exp="connect=Operation now in progress so_error=0 proto=$IPPROTO nodelay=1 keepalive=1 keepidle=77 nonblock_kept=1 cloexec=1 reply=$IPPROTO"
check_eq "XTCPIZE_PORTS=8000: connect(:8000) swaps in AF_XTCP with the options, O_NONBLOCK and FD_CLOEXEC set before" \
	"$exp" "$(in_xb xtcpize run -p 8000 python3 "$W/client.py" $XA_ADDR 8000 2>&1)"
check_eq "XTCPIZE_PORTS=8000: connect(:8001) stays TCP and works" \
	"${exp//$IPPROTO/6}" "$(in_xb xtcpize run -p 8000 python3 "$W/client.py" $XA_ADDR 8001 2>&1)"
check_eq "XTCPIZE_ADDRS=10.0.0.0/30: connect(10.0.0.1:8000) becomes AF_XTCP" \
	"$exp" "$(in_xb xtcpize run -a 10.0.0.0/30 python3 "$W/client.py" $XA_ADDR 8000 2>&1)"
check_eq "XTCPIZE_ADDRS=10.0.0.9: connect(10.0.0.1:8001) stays TCP" \
	"${exp//$IPPROTO/6}" "$(in_xb xtcpize run -a 10.0.0.9 python3 "$W/client.py" $XA_ADDR 8001 2>&1)"
lap "the XTCPIZE_PORTS/ADDRS part"
# --- 8. nginx: listen ... reuseport, worker_processes 2 --------------------
# The master opens one SO_REUSEPORT listener per worker on the same
# address:port; each connection goes to one of them by its 4-tuple
# (docs/protocol.md §10.4). The access log names the worker ($pid).
NG=$W/nginx
mkdir -p "$NG/www" "$NG/tmp"
echo "served over xtcp" >"$NG/www/index.html"
cat >"$NG/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 2;
user root;
pid $NG/nginx.pid;
error_log $NG/error.log notice;
events { worker_connections 64; }
http {
	log_format w '\$pid \$status';
	access_log $NG/access.log w;
	client_body_temp_path $NG/tmp/body;
	proxy_temp_path $NG/tmp/proxy;
	fastcgi_temp_path $NG/tmp/fastcgi;
	uwsgi_temp_path $NG/tmp/uwsgi;
	scgi_temp_path $NG/tmp/scgi;
	server {
		listen $XA_ADDR:8080 reuseport;
		root $NG/www;
	}
}
EOF
bg nginx $XA xtcpize run nginx -p "$NG" -e "$NG/error.log" -c "$NG/nginx.conf"
wait_listen $XA 8080
n=0
for i in $(seq 1 100); do
	n=$(in_xa xtcpstat -Hln 2>/dev/null | grep -c "$XA_ADDR:8080\b")
	[ "$n" -ge 2 ] && break
	sleep 0.1
done
check_eq "nginx reuseport under xtcpize: two XTCP listeners on $XA_ADDR:8080 (xtcpstat -l)" 2 "$n"
[ "$n" = 2 ] || diag "$(in_xa xtcpstat -ln 2>&1)" "$(tail -n 5 "$NG/error.log" 2>/dev/null)"
before=$(counters)
urls=$(for i in $(seq 1 20); do echo "-o /dev/null http://$XA_ADDR:8080/index.html"; done)
# Connection: close: a new connection, from a new port, for every URL.
out=$(in_xb timeout 60 xtcpize run curl -sS --fail -H 'Connection: close' \
	-w '%{http_code} %{local_port}\n' $urls 2>&1)
check_eq "curl under xtcpize: 20 requests to nginx, 20 times 200" 20 "$(grep -c '^200 ' <<<"$out")"
check_eq "curl: the 20 came from 20 source ports" 20 "$(awk '{ print $2 }' <<<"$out" | sort -u | wc -l)"
proved "nginx reuseport (20 connections)" "$before" 20
diag "requests per nginx worker (count pid): $(awk '$2 == 200 { print $1 }' "$NG/access.log" 2>/dev/null | sort | uniq -c | tr -s ' \n' ' ')"
check_eq "both nginx workers served some of the 20 connections (access log \$pid)" 2 \
	"$(awk '$2 == 200 { print $1 }' "$NG/access.log" 2>/dev/null | sort -u | wc -l)"
stop nginx
lap "nginx reuseport"
tap_done
