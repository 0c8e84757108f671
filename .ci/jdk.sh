# Sourced by ./fusewire and .ci/run: exports JAVA_HOME pointing at a JDK 25 or newer, or fails
# with what to install.
fusewire_java_major() {
  "$1" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1
}

fusewire_find_jdk() {
  local candidate major
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk-arm64 /usr/lib/jvm/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    major=$(fusewire_java_major "$candidate/bin/java")
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then
      export JAVA_HOME="$candidate"
      return 0
    fi
  done
  echo "fusewire: no JDK 25 found (looked at \$JAVA_HOME and /usr/lib/jvm)." >&2
  echo "  Install one, e.g. Temurin 25 (apt-get install temurin-25-jdk from packages.adoptium.net)," >&2
  echo "  or set JAVA_HOME to a JDK 25 or newer." >&2
  return 1
}
