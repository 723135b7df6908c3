# Sourced by ./netrescue, ./test and .ci/run: exports JAVA_HOME pointing at a JDK 25 or newer.
# Order: $JAVA_HOME if it is new enough, then /usr/lib/jvm/temurin-25* (the default java here is 17).
netrescue_find_jdk() {
  local c
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-2[5-9]* /usr/lib/jvm/java-2[5-9]*; do
    [ -n "$c" ] && [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    if "$c/bin/java" -version 2>&1 | head -1 | grep -Eq 'version "(2[5-9]|[3-9][0-9])'; then echo "$c"; return 0; fi
  done
  return 1
}
if ! NETRESCUE_JDK="$(netrescue_find_jdk)"; then
  echo "netrescue: needs a Java 25 JDK: set JAVA_HOME, or install Temurin 25 at /usr/lib/jvm/temurin-25-jdk-amd64" >&2
  exit 1
fi
export JAVA_HOME="$NETRESCUE_JDK"
