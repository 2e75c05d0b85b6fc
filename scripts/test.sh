#!/usr/bin/env bash
# The test command: installs what the tests need when missing (tshark, if
# we are root), then vet, a gofmt check and every test. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
./scripts/test-deps.sh
echo "== go build" && $GO build ./...
echo "== go vet" && $GO vet ./...
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.git/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt needed:"; echo "$unformatted"; exit 1
fi
# Root and CI must have tshark: the capture checks then fail instead of skipping.
if [ "$(id -u)" = "0" ] || [ -n "${CI:-}" ]; then
  export HOPS_REQUIRE_TSHARK=1
fi
# Root must run the Linux fidelity test bed (internal/fidelity: network
# namespaces) instead of skipping it.
if [ "$(id -u)" = "0" ]; then
  export HOPS_REQUIRE_NETNS=1
  # hops live's tests (cmd/hops TestLive*: a namespace, /dev/net/tun,
  # Linux's ping, traceroute, dig and curl through the bridge) too.
  export HOPS_REQUIRE_TUN=1
fi
echo "== go test"
$GO test -count=1 ./...
