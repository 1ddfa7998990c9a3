# Shared by the scripts in scripts/image/ (sourced, not run). buildah keeps its images in a store of
# its own, so it never meets another store's settings; `source scripts/image/lib.sh && bh images`
# inspects it by hand.
set -euo pipefail

# Must run as root: buildah's chroot isolation, debootstrap, the overlay probe and run.sh's mounts do.
[ "$(id -u)" = 0 ] || { echo "[image] FAIL: run as root" >&2; exit 1; }

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
: "${MR_INIT_BASE_IMAGE:=localhost/mr-init-base:latest}"
export BUILDAH_ISOLATION=chroot

# overlay when the kernel lets us mount it (a layer costs only its changes), else vfs (no kernel
# support needed, but every layer is a full copy of the root: on the 2-core build machine a proof took
# 25 minutes and 6 GB with vfs, 7 minutes and 2 GB with overlay).
overlay_works() {
  local d rc=0
  d=$(mktemp -d /tmp/mr-init-overlay-probe.XXXXXX)
  mkdir "$d/lower" "$d/upper" "$d/work" "$d/merged"
  # In a throwaway mount namespace, so nothing stays mounted.
  unshare --mount -- mount -t overlay overlay -o "lowerdir=$d/lower,upperdir=$d/upper,workdir=$d/work" \
    "$d/merged" 2>/dev/null || rc=1
  rm -rf "$d"
  return $rc
}
if [ -z "${MR_INIT_BUILDAH_DRIVER:-}" ]; then
  if overlay_works; then MR_INIT_BUILDAH_DRIVER=overlay; else MR_INIT_BUILDAH_DRIVER=vfs; fi
fi
# One store per driver: a store made with one driver refuses the other.
: "${MR_INIT_BUILDAH_ROOT:=/var/lib/mr-init/containers-$MR_INIT_BUILDAH_DRIVER}"
: "${MR_INIT_BUILDAH_RUNROOT:=/run/mr-init/containers-$MR_INIT_BUILDAH_DRIVER}"
export MR_INIT_BUILDAH_DRIVER MR_INIT_BUILDAH_ROOT MR_INIT_BUILDAH_RUNROOT

bh() {
  buildah --root "$MR_INIT_BUILDAH_ROOT" --runroot "$MR_INIT_BUILDAH_RUNROOT" --storage-driver "$MR_INIT_BUILDAH_DRIVER" "$@"
}

log() { printf '[image] %s\n' "$*" >&2; }
die() { printf '[image] FAIL: %s\n' "$*" >&2; exit 1; }

# timed LABEL CMD...: runs CMD and logs how long it took (TIMINGS collects the lines for a summary).
TIMINGS=()
timed() {
  local label="$1"; shift
  local start end rc=0
  start=$(date +%s.%N)
  "$@" || rc=$?
  end=$(date +%s.%N)
  local secs; secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  TIMINGS+=("$(printf '%-40s %7ss%s' "$label" "$secs" "$([ $rc -eq 0 ] || echo "  (exit $rc)")")")
  log "$label: ${secs}s$([ $rc -eq 0 ] || echo " (exit $rc)")"
  return $rc
}

# need CMD [DEBIAN-PACKAGE]: installs the package from Debian's archive when CMD is missing, because a
# fresh machine (CI's included) has only what the project's own files install.
need() {
  command -v "$1" >/dev/null 2>&1 && return 0
  command -v apt-get >/dev/null 2>&1 || die "$1 is not installed and there is no apt-get"
  log "installing ${2:-$1} (apt-get)"
  if [ -z "${_MR_INIT_APT_UPDATED:-}" ]; then
    apt-get update -qq >&2 || die "apt-get update failed"
    _MR_INIT_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${2:-$1}" >&2 \
    || die "apt-get install ${2:-$1} failed"
}

need buildah
need jq
