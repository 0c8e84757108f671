#!/usr/bin/env bash
# Packs what gpu-bridge/check.sh needs on a GPU host that has no Java and downloads nothing:
# a jlink runtime (as a tarball) holding only the modules Fusewire uses, the jars, the JUnit console launcher
# and the GPU tests' classes, into gpu-bridge/target/gpu-check (carry that folder to the host).
# Run after ./mvnw install (-DskipTests is enough).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../.ci/jdk.sh
. "$root/.ci/jdk.sh"
fusewire_find_jdk
out="$root/gpu-bridge/target/gpu-check"
jar=$(ls "$root"/perf/target/perf-*.jar 2>/dev/null | head -n 1)
launcher=$(ls "$root"/native/target/testbed/junit-platform-console-standalone-*.jar 2>/dev/null | head -n 1)
[ -n "$jar" ] && [ -n "$launcher" ] && [ -f "$root/perf/target/classpath.txt" ] \
    || { echo "bundle: build first (./mvnw install -DskipTests)" >&2; exit 1; }

rm -rf "$out" && mkdir -p "$out/lib" "$out/tests"
"$JAVA_HOME/bin/jlink" --add-modules java.base,java.logging,java.management,jdk.management,java.net.http,jdk.httpserver,jdk.incubator.vector,jdk.unsupported \
    --strip-java-debug-attributes --strip-native-debug-symbols=exclude-debuginfo-files --no-header-files --no-man-pages --compress zip-9 --output "$out/runtime"
# the JVM's own library does not shrink in jlink: the runtime travels as a tarball, which check.sh unpacks
tar -C "$out" -czf "$out/runtime.tar.gz" runtime && rm -rf "$out/runtime"
cp "$jar" $(tr ':' ' ' < "$root/perf/target/classpath.txt") "$out/lib/"
cp "$launcher" "$out/launcher.jar"
cp "$root/perf/target/classes/fusewire-jvm.options" "$out/jvm.options"
for module in gpu-bridge aggregator-node; do
    cp -r "$root/$module/target/test-classes" "$out/tests/$module"
done
du -sh "$out" | sed 's/\t.*/ in gpu-bridge\/target\/gpu-check/'
