#!/usr/bin/env bash
# Installs Ceph (monitor, OSD, radosgw, CLI) from the distribution's apt repositories, for the slow S3 test
# job that checks what s3rver cannot (SigV4 signatures, If-Match). Idempotent; needs root.
set -euo pipefail
if command -v radosgw >/dev/null && command -v ceph-mon >/dev/null && command -v ceph-osd >/dev/null; then
  echo "radosgw: already installed ($(radosgw --version | head -1))"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends ceph-mon ceph-osd radosgw ceph-common >/dev/null
echo "radosgw: installed ($(radosgw --version | head -1))"
