#!/usr/bin/env bash
# Stops what start.sh DIR started (radosgw, OSD, monitor, by their pid files) and removes DIR.
set -uo pipefail
DIR=$(realpath "${1:?usage: stop.sh DIR}")
for name in client.rgw.a osd.0 mon.a; do
  pidfile="$DIR/run/$name.pid"
  [ -f "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || continue
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
done
rm -rf "$DIR"
