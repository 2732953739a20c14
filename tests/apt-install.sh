#!/bin/sh
# Debian packages a part of the test suite needs, installed by apt-get as root, or through
# `sudo -n`; where neither is possible, says what to do and fails.
#   sh tests/apt-install.sh NAME WHY HINT PACKAGE...
# NAME starts every message (the calling script's), WHY says what the packages are for, HINT
# what to do instead where nothing can be installed.
set -eu
name=$1 why=$2 hint=$3
shift 3
if [ "$(id -u)" = 0 ]; then
    as_root=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root="sudo -n"
else
    as_root="none"
fi
if [ "$as_root" = none ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "$name: cannot install $* here: $hint" >&2
    exit 1
fi
echo "$name: installing Debian's $* for $why" >&2
$as_root apt-get update -qq
DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
