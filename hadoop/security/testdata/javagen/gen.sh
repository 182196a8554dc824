#!/bin/sh
# Regenerates the Java-produced fixtures in hadoop/security/testdata/ from the
# Hadoop jars in .cache/hadoop-3.4.3/lib (run from anywhere; needs javac/java 17).
# Run by hand after changing GenFixtures.java; commit the outputs, not classes.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
cp="$root/.cache/hadoop-3.4.3/lib/*"
classes=$(mktemp -d)
trap 'rm -rf "$classes"' EXIT
javac -encoding UTF-8 -d "$classes" -cp "$cp" "$here/GenFixtures.java"
java -Dlog4j.configuration=none -cp "$classes:$cp" GenFixtures "$here/.."
ls -l "$here/.."
