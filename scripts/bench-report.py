#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The host half of `make bench`: turns the guest's @-lines (from
scripts/bench-guest.sh) into one table, XTCP next to TCP with the ratio
XTCP/TCP (min / median / max over the repetitions, each repetition's XTCP
run paired with its TCP run), and with --write, docs/performance.md.

    bench-report.py LOG [--meta KEY=VALUE ...] [--write docs/performance.md]
                        [--svg DIR]

--svg DIR also draws DIR/performance.svg (every ratio of the table: the
median as a bar, min-max as a whisker, 1 = parity, the goal marked) and,
when the log has the cwnd part, DIR/cwnd.svg (one connection's cwnd and
throughput over time under loss, XTCP and TCP side by side), with Debian's
python3-matplotlib.

In --write mode, the part of the existing file between
<!-- notes:begin --> and <!-- notes:end --> (the hand-written analysis) is
kept; everything else is regenerated."""
import argparse
import json
import re
import statistics
import sys

NOTES_BEGIN, NOTES_END = "<!-- notes:begin -->", "<!-- notes:end -->"


def parse(path):
    d = {"info": {}, "bench": [], "tw": [], "twfill": [], "segs": [], "cnt": {}, "profile": {},
         "ports": [], "iv": []}
    for raw in open(path, errors="replace"):
        line = raw.rstrip("\r\n").replace("\r", "")
        if not line.startswith("@"):
            continue
        tag, _, rest = line.partition(" ")

        def js(s):
            try:
                return json.loads(s)["results"]
            except (ValueError, KeyError):
                return None
        if tag == "@INFO":
            k, _, v = rest.partition(" ")
            d["info"][k] = v
        elif tag == "@BENCH":
            rep, path_, fam, label, j = rest.split(" ", 4)
            d["bench"].append((int(rep), path_, fam, label, js(j), j))
        elif tag == "@TW":
            phase, rep, tw, j = rest.split(" ", 3)
            d["tw"].append((phase, int(rep), int(tw or 0), js(j)))
        elif tag == "@IV":
            fam, j = rest.split(" ", 1)
            d["iv"].append((fam, js(j), j))
        elif tag == "@PORTS":
            fam, nports, j = rest.split(" ", 2)
            d["ports"].append((fam, int(nports), js(j), j))
        elif tag == "@TWFILL":
            k, tw, j = rest.split(" ", 2)
            d["twfill"].append((int(k), int(tw or 0), js(j)))
        elif tag == "@SEGS":
            fam, mode, rest2 = rest.split(" ", 2)
            kv = dict(re.findall(r"(x[ab][01])=([0-9,]+)", rest2))
            j = js(rest2[rest2.find("{"):]) if "{" in rest2 else None
            d["segs"].append((fam, mode, kv, j))
        elif tag == "@CNT":
            rep, path_, fam, label, rest2 = rest.split(" ", 4)
            kv = dict(re.findall(r"(x[ab][01])=([0-9,]+)", rest2))
            try:
                a0, a1, b0, b1 = ([int(x) for x in kv[k].split(",")] for k in ("xa0", "xa1", "xb0", "xb1"))
            except (KeyError, ValueError):
                continue
            # deltas of: segs_out segs_in retrans probes delayed_acks ip_out ip_in
            d["cnt"][(int(rep), path_, fam, label)] = ([y - x for x, y in zip(a0, a1)],
                                                       [y - x for x, y in zip(b0, b1)])
        elif tag == "@PROFILE":
            fam, mode, text = (rest.split(" ", 2) + [""])[:3]
            d["profile"].setdefault((fam, mode), []).append(text)
    return d


# ---- figures ---------------------------------------------------------------

# (label, result index, key, name, unit, higher_is_better, goal)
FIGURES = [
    ("stream1", 0, "mbit_s", "stream, 1 connection", "Mbit/s", True, 1.0),
    ("stream4", 0, "mbit_s", "stream, 4 connections", "Mbit/s", True, 1.0),
    ("rr", 0, "per_s", "rr 1 B", "trans/s", True, 1.1),
    ("rr", 0, "p50_us", "rr 1 B p50 latency", "us", False, None),
    ("rr", 0, "p99_us", "rr 1 B p99 latency", "us", False, None),
    ("rr", 1, "per_s", "rr 1 KB", "trans/s", True, 1.1),
    ("rr", 1, "p50_us", "rr 1 KB p50 latency", "us", False, None),
    ("rr", 1, "p99_us", "rr 1 KB p99 latency", "us", False, None),
    ("crr", 0, "per_s", "crr (connect, 1 B each way, close)", "conn/s", True, 1.3),
    ("crr", 0, "p50_us", "crr p50 latency", "us", False, None),
]
# Packets per MB from the counters around each run (@CNT): (path, label,
# name, function of (server deltas, client deltas), goal). The deltas are
# segs_out segs_in retrans probes delayed_acks ip_out ip_in (bench-guest.sh's
# segs()); the client (xb) sends the data, the server (xa) the ACKs.
PER_MB = [
    ("veth", "stream1", "stream, 1 connection: IP packets per MB, data (client Ip OutRequests)",
     lambda a, b: b[5], 1.5),
    ("veth", "stream1", "stream, 1 connection: IP packets per MB, ACKs back (server Ip OutRequests)",
     lambda a, b: a[5], 1.5),
    ("veth", "stream4", "stream, 4 connections: IP packets per MB, data (client Ip OutRequests)",
     lambda a, b: b[5], None),
    ("veth", "stream4", "stream, 4 connections: IP packets per MB, ACKs back (server Ip OutRequests)",
     lambda a, b: a[5], None),
]
WAN_PATH = {"delay": "veth, netem 25 ms each way (50 ms RTT)",
            "loss": "veth, netem 25 ms and 0.1% loss each way"}
GRO_PATH = "veth, receiver GRO on, sender TSO/GSO off"
# (label, name, unit, function of (result, server deltas, client deltas), higher, goal)
WAN = [
    ("stream, 1 connection, CUBIC", "Mbit/s", lambda r, a, b: r.get("mbit_s"), True, 0.9),
    ("data segments retransmitted per MB (client's family RetransSegs)", "per MB",
     lambda r, a, b: b[2] / mb(r), False, None),
]
GRO = [
    ("stream, 1 connection", "Mbit/s", lambda r, a, b: r.get("mbit_s"), True, None),
    ("IP packets per MB received by the server (Ip InReceives, after GRO)", "per MB",
     lambda r, a, b: a[6] / mb(r), False, None),
    ("IP packets per MB sent, data (client Ip OutRequests, before the device segments)", "per MB",
     lambda r, a, b: b[5] / mb(r), False, None),
    ("IP packets per MB, ACKs back (server Ip OutRequests)", "per MB",
     lambda r, a, b: a[5] / mb(r), False, None),
]


def mb(r):
    return (r.get("bytes", 0) / 1e6) or None


CONNS = [
    ("connect_per_s", "conns: connections opened", "conn/s", True, None),
    ("slab_per_conn_b", "kernel memory per connection, both ends (slab objects in use)", "bytes", False, 1.0),
    ("sock_obj_b", "socket object (slab XTCP / TCP)", "bytes", False, None),
    ("tw_obj_b", "TIME-WAIT entry (slab xtcp_timewait / tw_sock_TCP)", "bytes", False, None),
    ("tw_slab_per_entry_b", "slab bytes per TIME-WAIT entry (measured)", "bytes", False, None),
]


def fmt(v):
    if v is None:
        return "-"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def spread(vals):
    vals = [v for v in vals if v is not None]
    if not vals:
        return "-"
    m = statistics.median(vals)
    if len(vals) == 1:
        return fmt(m)
    return f"{fmt(m)} ({fmt(min(vals))}–{fmt(max(vals))})"


def ratio_cell(ratios, higher, goal):
    ratios = [r for r in ratios if r is not None]
    if not ratios:
        return "-", "-" if goal is not None else ""
    cell = " / ".join(f"{x:.2f}" for x in (min(ratios), statistics.median(ratios), max(ratios)))
    if goal is None:
        return cell, ""
    m = statistics.median(ratios)
    ok = m >= goal if higher else m <= goal
    return cell, f"{'≥' if higher else '≤'} {goal:g}: {'met' if ok else 'NOT met'}"


def value(res, idx, key):
    if not res or idx >= len(res):
        return None
    r = res[idx]
    if r.get("errors") and not r.get(key):
        return None
    return r.get(key)


# Every ratio row of the table as rendered, for the picture (--svg).
RATIOS = []


def row(path, name, unit, xs, ts, higher, goal):
    rs = [x / t if x is not None and t else None for x, t in zip(xs, ts)]
    RATIOS.append((path, name, [r for r in rs if r is not None], higher, goal))
    cell, g = ratio_cell(rs, higher, goal)
    if not higher:
        name += " (lower is better)"
    return f"| {path} | {name} | {unit} | {spread(xs)} | {spread(ts)} | {cell} | {g} |"


def derived(d, idx, reps, path, label, fn):
    """fn(result, server deltas, client deltas) for each rep and family, or
    None where the run or its counters are missing or failed."""
    out = {}
    for fam in ("xtcp", "tcp"):
        vals = []
        for r in reps:
            res, c = idx.get((r, path, fam, label)), d["cnt"].get((r, path, fam, label))
            if not res or not c or value(res, 0, "bytes") is None:
                vals.append(None)
                continue
            try:
                vals.append(fn(res[0], *c))
            except (TypeError, ZeroDivisionError):
                vals.append(None)
        out[fam] = vals
    return out["xtcp"], out["tcp"]


def main_table(d):
    out = []
    reps = sorted({b[0] for b in d["bench"]})
    idx = {(b[0], b[1], b[2], b[3]): b[4] for b in d["bench"]}
    out.append("| path | figure | unit | XTCP median (min–max) | TCP median (min–max) "
               "| XTCP/TCP min / median / max | goal (on the median) |")
    out.append("|---|---|---|---|---|---|---|")
    for path in ("veth", "lo"):
        for label, i, key, name, unit, higher, goal in FIGURES:
            xs = [value(idx.get((r, path, "xtcp", label)), i, key) for r in reps]
            ts = [value(idx.get((r, path, "tcp", label)), i, key) for r in reps]
            if not any(v is not None for v in xs + ts):
                continue
            out.append(row(path, name, unit, xs, ts, higher, goal))
        if path != "veth":
            continue
        for path_, label, name, fn, goal in PER_MB:
            xs, ts = derived(d, idx, reps, path_, label, lambda r, a, b: fn(a, b) / mb(r))
            if any(v is not None for v in xs + ts):
                out.append(row(path_, name, "per MB", xs, ts, False, goal))
    for cond in ("delay", "loss"):
        for name, unit, fn, higher, goal in WAN:
            xs, ts = derived(d, idx, reps, "wan", cond, fn)
            if any(v is not None for v in xs + ts):
                out.append(row(WAN_PATH[cond], name, unit, xs, ts, higher, goal))
    for name, unit, fn, higher, goal in GRO:
        xs, ts = derived(d, idx, reps, "gro", "stream1", fn)
        if any(v is not None for v in xs + ts):
            out.append(row(GRO_PATH, name, unit, xs, ts, higher, goal))
    for key, name, unit, higher, goal in CONNS:
        xs = [value(idx.get((r, "veth", "xtcp", "conns")), 0, key) for r in reps]
        ts = [value(idx.get((r, "veth", "tcp", "conns")), 0, key) for r in reps]
        if not any(v is not None for v in xs + ts):
            continue
        rs = [x / t if x is not None and t else None for x, t in zip(xs, ts)]
        cell, g = ratio_cell(rs, higher, goal)
        if key == "tw_obj_b":
            ok = xs and xs[0] is not None and xs[0] <= 128
            g = f"XTCP ≤ 128 bytes: {'met' if ok else 'NOT met'}"
        RATIOS.append(("veth", name, [r for r in rs if r is not None], higher, goal))
        if not higher:
            name += " (lower is better)"
        out.append(f"| veth | {name} | {unit} | {spread(xs)} | {spread(ts)} | {cell} | {g} |")
    return out


def errors(d):
    out = []
    for rep, path, fam, label, res, raw in d["bench"]:
        if res is None:
            out.append(f"- rep {rep} {path} {fam} {label}: no result: `{raw[:200]}`")
            continue
        for r in res:
            if r.get("errors") or r.get("first_error", "Success") not in ("Success",):
                out.append(f"- rep {rep} {path} {fam} {label} {r.get('size', '')}: "
                           f"{r.get('errors', 0)} error(s), first: {r.get('first_error')}")
    return out


def conns_detail(d):
    out = []
    for fam in ("xtcp", "tcp"):
        rs = [b[4][0] for b in d["bench"] if b[2] == fam and b[3] == "conns" and b[4]]
        if not rs:
            continue
        r = rs[0]
        out.append(f"- {fam.upper()}: {r['established']} of {r['target']} connections; "
                   f"slab caches that grew most (object size × objects per connection): "
                   f"{r.get('slab_top', '-')}; TIME-WAIT limit {r.get('tw_limit')}; estimated fit in "
                   f"{r.get('memavail_kb', 0) // 1024} MB available: {r.get('est_conns_fit', 0):,.0f} "
                   f"connections, {r.get('est_tw_fit', 0):,.0f} TIME-WAIT entries")
    return out


def ports_table(d):
    """Issue 10's port-reuse figure: >= 20,000 connections per minute through
    200 ports with no EADDRNOTAVAIL, where TCP runs out after ~200."""
    out = []
    if not d["ports"]:
        return out
    out.append("| family | ephemeral ports | connections in the run | per minute | errors "
               "| first error (after N connections) | goal |")
    out.append("|---|---|---|---|---|---|---|")
    for fam, nports, res, raw in d["ports"]:
        if not res:
            out.append(f"| {fam.upper()} | {nports} | no result: `{raw[:120]}` | | | | |")
            continue
        r = res[0]
        secs = r.get("seconds") or 0
        n = r.get("transactions", 0)
        per_min = n / secs * 60 if secs else 0
        errs = r.get("errors", 0)
        first = (f"{r.get('first_error')} (after {r.get('first_error_at', '?'):,})"
                 if errs else "none")
        goal = ""
        if fam == "xtcp":
            ok = per_min >= 20000 and errs == 0
            goal = f"≥ 20,000/min, 0 EADDRNOTAVAIL: {'met' if ok else 'NOT met'}"
        rate = f"{per_min:,.0f}" if not errs else "- (stopped: out of ports)"
        out.append(f"| {fam.upper()} | {nports} | {n:,} in {secs:.0f} s | {rate} | {errs:,} "
                   f"| {first} | {goal} |")
    return out


def zc_table(d):
    """sendfile(2) against write(2), one connection over the veth (path zc):
    the CPU time per MB of each, per family, and what sendfile saves."""
    runs = {}
    for rep, path, fam, label, res, raw in d["bench"]:
        if path != "zc" or not res:
            continue
        v = value(res, 0, "cpu_us_per_mb")
        mbit = value(res, 0, "mbit_s")
        if v:
            runs.setdefault((fam, label), []).append((rep, v, mbit))
    if not runs:
        return []
    o = ["| family | send with | CPU µs per MB, median (min–max) | Mbit/s, median | "
         "sendfile saves, median of the reps |", "|---|---|---|---|---|"]
    for fam in ("xtcp", "tcp"):
        w = {r: v for r, v, _ in runs.get((fam, "write"), [])}
        for label in ("write", "sendfile"):
            rs = runs.get((fam, label), [])
            if not rs:
                continue
            save = ""
            if label == "sendfile":
                sv = [1 - v / w[r] for r, v, _ in rs if w.get(r)]
                if sv:
                    save = f"{statistics.median(sv) * 100:.0f} %"
            o.append(f"| {'XTCP' if fam == 'xtcp' else 'TCP'} | {label}(2) | "
                     f"{spread([v for _, v, _ in rs])} | "
                     f"{fmt(statistics.median([m for _, _, m in rs if m is not None] or [0]))} | {save} |")
    return o


def tw_table(d):
    out = []
    none = {rep: (tw, res) for ph, rep, tw, res in d["tw"] if ph == "none"}
    full = {rep: (tw, res) for ph, rep, tw, res in d["tw"] if ph == "full"}
    if not none or not full:
        return out

    def rate(x):
        return value(x[1], 0, "per_s") if x else None
    reps = sorted(set(none) | set(full))
    ns = [rate(none.get(r)) for r in reps]
    fs = [rate(full.get(r)) for r in reps]
    rs = [f / n if f is not None and n else None for n, f in zip(ns, fs)]
    cell, g = ratio_cell(rs, True, 0.9)
    twn = [none[r][0] for r in reps if r in none]
    twf = [full[r][0] for r in reps if r in full]
    out.append("| XTCP crr | TIME-WAIT entries present (server netns) | conn/s median (min–max) "
               "| p50 us median | with / without: min / median / max | goal |")
    out.append("|---|---|---|---|---|---|")
    out.append(f"| none | {min(twn):,}–{max(twn):,} | {spread(ns)} | "
               f"{fmt(statistics.median([value(none[r][1], 0, 'p50_us') or 0 for r in reps if r in none]))} | | |")
    out.append(f"| {min(twf):,}+ | {min(twf):,}–{max(twf):,} | {spread(fs)} | "
               f"{fmt(statistics.median([value(full[r][1], 0, 'p50_us') or 0 for r in reps if r in full]))} "
               f"| {cell} | {g} |")
    return out


def segs_table(d):
    out = ["| family | mode | result | client→server packets (family / IP) | server→client packets "
           "(family / IP) | retransmissions | tail loss probes | delayed ACKs |",
           "|---|---|---|---|---|---|---|---|"]
    for fam, mode, kv, res in d["segs"]:
        try:
            a0, a1, b0, b1 = ([int(x) for x in kv[k].split(",")] for k in ("xa0", "xa1", "xb0", "xb1"))
        except (KeyError, ValueError):
            continue
        da = [y - x for x, y in zip(a0, a1)] + [0] * 7	# server xa
        db = [y - x for x, y in zip(b0, b1)] + [0] * 7	# client xb
        r = res[0] if res else {}
        if mode == "stream":
            mb = r.get("bytes", 0) / 1e6 or 1
            unit, div, what = "per MB", mb, f"{r.get('mbit_s', 0):.0f} Mbit/s"
        else:
            n = r.get("transactions", 0) or 1
            unit, div, what = "per transaction", n, f"{r.get('per_s', 0):.0f}/s"
        out.append(f"| {fam} | {mode} | {what} | {db[0] / div:.1f} / {db[5] / div:.1f} {unit} | "
                   f"{da[0] / div:.1f} / {da[5] / div:.1f} {unit} | {(da[2] + db[2]) / div:.3f} | "
                   f"{(da[3] + db[3]) / div:.3f} | {(da[4] + db[4]) / div:.3f} |")
    return out if len(out) > 2 else []


CATEGORIES = [
    ("XTCP module (xtcp_*)", re.compile(r"^xtcp_")),
    ("Linux TCP (tcp_*, inet_csk*, inet_*hash*)", re.compile(r"^(__)?(tcp|inet_csk|inet_hash|__inet_hash|inet_ehash|inet_twsk|inet_lookup|__inet_lookup|inet_bind)")),
    ("IP, routing, netfilter", re.compile(r"^(__)?(ip_|ipv4_|fib_|nf_|dst_|rt_|ip_route|raw_local|icmp)")),
    ("device, veth/lo, softirq (netif, napi, veth, loopback)", re.compile(r"^(__)?(netif|napi|veth|loopback|dev_|net_rx|process_backlog|gro|__napi|do_softirq|handle_softirqs|__do_softirq|validate_xmit|sch_|qdisc|eth_|__dev_)")),
    ("skb alloc/free, copies, checksums", re.compile(r"^(__)?(skb|kfree_skb|alloc_skb|__alloc_skb|kmalloc|kmem_cache|__kmem_cache|kfree|slab|___slab|__slab|page_frag|copy_|_copy|memcpy|memset|memmove|csum|rep_movs|clear_page|csum_partial|sock_rfree|sock_wfree|build_skb|napi_alloc)")),
    ("sockets, syscalls, epoll, scheduler", re.compile(r"^(__)?(sock|sk_|inet_sendmsg|inet_recvmsg|sys_|x64_sys|do_syscall|entry_SYSCALL|syscall|ep_|do_epoll|__fget|fput|schedule|__schedule|pick_next|try_to_wake|wake_up|__wake_up|finish_task_switch|enqueue|dequeue|update_|select_task|ttwu|futex|release_sock|lock_sock|lockref|security_|apparmor|fsnotify|vfs_|ksys_|new_sync|rw_verify|__fdget|__x64_sys)")),
    ("spin locks / IRQ re-enable points (time with IRQs off lands here)", re.compile(r"^(_raw_spin|native_queued_spin|queued_spin|_raw_read|_raw_write)")),
    ("timers, RCU, clock", re.compile(r"^(__)?(hrtimer|run_timer|timer|mod_timer|rcu|call_rcu|ktime|read_hpet|read_tsc|clockevents|tick_|lapic|irq_|__irq|sysvec|asm_sysvec|native_apic|update_process_times|account_)")),
    ("idle", re.compile(r"^(native_safe_halt|default_idle|arch_cpu_idle|cpu_idle|do_idle|poll_idle|mwait|acpi_idle|intel_idle)")),
]


def profile_tables(d):
    out = []
    for (fam, mode), lines in sorted(d["profile"].items(), key=lambda x: (x[0][1], x[0][0])):
        rows = []
        for l in lines:
            m = re.match(r"\s*([0-9.]+)%\s+\[(.)\]\s+(\S+)", l)
            if m:
                rows.append((float(m.group(1)), m.group(2), m.group(3)))
        if not rows:
            out.append(f"- {fam} {mode}: {' '.join(lines)[:200]}")
            continue
        cats = {c: 0.0 for c, _ in CATEGORIES}
        cats["user space"] = cats["other kernel"] = 0.0
        for pct, kind, sym in rows:
            if kind != "k":
                cats["user space"] += pct
                continue
            for c, rx in CATEGORIES:
                if rx.search(sym):
                    cats[c] += pct
                    break
            else:
                cats["other kernel"] += pct
        idle = cats.pop("idle")
        busy = sum(cats.values()) or 1
        top = [f"{s} {p:.1f}%" for p, k, s in rows if not re.match(r"native_safe_halt|default_idle", s)][:10]
        share = ", ".join(f"{c} {100 * v / busy:.0f}%" for c, v in sorted(cats.items(), key=lambda x: -x[1]) if v >= 0.05 * busy / 5)
        out.append(f"- **{fam.upper()} {mode}** (idle {idle:.0f}% of all samples; shares of the busy samples "
                   f"≥ 0.1% each, summed): {share}.  \n  Top symbols: {', '.join(top)}")
    return out


def wan_text(d):
    info = d["info"]
    if not any(k[1] == "wan" for k in d["cnt"]):
        return []
    o = ["", "### Long fat pipe (netem) and GRO", "",
         f"**wan**: netem on both ends of the veth pair (`tc qdisc replace dev va|vb root netem delay 25ms "
         f"[loss 0.1%] limit 10000`), so 50 ms RTT, without and then with 0.1% loss each way; one "
         f"connection for {info.get('wan_time', '?')} s, XTCP and TCP alternating, both with CUBIC; "
         "the qdiscs are removed afterwards (the later parts run without them). netem acts on the "
         "packets as handed to the device: a GSO packet of up to 64 KB, XTCP's or TCP's, is delayed "
         "or lost whole, so 0.1% loss drops up to ~45 segments at a time and far fewer than 0.1% of "
         "the segments overall (how large each family's packets are: the IP packets per MB rows "
         "above). TCP's per-destination metrics (a loss run's ssthresh reused by the next "
         "connection) are off here (tcp_no_metrics_save=1); XTCP keeps none.", ""]
    for ns in ("xa", "xb"):
        role = "server, receiver" if ns == "xa" else "client, sender"
        o.append(f"- {ns} ({role}): {info.get('wan_cc_' + ns, '?')}; buffers: {info.get('wan_buf_' + ns, '?')}")
    idx = {(b[0], b[1], b[2], b[3]): b[4] for b in d["bench"]}
    rates = [value(idx.get(k), 0, "mbit_s") for k in idx if k[1] == "wan"]
    rates = [r for r in rates if r]
    if rates:
        bdp = max(rates) * 1e6 * 0.050 / 8

        def num(ns, rx):
            m = re.search(rx, info.get("wan_buf_" + ns, ""))
            return int(m.group(1)) if m else 0
        lim = {"TCP receive window (tcp_rmem[2] / 2, tcp_adv_win_scale=1)":
               num("xa", r"tcp_rmem=\d+ \d+ (\d+)"),
               "XTCP receive window (net.xtcp.rmem_max / 2)": num("xa", r"xtcp\.rmem_max=(\d+)"),
               "TCP send buffer (tcp_wmem[2])": 2 * num("xb", r"tcp_wmem=\d+ \d+ (\d+)"),
               "XTCP send buffer (net.xtcp.wmem_max)": 2 * num("xb", r"xtcp\.wmem_max=(\d+)")}
        parts = [f"{k} {v // 2 // 1024:,} KB: {'fits' if v // 2 >= bdp else 'does NOT fit'}"
                 for k, v in lim.items() if v]
        o.append(f"- The pipe at the fastest wan run ({max(rates):.0f} Mbit/s) holds {bdp / 1024:,.0f} KB "
                 f"(rate × 50 ms), against the largest windows the buffer maxima allow (a receive "
                 f"buffer advertises half of itself as window; a send buffer counts skb truesize, so "
                 f"it holds somewhat less data than its size): {'; '.join(parts)}.")
    for k in ("wan_qdisc_delay", "wan_qdisc_loss", "wan_qdisc_after"):
        if k in info:
            o.append(f"- qdiscs {k[10:]}: {info[k]}")
    return o


def gro_text(d):
    info = d["info"]
    if not any(k[1] == "gro" for k in d["cnt"]):
        return []
    o = ["", f"**gro**: `ethtool -K va gro on` on the server's (receiving) veth end, which gives veth "
         "a NAPI context and so GRO, and `ethtool -K vb tso off gso off tx-sctp-segmentation off` on "
         "the client's (sending) end (tx-sctp-segmentation: the GSO type XTCP's large skbs carry), "
         "so the wire carries MTU-sized packets and a large skb exists on the receiving side only if "
         "GRO built it. veth runs its NAPI on the sending CPU, once per packet when a sender sends "
         "from process context, where a NIC's interrupt coalescing would hand GRO bursts: "
         "`gro_flush_timeout` 2 ms on va keeps what GRO holds across polls, for both families. Stream, one connection, both families; \"received\" counts Ip InReceives in "
         "the server's namespace, one per packet GRO hands to IP (without GRO, one per MTU-sized segment: about 690 per MB). "
         "TCP's sender still builds GSO packets (TCP always does) that the stack cuts to MTU size at "
         "the device, so its \"sent\" IP count stays low; XTCP's sender builds one skb per segment "
         "when the device has no GSO for it. The offloads are restored afterwards.", ""]
    for k, what in (("gro_before", "before"), ("gro_during", "during"), ("gro_after", "after"),
                    ("gro_error", "error")):
        if k in info:
            o.append(f"- offloads {what}: {info[k]}")
    return o


def render(d, meta):
    RATIOS.clear()
    o = []
    info = d["info"]
    o.append("## Results")
    o.append("")
    if "performance.svg" in d.get("pictures", []):
        o += ["![Every XTCP/TCP ratio of the table below: the median as a bar, min–max as a "
              "whisker, the goal as a tick, 1 dashed](performance.svg)", ""]
    o.append(f"Guest kernel {info.get('kernel', '?')}, {info.get('cpus', '?')} vCPUs, "
             f"{info.get('memory', '?')}, QEMU TCG (software emulation, no KVM); "
             f"{info.get('reps', '?')} repetitions of {info.get('time', '?')} s per figure "
             f"({info.get('wan_time', '?')} s for the netem ones); "
             f"veth MTU {info.get('mtu', '?')}; defaults: {info.get('sysctl', '?')}.")
    for k, v in meta.items():
        o.append(f"{k}: {v}.  ")
    o.append("")
    o += main_table(d)
    o += wan_text(d)
    o += gro_text(d)
    errs = errors(d)
    if errs:
        o += ["", "Errors reported by xtcpperf during the runs:", ""] + errs
    o += cwnd_text(d)
    pt_ = ports_table(d)
    if pt_:
        o += ["", "### Client ports in TIME-WAIT (issue 10: docs/protocol.md §32)", "",
              "The client closes first (crr --close client: connect, 1 B each way, close; the "
              "server closes on the client's FIN), one connection at a time, through a 200-port "
              "ephemeral range in xb (net.xtcp.local_port_range and net.ipv4.ip_local_port_range). "
              f"Sysctls: {info.get('ports_sysctl', '?')}. A TIME-WAIT entry is a "
              f"{info.get('tw_entry_bytes', '?')}-byte slab object (/proc/slabinfo, xtcp_timewait).",
              ""] + pt_
    zc = zc_table(d)
    if zc:
        o += ["", "### Zero copy: sendfile(2) against write(2) (issue 14: docs/protocol.md §11.10)", "",
              "One connection over the veth for the figure's duration: the client writes a 128 KB "
              "buffer, or sends a 16 MB page-cache-warm file with sendfile(2) (`xtcpperf "
              "--sendfile`); the server reads into a buffer either way. CPU time per MB delivered "
              "is the busy time of the whole VM (/proc/stat: both ends, pinned to vCPU 0), so the "
              "saving is what the sender no longer copies.", ""] + zc
    cd = conns_detail(d)
    if cd:
        o += ["", "Memory (conns mode: "
              "connections opened from xb to xa, both ends' kernel objects counted):", ""] + cd
    tw = tw_table(d)
    if tw:
        o += ["", "### crr with TIME-WAIT entries present", ""]
        fills = d["twfill"]
        o.append("Two fresh pairs of namespaces, each with a pinned XTCP server (tw_timeout_ms=600000): "
                 f"one filled with {info.get('tw_fill', '?')} ({len(fills)} `xtcpperf -m conns --close now` "
                 "runs from other source addresses with explicit ports: the server closes first, one entry "
                 "per connection), the other not; then crr alternates between the two, the order flipped "
                 "on every repetition (the pairs differ only by the entries; crr itself adds a few hundred "
                 "to both).")
        o.append("")
        o.append(f"Counters after the fill, {info.get('tw_counters', '?')}; "
                 f"{info.get('tw_client_counters', '?')}.")
        o.append("")
        o += tw
    sg = segs_table(d)
    if sg:
        o += ["", "### Packets per byte and per transaction (veth, one run each)", "",
              "\"family\" counts segments in /proc/net/xtcp/snmp or TCP's /proc/net/snmp; \"IP\" "
              "counts packets handed to / received from IP (Ip OutRequests/InReceives), where one TCP "
              "GSO/GRO packet carries many segments.", ""] + sg
    pt = profile_tables(d)
    if pt:
        o += ["", "### Profile (perf record -a -e cpu-clock inside the VM, veth, one run each)", ""] + pt
    return "\n".join(o)


HEADER = """# XTCP performance

Written by `make bench WRITE=1` (scripts/bench.sh, scripts/bench-guest.sh,
scripts/bench-report.py). Every figure comes from `xtcpperf`, the same
program and code path for both families (`-f xtcp` / `-f tcp`), run in ONE
VM boot: XTCP and Linux TCP alternate for each figure, the order flipped on
every repetition; "XTCP/TCP" pairs each repetition's XTCP run with its TCP
run and gives min / median / max of those ratios.

- **veth**: client in netns xb, server in xa, a veth pair, MTU 1500.
  **lo**: both in xa over 127.0.0.1 (MTU 65536).
- **veth, netem**: the same veth pair with netem on both ends, 25 ms each
  way (50 ms RTT), without and with 0.1% loss each way, one connection for
  10 s, CUBIC for both families.
  **veth, receiver GRO on**: the receiving end with GRO (veth NAPI), the
  sending end with no segmentation offload, so only GRO makes large skbs.
- Both ends are pinned to vCPU 0 (`taskset -c 0`): under QEMU TCG a wake-up
  on the other vCPU waits for the host to run that vCPU's thread
  (milliseconds on the shared 2-core host), which swamps the protocol.
  Pinned, each figure measures how much CPU the stack needs per byte or per
  transaction.
- **stream**: 128 KB writes for the duration, counted until the server has
  read everything (it closes after the client's FIN). **rr**: one
  connection, request and response of 1 B / 1 KB, TCP_NODELAY.
  **crr**: connect, 1 B each way, the server closes first (HTTP/1.0 style:
  TIME-WAIT on the server), the client waits for EOF and closes.
  **conns**: 2000 connections opened (≤ 256 connecting at a time), kernel
  memory = growth of the objects in use in /proc/slabinfo (both ends:
  sockets, files, inodes, dentries, epoll items) per connection; then the
  client closes first and the TIME-WAIT entries in its netns are counted.
- **IP packets per MB**: Ip OutRequests in the client's (data) and the
  server's (ACK) namespace around each veth stream run, per MB delivered.
- The absolute numbers are those of an emulated CPU (TCG is 10-50x slower
  than hardware) on a host shared with other VMs; ratios are what to read.
"""


def write_doc(path, d, meta):
    notes = ""
    try:
        old = open(path).read()
        if NOTES_BEGIN in old and NOTES_END in old:
            notes = old[old.index(NOTES_BEGIN) + len(NOTES_BEGIN):old.index(NOTES_END)].strip("\n")
    except FileNotFoundError:
        pass
    if not notes:
        notes = "(No notes yet: add the analysis of the profile here; `make bench WRITE=1` keeps it.)"
    with open(path, "w") as f:
        f.write(HEADER + "\n" + render(d, meta) + "\n\n## Where XTCP's time goes (notes)\n\n"
                + NOTES_BEGIN + "\n" + notes + "\n" + NOTES_END + "\n")


def cwnd_text(d):
    if not d["iv"]:
        return []
    info = d["info"]
    o = ["", "### One connection under loss, over time (cwnd.svg)", "",
         f"`xtcpperf -m stream -i {info.get('cwnd_interval', '?')}` for "
         f"{info.get('cwnd_time', '?')} s, one connection, CUBIC for both, through "
         f"{info.get('cwnd_qdisc', '?')}: throughput is what the peer acknowledged in each "
         "interval, cwnd the sender's (XTCP_INFO, TCP_INFO). XTCP and TCP one after the other "
         "in the same boot.", ""]
    if "cwnd.svg" in d.get("pictures", []):
        o += ["![cwnd and acknowledged throughput over time, XTCP and TCP](cwnd.svg)", ""]
    o.append("| family | Mbit/s (whole run) | intervals | retransmissions | cwnd median (min–max) |")
    o.append("|---|---|---|---|---|")
    for fam, res, raw in d["iv"]:
        if not res:
            o.append(f"| {fam.upper()} | no result: `{raw[:120]}` | | | |")
            continue
        r = res[0]
        iv = r.get("intervals", [])
        cw = [x["cwnd"] for x in iv if x.get("cwnd")]
        o.append(f"| {fam.upper()} | {fmt(r.get('mbit_s'))} | {len(iv)} | "
                 f"{iv[-1]['retrans'] if iv else '-'} | {spread(cw)} |")
    return o


def svg_ratios(path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = [r for r in RATIOS if r[2]]
    if not rows:
        return False
    fig, ax = plt.subplots(figsize=(13, 0.3 * len(rows) + 1.8))
    ys = list(range(len(rows)))[::-1]
    for y, (where, name, rs, higher, goal) in zip(ys, rows):
        med, lo, hi = statistics.median(rs), min(rs), max(rs)
        good = med >= 1 if higher else med <= 1
        if goal is not None:
            good = med >= goal if higher else med <= goal
        ax.barh(y, med - 1, left=1, height=0.6, color="#4c9a2a" if good else "#c0504d", alpha=0.8)
        ax.plot([lo, hi], [y, y], color="black", linewidth=1)
        ax.plot([lo, lo], [y - 0.18, y + 0.18], color="black", linewidth=1)
        ax.plot([hi, hi], [y - 0.18, y + 0.18], color="black", linewidth=1)
        if goal is not None:
            ax.plot([goal, goal], [y - 0.35, y + 0.35], color="#1f4e79", linewidth=2)
        ax.text(max(hi, 1) * 1.06, y, f"{med:.2f}", va="center", fontsize=7)
    ax.axvline(1.0, color="gray", linestyle="--", linewidth=1)
    # Ratios: a log scale puts 0.5 and 2 at the same distance from 1.
    ax.set_xscale("log")

    def short(where, name, higher):
        label = f"{where}: {name}"
        label = re.sub(r" \((client|server) Ip [^)]*\)", "", label)
        label = label.replace("veth, receiver GRO on, sender TSO/GSO off", "veth+GRO")
        label = label.replace("veth, netem 25 ms and 0.1% loss each way", "50 ms RTT, 0.1% loss")
        label = label.replace("veth, netem 25 ms each way (50 ms RTT)", "50 ms RTT")
        if len(label) > 70:
            label = label[:68] + "…"
        return label + ("" if higher else " ↓")
    ax.set_yticks(ys)
    ax.set_yticklabels([short(w, n, h) for w, n, _, h, _ in rows], fontsize=7)
    ax.set_xlabel("XTCP / TCP, log scale (bar: median of the repetitions, whisker: min–max, "
                  "blue tick: the goal, dashed: parity; ↓: lower is better)", fontsize=8)
    ax.set_title("XTCP against Linux TCP in the same VM boot (green: goal met, or no goal "
                 "and better than TCP)", fontsize=9)
    lo = min(min(r[2]) for r in rows)
    hi = max(max(r[2]) for r in rows)
    ax.set_xlim(min(lo, 0.5) / 1.3, max(hi, 2) * 1.5)
    fig.tight_layout()
    fig.savefig(path, format="svg", metadata={"Date": None})
    plt.close(fig)
    return True


def svg_cwnd(path, d):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    runs = [(fam, res[0].get("intervals", [])) for fam, res, _ in d["iv"] if res]
    runs = [(f, iv) for f, iv in runs if iv]
    if not runs:
        return False
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    colour = {"xtcp": "#c55a11", "tcp": "#2e75b6"}
    for fam, iv in runs:
        t = [0] + [x["t"] for x in iv]
        a1.step(t, [iv[0]["cwnd"]] + [x["cwnd"] for x in iv], where="pre",
                label=fam.upper(), color=colour.get(fam))
        a2.step(t, [max(iv[0]["mbit_s"], 0.5)] + [max(x["mbit_s"], 0.5) for x in iv], where="pre",
                label=fam.upper(), color=colour.get(fam))
    # Slow start reaches thousands, the loss-bound steady state tens:
    # a log scale shows both.
    a1.set_yscale("log")
    a2.set_yscale("log")
    a2.set_ylim(bottom=0.5)
    a1.set_ylabel("cwnd (segments, log)")
    a2.set_ylabel("acknowledged, Mbit/s (log)")
    a2.set_xlabel("seconds")
    a1.legend(fontsize=8)
    info = d["info"]
    a1.set_title(f"One connection, {info.get('cwnd_path', 'netem')}; "
                 f"xtcpperf -i {info.get('cwnd_interval', '?')}, CUBIC for both", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, format="svg", metadata={"Date": None})
    plt.close(fig)
    return True


def write_svgs(outdir, d):
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("bench-report: python3-matplotlib is missing (make deps installs it): no SVG",
              file=sys.stderr)
        return False
    ok = True
    for name, fn in (("performance.svg", svg_ratios), ("cwnd.svg", lambda p: svg_cwnd(p, d))):
        p = f"{outdir}/{name}"
        if fn(p):
            d["pictures"].append(name)
            print(f"bench-report: wrote {p}", file=sys.stderr)
        elif name == "performance.svg":
            ok = False
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("log")
    ap.add_argument("--meta", action="append", default=[])
    ap.add_argument("--write")
    ap.add_argument("--svg", metavar="DIR")
    a = ap.parse_args()
    d = parse(a.log)
    meta = dict(m.split("=", 1) for m in a.meta)
    if not d["bench"] and not d["tw"] and not d["ports"] and not d["iv"]:
        print(f"bench-report: no results in {a.log}", file=sys.stderr)
        return 1
    text = render(d, meta)	# fills RATIOS, which the picture draws
    print(text)
    d["pictures"] = []
    if a.svg and not write_svgs(a.svg, d):
        return 1
    if a.write:
        write_doc(a.write, d, meta)
        print(f"\nbench-report: wrote {a.write}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
