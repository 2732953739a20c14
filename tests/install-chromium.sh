#!/bin/sh
# Chromium and its WebDriver, which the browser tests (tests/report/test_browser.py) open the
# HTML report in: Debian's packages `chromium` and `chromium-driver`. Does nothing when both are
# on PATH already; otherwise installs them (tests/apt-install.sh). Without a browser, leave
# those tests out: pytest -m 'not browser'.
set -eu
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    exit 0
fi
sh "$(dirname "$0")/apt-install.sh" install-chromium "the browser tests" \
    "put chromium and chromedriver on PATH (Debian: apt-get install chromium chromium-driver), or run pytest -m 'not browser'" \
    chromium chromium-driver
command -v chromium >/dev/null && command -v chromedriver >/dev/null
