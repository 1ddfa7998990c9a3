#!/usr/bin/env bash
# Starts a throwaway single-node Ceph cluster (one monitor, one memstore OSD, no manager) and radosgw on
# 127.0.0.1, all state under DIR, then creates an S3 user with known keys. Prints KEY=value lines:
# ENDPOINT, ACCESS_KEY, SECRET_KEY, plus OTHER_ACCESS_KEY / OTHER_SECRET_KEY of a second user (whose buckets
# the first may not read). Stop it with stop.sh DIR. Ceph 16 (Debian 12) has no dbstore backend,
# so RADOS is needed; memstore keeps it in RAM. Usage: start.sh DIR [ACCESS_KEY SECRET_KEY]
set -euo pipefail
DIR=$(realpath "${1:?usage: start.sh DIR [ACCESS_KEY SECRET_KEY]}")
ACCESS_KEY=${2:-MRINITTESTACCESSKEY0}
SECRET_KEY=${3:-mr-init-test-secret-key-0000000000000000}
mkdir -p "$DIR"/{run,log,mon.a,osd.0,rgw}

# On any failure, stop whatever already started (its logs stay in DIR/log for the report).
stop_started() { for f in "$DIR"/run/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done; return 0; }
fail() { echo "$1" >&2; stop_started; exit 1; }
trap stop_started ERR

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
MON_PORT=$(free_port)
RGW_PORT=$(free_port)
FSID=$(cat /proc/sys/kernel/random/uuid)
CONF="$DIR/ceph.conf"

cat >"$CONF" <<CONF
[global]
fsid = $FSID
mon host = [v2:127.0.0.1:$MON_PORT]
mon initial members = a
public addr = 127.0.0.1
cluster addr = 127.0.0.1
public network = 127.0.0.0/8
cluster network = 127.0.0.0/8
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
# With auth none there is no session key: the "secure" wire mode (radosgw's default to the monitor) cannot work.
ms mon client mode = crc
ms client mode = crc
ms mon service mode = crc
ms service mode = crc
ms cluster mode = crc
ms mon cluster mode = crc
keyring = $DIR/keyring
run dir = $DIR/run
admin socket = $DIR/run/\$name.asok
pid file = $DIR/run/\$name.pid
log file = $DIR/log/\$name.log
log to stderr = false
err to stderr = true
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
[mon]
mon data = $DIR/mon.\$id
[osd]
osd data = $DIR/osd.\$id
osd objectstore = memstore
memstore device bytes = 536870912
osd max object name len = 460
osd max object namespace len = 64
[client]
rgw data = $DIR/rgw
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw dns name = localhost
CONF

ceph-authtool --create-keyring "$DIR/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool "$DIR/keyring" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON_PORT]" "$DIR/monmap" >/dev/null
ceph-mon -c "$CONF" --mkfs -i a --monmap "$DIR/monmap" --keyring "$DIR/keyring"
ceph-mon -c "$CONF" -i a </dev/null >>"$DIR/log/daemons.out" 2>&1

OSD_UUID=$(cat /proc/sys/kernel/random/uuid)
OSD_ID=$(ceph -c "$CONF" osd new "$OSD_UUID")
ceph-osd -c "$CONF" -i "$OSD_ID" --mkfs --osd-uuid "$OSD_UUID" 2>/dev/null
ceph-osd -c "$CONF" -i "$OSD_ID" </dev/null >>"$DIR/log/daemons.out" 2>&1
up=false
for _ in $(seq 1 150); do
  if ceph -c "$CONF" osd stat 2>/dev/null | grep -q '1 up'; then up=true; break; fi
  sleep 0.2
done
$up || fail "the OSD did not come up; see $DIR/log"

radosgw -c "$CONF" -n client.rgw.a </dev/null >>"$DIR/log/daemons.out" 2>&1
for _ in $(seq 1 300); do
  curl -s -o /dev/null "http://127.0.0.1:$RGW_PORT/" && break
  sleep 0.2
done
curl -s -o /dev/null "http://127.0.0.1:$RGW_PORT/" || fail "radosgw did not answer on port $RGW_PORT; see $DIR/log"

radosgw-admin -c "$CONF" -n client.admin user create --uid=mr-init --display-name=mr-init \
  --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" >/dev/null
radosgw-admin -c "$CONF" -n client.admin user create --uid=other --display-name=other \
  --access-key="OTHER$ACCESS_KEY" --secret-key="other-$SECRET_KEY" >/dev/null
echo "ENDPOINT=http://127.0.0.1:$RGW_PORT"
echo "ACCESS_KEY=$ACCESS_KEY"
echo "SECRET_KEY=$SECRET_KEY"
echo "OTHER_ACCESS_KEY=OTHER$ACCESS_KEY"
echo "OTHER_SECRET_KEY=other-$SECRET_KEY"
