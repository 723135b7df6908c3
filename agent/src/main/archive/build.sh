#!/usr/bin/env bash
# Builds target/netrescue-agent/ (and a .tar.gz of it): a jlinked runtime with java.base only, the
# agent and core jars, a launcher and the systemd unit. Runs on hosts with no JDK installed.
set -euo pipefail
target=$1 version=$2
[ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/jlink" ] || { echo "agent archive: needs JAVA_HOME with jlink (JDK 25)" >&2; exit 1; }
out=$target/netrescue-agent
rm -rf "$out"
# java.base has everything the agent uses: UDP channels, HMAC/SHA, the FFM API for mlockall.
"$JAVA_HOME/bin/jlink" --add-modules java.base --strip-debug --no-man-pages --no-header-files \
  --compress=zip-9 --output "$out/runtime"
mkdir -p "$out/lib" "$out/bin" "$out/systemd"
cp "$target/netrescue-agent.jar" "$out/lib/"
core=$(ls "$target/../../core/target/"netrescue-core*.jar 2>/dev/null | grep -v -- '-tests' | head -1)
[ -n "$core" ] || { echo "agent archive: core jar not built" >&2; exit 1; }
cp "$core" "$out/lib/netrescue-core.jar"
cat > "$out/bin/netrescue-agent" <<'LAUNCH'
#!/bin/sh
# netrescue agent launcher: the bundled runtime, no JDK needed on the host.
here=$(cd "$(dirname "$0")/.." && pwd)
exec "$here/runtime/bin/java" --enable-native-access=ALL-UNNAMED -Xss256k -Xmx32m -XX:+UseSerialGC \
  -XX:TieredStopAtLevel=1 -cp "$here/lib/netrescue-agent.jar:$here/lib/netrescue-core.jar" io.netrescue.agent.AgentMain "$@"
LAUNCH
chmod +x "$out/bin/netrescue-agent"
cp "$target/classes/io/netrescue/agent/netrescue-agent.service" "$out/systemd/"
echo "$version" > "$out/VERSION"
tar -C "$target" -czf "$target/netrescue-agent-$version-linux-$(uname -m).tar.gz" netrescue-agent
size=$(du -sm "$out" | cut -f1)
echo "agent archive: $out ($size MB unpacked)"
