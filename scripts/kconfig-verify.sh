#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Check that every line of a Kconfig fragment survived olddefconfig.
#
#   kconfig-verify.sh FRAGMENT DOTCONFIG [KERNEL_TREE]
#
# Kconfig silently drops a symbol whose dependencies are not met (or turns a
# "=y" into nothing), so a fragment can ask for KASAN and get a kernel
# without it. For each "CONFIG_X=value" of FRAGMENT, DOTCONFIG must hold the
# same line; for each "# CONFIG_X is not set", DOTCONFIG must not set X.
# Every mismatch is printed (with the symbol's "depends on" lines when
# KERNEL_TREE is given) and the exit status is 1.
set -euo pipefail

frag=$1 conf=$2 tree=${3:-}
[ -f "$frag" ] || { echo "kconfig-verify: no fragment $frag" >&2; exit 2; }
[ -f "$conf" ] || { echo "kconfig-verify: no config $conf" >&2; exit 2; }

bad=0 n=0
while IFS= read -r line; do
	sym= want=
	if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
		sym=${BASH_REMATCH[1]} want=${BASH_REMATCH[2]}
	elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
		sym=${BASH_REMATCH[1]} want=n
	else
		continue
	fi
	n=$((n + 1))
	got=$(sed -n "s/^$sym=//p" "$conf" | tail -n1)
	if [ "$want" = n ]; then
		[ -z "$got" ] || [ "$got" = n ] && continue
		echo "kconfig-verify: $sym: the fragment says 'is not set', the config has $sym=$got"
	else
		[ "$got" = "$want" ] && continue
		echo "kconfig-verify: $sym: the fragment wants $want, the config has ${got:-nothing (dropped: a dependency is missing)}"
		if [ -n "$tree" ]; then
			# Where the symbol is defined and what it depends on.
			find "$tree" -name 'Kconfig*' -type f -print0 2>/dev/null |
				xargs -0 awk -v s="${sym#CONFIG_}" '
				FNR == 1 { inb = 0 }
				$0 ~ "^(menu)?config " s "$" { inb = 1; print "    " FILENAME ": " $0; next }
				inb && /^[a-z]/ { inb = 0 }
				inb && /^[ \t]*(depends on|if )/ { sub(/^[ \t]*/, ""); print "      " $0 }' |
				sed "s|$tree/||" | head -n 8 || true
		fi
	fi
	bad=$((bad + 1))
done <"$frag"

if [ "$bad" -gt 0 ]; then
	echo "kconfig-verify: FAILED: $bad of $n options of $frag did not survive in $conf"
	exit 1
fi
echo "kconfig-verify: all $n options of $(basename "$frag") are in the config"
