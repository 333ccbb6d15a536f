#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages XTCP needs, only those that are missing.
#
#   scripts/deps.sh            install what is missing (needs root)
#   scripts/deps.sh --check    only report; exit 1 when something is missing
#
# To add a package: add one line "name  why" to PACKAGES below.
set -euo pipefail

PACKAGES='
linux-image-amd64	the kernel the test VM boots (Debian stock 6.1)
linux-headers-amd64	headers xtcp.ko is built against (KDIR)
linux-source-6.1	kselftest_harness.h, kselftest.h and scripts/extract-vmlinux
qemu-system-x86		the test VM
busybox-static		the VM initramfs
cpio			packs the VM initramfs
kmod			modprobe --show-depends for the initramfs module chain; insmod/rmmod
xz-utils		unpacks the kernel source tarball and the compressed kernel
binutils		readelf, used by extract-vmlinux
gcc			compiles the module, tools and selftests
libc6-dev		C library headers for tools and selftests
make			the build
pkg-config		finds libmnl for the userspace tools
libmnl-dev		netlink library for the userspace tools
iproute2		ip netns / veth / tc inside the VM
ethtool			gso_test and make bench: veth GRO on (NAPI), GSO/TSO off (ethtool -K)
python3			test helpers
iputils-ping		ping between the test namespaces
file			checks that busybox is the static build
util-linux		setsid for the VM console shell
curl			apps_xtcpize.sh: an HTTP client run unmodified over XTCP
socat			apps_xtcpize.sh: a relay run unmodified over XTCP
iperf3			apps_xtcpize.sh: a throughput tester run unmodified over XTCP
nftables		seams_test: REJECT and owner-match rules on XTCP segments (nft)
iptables		cc_test: an nth-match rule drops exactly one data segment (iptables -m statistic)
redis-server		apps_xtcpize.sh: a server run unmodified over XTCP
redis-tools		apps_xtcpize.sh: redis-benchmark, its client
nginx			apps_xtcpize.sh: a web server run unmodified over XTCP, two workers on one port (listen ... reuseport)
strace			finding what a program asks of an XTCP socket
man-db			make check: the manual pages (docs/*.7, *.8) render without warnings
linux-perf		make bench: perf stat / perf record in the VM
python3-matplotlib	make bench WRITE=1: docs/performance.svg and docs/cwnd.svg (scripts/bench-report.py --svg)
bc			make check-debug: building the debug kernel (timeconst)
bison			make check-debug: building the debug kernel (Kconfig parser)
flex			make check-debug: building the debug kernel (Kconfig lexer)
libelf-dev		make check-debug: building the debug kernel (objtool)
libssl-dev		make check-debug: building the debug kernel (sign-file, certs)
debhelper		make deb: builds the xtcp-dkms and xtcp-tools packages (dh)
dh-dkms			make deb: dh_dkms, the DKMS part of xtcp-dkms (postinst/prerm)
dkms			make deb-test: builds xtcp.ko in the VM when xtcp-dkms is installed there
dpkg-dev		make deb: dpkg-buildpackage
fakeroot		make deb: root-owned files in the packages without root
lintian			make deb: checks the packages
tshark			wireshark_test: the Lua dissector (userspace-tools/wireshark/xtcp.lua) decodes captured XTCP segments
'

check_only=0
[ "${1:-}" = "--check" ] && check_only=1

# The second kernel, 6.12 (Debian's bookworm backport): the newest
# linux-image-6.12.<n>+deb12-amd64-unsigned in the apt lists and its
# headers, so the project follows Debian's point releases as
# linux-image-amd64 does for 6.1 (scripts/kver.sh 6.12 then picks it).
newest_612() {
	apt-cache pkgnames linux-image-6.12. 2>/dev/null |
		sed -n 's/^linux-image-\(6\.12\.[0-9]*+deb12-amd64\)-unsigned$/\1/p' |
		sort -V | tail -n1
}
k612=$(newest_612)
if [ -n "$k612" ]; then
	PACKAGES+="linux-image-$k612-unsigned	the second kernel the test VM boots (6.12, newest in the archive)
linux-headers-$k612	headers xtcp.ko is built against for 6.12 (KERNEL=$k612)
"
elif ! "$(dirname "$0")/kver.sh" 6.12 >/dev/null 2>&1; then
	echo "deps: warning: no linux-image-6.12.*+deb12-amd64-unsigned in the apt lists" \
		"and no 6.12 kernel installed (run 'apt-get update'; 6.12 is needed only for KERNEL=6.12...)" >&2
fi

missing=()
reasons=()
while IFS=$'\t' read -r pkg why; do
	[ -n "$pkg" ] || continue
	why="${why#"${why%%[!$'\t']*}"}"	# strip leading tabs
	status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
	if [ "$status" != "installed" ]; then
		missing+=("$pkg")
		reasons+=("$(printf '  %-22s %s' "$pkg" "$why")")
	fi
done <<<"$PACKAGES"

if [ ${#missing[@]} -eq 0 ]; then
	[ "$check_only" = 1 ] && echo "deps: all packages present"
	exit 0
fi

echo "deps: missing Debian packages:"
printf '%s\n' "${reasons[@]}"
[ "$check_only" = 1 ] && exit 1

if [ "$(id -u)" != 0 ]; then
	echo "deps: error: installing packages needs root. Run as root:" >&2
	echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
	exit 1
fi

echo "deps: apt-get update"
if ! apt-get update; then
	echo "deps: error: 'apt-get update' failed (network or apt sources?); cannot install: ${missing[*]}" >&2
	exit 1
fi
# tshark's wireshark-common asks whether non-root users may capture
# (a setuid dumpcap): answer no, so the install never stops on a prompt.
case " ${missing[*]} " in *" tshark "*)
	echo "wireshark-common wireshark-common/install-setuid boolean false" |
		debconf-set-selections ;;
esac
echo "deps: apt-get install ${missing[*]}"
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"; then
	echo "deps: error: 'apt-get install' failed for: ${missing[*]}" >&2
	exit 1
fi
echo "deps: installed ${missing[*]}"
