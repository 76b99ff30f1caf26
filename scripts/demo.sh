#!/usr/bin/env bash
# The main command (README): builds Berth and brings the example shop up behind the gateway in the background
# (berth up runs the shop's build: step, its migrations and seed jobs), then shows where to send requests.
# Stop it with: .build/release/berth down -f examples/shop/berth.yaml
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/setup.sh
berth_install_test_packages
berth_install_shop_packages

echo "== building Berth (release; the first build takes a few minutes)"
# The Swift runtime linked statically: ~3 MB less resident memory for the daemon (BENCHMARKS.md).
if ! swift build "${BERTH_RELEASE_BUILD[@]}" >/tmp/berth-build-release.log 2>&1; then
    grep -E "error:" /tmp/berth-build-release.log | sort -u | head -n 40
    exit 1
fi
BIN=$PWD/.build/release
MANIFEST=examples/shop/berth.yaml
GATEWAY=http://127.0.0.1:${SHOP_PORT:-8080}

"$BIN/berth" check -f "$MANIFEST"
echo "== starting the shop (the first build of its Swift package takes 4-8 minutes)"
"$BIN/berth" up -d -f "$MANIFEST" --timeout 180s
cat <<TEXT

The shop is up behind the gateway at $GATEWAY (API: examples/shop/README.md). Try:

  curl -s -XPOST $GATEWAY/api/users/register -d '{"email":"me@example.com","password":"secret-pass"}'
  TOKEN=\$(curl -s -XPOST $GATEWAY/api/users/login -d '{"email":"me@example.com","password":"secret-pass"}' \\
      | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  curl -s $GATEWAY/api/inventory/items
  curl -s -XPOST $GATEWAY/api/orders -H "Authorization: Bearer \$TOKEN" -d '{"items":[{"sku":"mug","quantity":2}]}'
  curl -s $GATEWAY/api/orders/1 -H "Authorization: Bearer \$TOKEN"
  curl -s "$GATEWAY/api/notifications?order_id=1" -H "Authorization: Bearer \$TOKEN"

status: $BIN/berth status -f $MANIFEST
logs:   $BIN/berth logs --file $MANIFEST --follow
scale:  $BIN/berth scale -f $MANIFEST order=3
stop:   $BIN/berth down -f $MANIFEST
TEXT
