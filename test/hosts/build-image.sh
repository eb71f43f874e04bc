#!/usr/bin/env bash
# Builds the Debian bookworm systemd test image (cached by name) following
# ../shared/DESIGN.md: debootstrap minbase + systemd + sshd, imported with
# `docker import`. A local apt repository (file:/srv/debs) holds the worker's
# packages so real apt can install them inside a container with no network.
set -euo pipefail
# The image tag lives in ./IMAGE only (hosts.ts reads the same file); bump it when this recipe changes.
IMAGE="${TEND_TEST_IMAGE:-$(cat "$(dirname "${BASH_SOURCE[0]}")/IMAGE")}"
if docker image inspect "$IMAGE" >/dev/null 2>&1; then echo "$IMAGE cached"; exit 0; fi
# Parallel test runs (and several engineers) may ask for the image at once: one
# builds, the others wait on the lock and then find it cached.
exec 9>/var/tmp/tend-build-image.lock
flock 9
if docker image inspect "$IMAGE" >/dev/null 2>&1; then echo "$IMAGE cached"; exit 0; fi
WORK="$(mktemp -d /var/tmp/tend-rootfs.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
ROOT="$WORK/rootfs"
# The mirror apt already uses here (deb822 or one-line form); files may be absent.
MIRROR="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null \
  | grep -oE 'https?://[^ ]+/debian/?( |$)' | head -1 | tr -d ' ' || true)"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
debootstrap --variant=minbase \
  --include=systemd,systemd-sysv,openssh-server,iproute2,kmod,procps,ca-certificates,sudo,curl,etcd-server,etcd-client,passwd,adduser \
  bookworm "$ROOT" "$MIRROR"
# Local apt repository with the worker packages (SPEC.md, Debian family).
mkdir -p "$ROOT/srv/debs"
# apt-get download needs package lists on this machine (a fresh one may have none).
ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1 || apt-get update -qq
( cd "$ROOT/srv/debs" && apt-get download ebtables ethtool ipset conntrack iptables iptstate netstat-nat socat netbase \
    libipset13 libnetfilter-conntrack3 libnfnetlink0 libmnl0 libnftnl11 libip4tc2 libip6tc2 libxtables12 libnetfilter-cttimeout1 libnetfilter-cthelper0 libnetfilter-queue1 libwrap0 libreadline8 libncurses6 libncursesw6 libtinfo6 readline-common 2>/dev/null || true )
( cd "$ROOT/srv/debs" && dpkg-scanpackages -m . /dev/null > Packages 2>/dev/null )
rm -f "$ROOT"/etc/apt/sources.list.d/* 
echo "deb [trusted=yes] file:/srv/debs ./" > "$ROOT/etc/apt/sources.list"
chroot "$ROOT" apt-get update -qq || true
# Every worker package must be installable from the local repository alone (iptstate needs libncurses6).
chroot "$ROOT" apt-get install -s -qq ebtables ethtool ipset conntrack iptables iptstate netstat-nat socat netbase >/dev/null
# The test hosts run no etcd unless a test starts it, and sshd only through `sshd -i`.
chroot "$ROOT" systemctl disable etcd ssh ssh.socket >/dev/null 2>&1 || true
chroot "$ROOT" systemctl mask systemd-networkd-wait-online.service >/dev/null 2>&1 || true
mkdir -p "$ROOT/run/sshd"
echo "root:tend" | chroot "$ROOT" chpasswd
tar -C "$ROOT" -c . | docker import - "$IMAGE"
echo "$IMAGE built"
