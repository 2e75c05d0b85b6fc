#!/usr/bin/env bash
# Installs what the test suite needs (tshark) when it is missing and we may
# install packages (root). Prints what it does; never fails the build itself:
# the tests report a missing tshark (and fail when HOPS_REQUIRE_TSHARK=1).
set -u
if command -v tshark >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "test-deps: tshark is missing and we are not root: install it with" >&2
  echo "  sudo apt-get install tshark   (answer 'no' to non-root capture)" >&2
  exit 0
fi
echo "test-deps: installing tshark (apt-get)..." >&2
export DEBIAN_FRONTEND=noninteractive
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
apt-get update -qq >/dev/null 2>&1 || apt-get update
apt-get install -y -qq --no-install-recommends tshark >/dev/null 2>&1 || apt-get install -y --no-install-recommends tshark
command -v tshark >/dev/null 2>&1 && echo "test-deps: $(tshark --version 2>/dev/null | head -n 1)" >&2
exit 0
