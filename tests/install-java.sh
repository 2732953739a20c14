#!/bin/sh
# A Java runtime for the Spark tests (tests/spark/), which start a local Spark: Debian's
# package `openjdk-17-jre-headless` (pyspark 4.0 runs on Java 17 or 21). Does nothing when
# `java -version` works already; installs it as root, or through `sudo -n`, where apt-get is;
# otherwise says what to install and fails.
set -eu
if java -version >/dev/null 2>&1; then
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
    echo "install-java: cannot install Java here: put a Java 17 or 21 runtime on PATH" \
         "(Debian: apt-get install openjdk-17-jre-headless) for the Spark tests" >&2
    exit 1
fi
echo "install-java: installing Debian's openjdk-17-jre-headless for the Spark tests" >&2
$as_root apt-get update -qq
DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq --no-install-recommends \
    openjdk-17-jre-headless >/dev/null
java -version >/dev/null 2>&1
