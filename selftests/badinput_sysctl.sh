#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Bad writes to net.xtcp.* and who may write them.
#
# Bounds: the Range column of docs/protocol.md §21.1 is the specification.
# Every sysctl the module registers must have a row there; for each, in a
# namespace of the test's own, writes below the minimum, above the maximum,
# beyond INT_MAX, of text, of nothing and of trailing junk fail with EINVAL
# and leave the value as it was, and the minimum and the maximum
# themselves are taken. local_port_range and the rto_min_ms/rto_max_ms
# pair also have their cross checks (low <= high, min <= max). A sysctl
# that takes names (congestion_control: "one of `cubic`, `reno`") takes
# each name, and refuses any other (ENOENT, as Linux's
# tcp_congestion_control) leaving the value as it was.
#
# Permissions, as Linux's own per-namespace net.* sysctls: a non-root user,
# also as root of a user namespace of its own, cannot write the initial
# namespace nor one that real root created (EACCES), can write one it
# created inside its user namespace (only that one changes), and cannot
# write through a descriptor root opened (EPERM, checked at each write).
#
# The test runs in a network namespace of its own (it re-executes itself
# under unshare -n), so that its writes are plain file writes of this
# shell, and reaches the initial namespace through nsenter -t 1 -n.
#
# Scale: the same in every tier (about 200 writes and a dozen privilege
# changes); about 40 s on the stock kernel under TCG on a loaded host, a
# third the writes, the rest the execs of setpriv, unshare and nsenter.
if [ -z "${XTCP_BADINPUT_NETNS:-}" ] && command -v unshare >/dev/null; then
	XTCP_BADINPUT_NETNS=1 exec unshare -n bash "$0" "$@"
fi
. "$(dirname "$(readlink -f "$0")")/lib.sh"

require_root
require_module xtcp
require_cmd setpriv
require_cmd unshare
require_cmd nsenter
[ -n "${XTCP_BADINPUT_NETNS:-}" ] || bail_out "not in a namespace of its own"

P=/proc/sys/net/xtcp
DOC=$XTCP_TOP/docs/protocol.md
INT_MAX=2147483647

# ---- the bounds, from the documentation ------------------------------
declare -A LO HI
# One awk for the whole table (an exec is slow in the VM): "name lo hi"
# from the first [lo, hi] of each row's Range column.
while read -r name lo hi; do
	[ "$hi" = INT_MAX ] && hi=$INT_MAX
	LO[$name]=$lo
	HI[$name]=$hi
done < <(awk -F'|' '
	/^### 21\.1 / { on = 1; next }
	/^##/ { on = 0 }
	on && /^\| `/ {
		name = $2; gsub(/[ `]/, "", name)
		if ($4 ~ /one of `/) {
			# the names, comma-joined: "name names a,b"
			r = $4; sub(/.*one of /, "", r); gsub(/[` ]/, "", r)
			print name, "names", r
			next
		}
		if (!match($4, /\[[^]]*\]/)) next
		r = substr($4, RSTART + 1, RLENGTH - 2); gsub(/ /, "", r)
		split(r, b, ",")
		print name, b[1], b[2]
	}' "$DOC")
[ ${#LO[@]} -gt 0 ] || bail_out "no sysctl rows found in $DOC §21.1"

in_init() { nsenter -t 1 -n "$@"; }
# No subshells in the loops below: a fork costs much under TCG.
ERRF=$(mktemp)
on_exit "rm -f $ERRF"
# RD = this namespace's value of sysctl $1 (the two ports joined by a space).
rd() { local a b; read -r a b <"$P/$1"; RD="$a${b:+ $b}"; }
# Write $2 (followed by a newline) to sysctl $1 here; WR_ERR = the shell's
# error, if any; the status is the write's.
wr() {
	local rc
	{ printf '%s\n' "$2" >"$P/$1"; } 2>"$ERRF"
	rc=$?
	WR_ERR=
	read -r WR_ERR <"$ERRF" || true
	return $rc
}

init_snapshot() { in_init grep -r . "$P" 2>/dev/null | sort; }
INIT_BEFORE=$(init_snapshot)

# One refused write: EINVAL (or $3, e.g. ENOENT) and the value unchanged.
refused() {
	local f=$1 v=$2 e=${3:-EINVAL} before out after rc text
	case $e in
	EINVAL) text="Invalid argument" ;;
	ENOENT) text="No such file or directory" ;;
	esac
	rd "$f"; before=$RD
	wr "$f" "$v"; rc=$?; out=$WR_ERR
	rd "$f"; after=$RD
	if [ $rc -ne 0 ] && [[ $out == *"$text"* ]] && [ "$after" = "$before" ]; then
		ok "$f: '$v' refused with $e, value unchanged"
	else
		not_ok "$f: '$v' refused with $e, value unchanged"
		diag "status $rc, '$out', before '$before', after '$after'"
	fi
}

taken() {
	local f=$1 v=$2 out after rc
	wr "$f" "$v"; rc=$?; out=$WR_ERR
	rd "$f"; after=$RD
	if [ $rc -eq 0 ] && [ "$after" = "$v" ]; then
		ok "$f: '$v' taken"
	else
		not_ok "$f: '$v' taken"
		diag "status $rc, '$out', reads '$after'"
	fi
}

files=$(ls "$P")
check "the module has sysctls in a new namespace" test -n "$files"

# rto_max_ms's minimum is only valid above rto_min_ms: start from the floor.
wr rto_min_ms 10 || bail_out "rto_min_ms=10: $WR_ERR"

for f in $files; do
	if [ -z "${LO[$f]:-}" ]; then
		not_ok "$f has a Range in docs/protocol.md §21.1"
		continue
	fi
	ok "$f has a Range in docs/protocol.md §21.1 [${LO[$f]}, ${HI[$f]}]"
	lo=${LO[$f]} hi=${HI[$f]}
	rd "$f"; orig=$RD
	if [ "$lo" = names ]; then
		IFS=, read -r -a names <<<"$hi"
		for bad in bogus "" "${names[0]}x" "x${names[0]}" "${names[0]^^}" \
			   "${names[0]} ${names[0]}" 12; do
			refused "$f" "$bad" ENOENT
		done
		for v in "${names[@]}"; do
			taken "$f" "$v"
		done
		taken "$f" "$orig"
		continue
	fi
	if [ "$f" = local_port_range ]; then
		for bad in "$((lo - 1)) 100" "100 $((hi + 1))" "5000 4000" "-1 5" \
			   "abc" "1 abc" "" "$INT_MAX 1"; do
			refused "$f" "$bad"
		done
		taken "$f" "$lo $hi"
		taken "$f" "40000 40000"
		taken "$f" "$orig"
		continue
	fi
	for bad in "$((lo - 1))" "$((hi + 1))" -1 "$((INT_MAX + 1))" \
		   99999999999999999999 abc "12abc" ""; do
		# -1 is in range nowhere (every minimum is >= 0), but say so.
		[ "$bad" = -1 ] && [ "$lo" -le -1 ] && continue
		refused "$f" "$bad"
	done
	taken "$f" "$lo"
	taken "$f" "$hi"
	taken "$f" "$orig"
done

# The pair: neither end may cross the other.
taken rto_max_ms 1000
refused rto_min_ms 2000
taken rto_min_ms 500
refused rto_max_ms 400
taken rto_max_ms 500
taken rto_min_ms 500

diag "bounds checked in ${SECONDS}s"
check_eq "the initial namespace did not change" "$INIT_BEFORE" "$(init_snapshot)"

# ---- permissions -------------------------------------------------------
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

# Debian can forbid unprivileged user namespaces: allow them for the test.
CLONE=/proc/sys/kernel/unprivileged_userns_clone
if [ -f "$CLONE" ] && [ "$(cat "$CLONE")" = 0 ]; then
	echo 1 >"$CLONE"
	on_exit "echo 0 > $CLONE"
fi
if ! "${NOBODY[@]}" unshare -U -r true 2>/dev/null; then
	not_ok "a non-root user can create a user namespace (unshare -U -r)"
	tap_done
	exit
fi
ok "a non-root user can create a user namespace (unshare -U -r)"

F=syn_retries
init_val=$(in_init cat "$P/$F")
rd "$F"; ns_val=$RD
new=$((init_val == 3 ? 4 : 3))

# $1: description, $2: the errno text wanted ("" for success), then the
# command; afterwards the initial namespace's and this one's values are
# checked.
perm_case() {
	local desc=$1 want=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -ne 0 ] && [[ $out == *"$want"* ]]; then
		ok "$desc: $want"
	else
		not_ok "$desc: $want"
		diag "status $rc: $out"
	fi
	check_eq "$desc: the initial namespace keeps $F=$init_val" "$init_val" "$(in_init cat "$P/$F")"
	check_eq "$desc: the test's namespace keeps $F=$ns_val" "$ns_val" "$(read -r v <"$P/$F"; echo "$v")"
}

WRITE="printf '$new\n' > $P/$F"
perm_case "non-root writes the initial namespace" "Permission denied" \
	in_init "${NOBODY[@]}" bash -c "$WRITE"
perm_case "non-root, root of its own user namespace, writes the initial namespace" \
	"Permission denied" in_init "${NOBODY[@]}" unshare -U -r bash -c "$WRITE"
perm_case "non-root, root of its own user namespace, writes a namespace real root made" \
	"Permission denied" "${NOBODY[@]}" unshare -U -r bash -c "$WRITE"

exec {wfd}>"$P/$F"
perm_case "non-root writes through a descriptor root opened" "Operation not permitted" \
	"${NOBODY[@]}" bash -c "printf '$new\n' >&$wfd"
exec {wfd}>&-

# Its own network namespace, made inside its user namespace: writable, and
# still bounded. Prints the value after a good write, then after a bad one.
out=$("${NOBODY[@]}" unshare -U -r -n bash -c "
	printf '$new\n' > $P/$F || exit 1
	cat $P/$F
	printf '0\n' > $P/$F 2>/dev/null && echo 'zero taken'
	cat $P/$F" 2>&1)
rc=$?
check_eq "non-root writes the namespace it created in its user namespace (then a bad value)" \
	"$new $new" "$(echo $out)"
[ $rc -eq 0 ] || diag "status $rc"
check_eq "...and the initial namespace keeps $F=$init_val" "$init_val" "$(in_init cat "$P/$F")"
check_eq "...and the test's namespace keeps $F=$ns_val" "$ns_val" "$(read -r v <"$P/$F"; echo "$v")"

# Real root in a user namespace of its own is still uid 0 for the files'
# owner bits, as for every net.* sysctl: it may write.
out=$(in_init unshare -U -r bash -c "$WRITE" 2>&1)
rc=$?
got=$(in_init cat "$P/$F")
in_init bash -c "printf '$init_val\n' > $P/$F"
if [ $rc -eq 0 ] && [ "$got" = "$new" ]; then
	ok "real root in its own user namespace writes the initial namespace (uid 0 owns the file)"
else
	not_ok "real root in its own user namespace writes the initial namespace (uid 0 owns the file)"
	diag "status $rc: $out; read $got"
fi
check_eq "the initial namespace's $F restored" "$init_val" "$(in_init cat "$P/$F")"

diag "done in ${SECONDS}s"
tap_done
