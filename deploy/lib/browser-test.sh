#!/usr/bin/env bash
# The pages in a real browser: Debian's Chromium, headless, driven by Playwright for Python through the gateway of
# the stack of the current environment. Screenshots land in $SEATLINE_STATE/screenshots/.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=deploy/lib/config.sh
source "$repo/deploy/lib/config.sh"
# shellcheck source=deploy/lib/install.sh
source "$repo/deploy/lib/install.sh"

install_browser_tester
export SEATLINE_GATEWAY_URL=${SEATLINE_GATEWAY_URL:-http://127.0.0.1:$SEATLINE_GATEWAY_PORT}
export SEATLINE_SCREENSHOTS="$SEATLINE_STATE/screenshots"
mkdir -p "$SEATLINE_SCREENSHOTS"
"$SEATLINE_CACHE/venv/bin/python" "$repo/deploy/lib/browser_test.py"
