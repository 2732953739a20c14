#!/bin/sh
# Chromium and its WebDriver, which the browser tests (tests/report/test_browser.py) open the
# HTML report in: Debian's packages `chromium` and `chromium-driver`. Does nothing when both are
# on PATH already; installs them as root, or through `sudo -n`, where apt-get is; otherwise says
# what to install and fails. Without a browser, leave those tests out: pytest -m 'not browser'.
set -eu
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" = 0 ]; then
    as_root=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root="sudo -n"
else
    as_root="none"
fi
if [ "$as_root" = none ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "install-chromium: cannot install Chromium here: put chromium and chromedriver on PATH" \
         "(Debian: apt-get install chromium chromium-driver), or run pytest -m 'not browser'" >&2
    exit 1
fi
echo "install-chromium: installing Debian's chromium and chromium-driver for the browser tests" >&2
$as_root apt-get update -qq
DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq --no-install-recommends \
    chromium chromium-driver >/dev/null
command -v chromium >/dev/null && command -v chromedriver >/dev/null
