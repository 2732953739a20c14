#!/bin/sh
# A Java runtime for the Spark tests (tests/spark/), which start a local Spark: Debian's
# package `openjdk-17-jre-headless` (pyspark 4.0 runs on Java 17 or 21). Does nothing when
# `java -version` works already; otherwise installs it (tests/apt-install.sh).
set -eu
if java -version >/dev/null 2>&1; then
    exit 0
fi
sh "$(dirname "$0")/apt-install.sh" install-java "the Spark tests" \
    "put a Java 17 or 21 runtime on PATH (Debian: apt-get install openjdk-17-jre-headless)" \
    openjdk-17-jre-headless
java -version >/dev/null 2>&1
