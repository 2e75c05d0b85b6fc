#!/usr/bin/env bash
# Installs what the test suite needs when it is missing and we may install
# packages (root): tshark (capture checks), traceroute (the Linux side
# of internal/fidelity, with iputils ping and iproute2, which a minimal
# image may lack), dig and curl (Linux's side of hops live's tests) and
# knot (knotd, the independent DNS server internal/dnsjudge runs on
# loopback to judge dns/auth).
# Prints what it does; never fails the build itself: the tests report a
# missing tool (and fail when HOPS_REQUIRE_TSHARK=1 or HOPS_REQUIRE_NETNS=1;
# internal/dnsjudge fails without knotd when root or HOPS_REQUIRE_DNSJUDGE=1).
set -u
# Node judges for cmd/hops: Mermaid's parser (browse --sequence) and
# har-validator (browse --har); their npm
# packages are pinned in scripts/judges/package-lock.json.
here="$(cd "$(dirname "$0")" && pwd)"
if command -v npm >/dev/null 2>&1 && [ ! -d "$here/judges/node_modules/har-validator" ]; then
  echo "test-deps: installing the Node judges: Mermaid, har-validator (npm ci in scripts/judges)..." >&2
  (cd "$here/judges" && npm ci --no-audit --no-fund >/dev/null 2>&1) || echo "test-deps: npm ci in scripts/judges failed; the Node judges will skip" >&2
fi
missing=()
command -v tshark >/dev/null 2>&1 || missing+=(tshark)
command -v traceroute >/dev/null 2>&1 || [ -x /usr/sbin/traceroute ] || missing+=(traceroute)
command -v knotd >/dev/null 2>&1 || [ -x /usr/sbin/knotd ] || missing+=(knot)
command -v ping >/dev/null 2>&1 || [ -x /usr/bin/ping ] || [ -x /bin/ping ] || missing+=(iputils-ping)
command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] || [ -x /sbin/ip ] || missing+=(iproute2)
# hops live's tests run Linux's dig and curl through the bridge.
command -v dig >/dev/null 2>&1 || missing+=(bind9-dnsutils)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "test-deps: ${missing[*]} missing and we are not root: install with" >&2
  echo "  sudo apt-get install ${missing[*]}   (tshark: answer 'no' to non-root capture)" >&2
  exit 0
fi
echo "test-deps: installing ${missing[*]} (apt-get)..." >&2
export DEBIAN_FRONTEND=noninteractive
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
apt-get update -qq >/dev/null 2>&1 || apt-get update
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || apt-get install -y --no-install-recommends "${missing[@]}"
command -v tshark >/dev/null 2>&1 && echo "test-deps: $(tshark --version 2>/dev/null | head -n 1)" >&2
command -v traceroute >/dev/null 2>&1 && echo "test-deps: $(traceroute --version 2>&1 | head -n 1)" >&2
[ -x /usr/sbin/knotd ] && echo "test-deps: $(/usr/sbin/knotd --version 2>&1 | head -n 1)" >&2
exit 0
