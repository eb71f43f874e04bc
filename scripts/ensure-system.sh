#!/usr/bin/env bash
# The system prerequisites of the tests and the demo, in one place: installs
# missing apt packages, starts dockerd when `docker info` fails, and builds the
# systemd test image (cached by name). Idempotent and quick when all is there.
# Used by `npm test` (pretest), `npm run demo` and .ci/run.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DEBIAN_FRONTEND=noninteractive

# chromium, fonts-dejavu-core: tend plan --html is checked in headless chromium; graphviz: tend graph --format svg.
# containerd, runc and containernetworking-plugins: the real binaries the current-stack e2e repackages (test/artifacts/debian.ts).
NEEDED=(docker.io debootstrap openssh-server openssh-client etcd-server etcd-client iproute2 dpkg-dev curl procps openssl gcc libc6-dev tar
  chromium fonts-dejavu-core graphviz containerd runc containernetworking-plugins)
MISSING=()
for p in "${NEEDED[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || MISSING+=("$p")
done
if ((${#MISSING[@]} > 0)); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "tend: missing system packages: ${MISSING[*]} (run as root, or install them with apt-get)" >&2
    exit 1
  fi
  echo "tend: installing ${MISSING[*]}"
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${MISSING[@]}"; } >/tmp/tend-apt.log 2>&1 || {
    echo "tend: apt-get install failed; its log:" >&2
    tail -20 /tmp/tend-apt.log >&2
    exit 1
  }
fi

if ! docker info >/dev/null 2>&1; then
  echo "tend: starting dockerd"
  # setsid: dockerd outlives this script. No NAT rules: test containers have no network.
  setsid dockerd --iptables=false --ip-masq=false >/tmp/tend-dockerd.log 2>&1 </dev/null &
  for _ in $(seq 1 120); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  if ! docker info >/dev/null 2>&1; then
    echo "tend: dockerd did not start; its log:" >&2
    tail -30 /tmp/tend-dockerd.log >&2
    exit 1
  fi
fi

bash test/hosts/build-image.sh >/tmp/tend-image.log 2>&1 || {
  echo "tend: building the test image failed; its log:" >&2
  tail -30 /tmp/tend-image.log >&2
  exit 1
}
