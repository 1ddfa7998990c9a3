#!/usr/bin/env bash
# Runs an image from buildah's store the way a kubelet would run mr-init's init container, without a
# container engine: the image's own ENTRYPOINT, ENV, USER and WORKDIR, a READ-ONLY root filesystem,
# no supplementary groups, no capabilities, no_new_privs, its own mount and PID namespaces (the host's
# network, so a server on 127.0.0.1 is reachable).
#
#   bash scripts/image/run.sh [--volume HOST:PATH]... [--tmpfs PATH]... [--env K=V]...
#                             [--user UID:GID] [--entrypoint PROGRAM] IMAGE [ARG...]
#
# Like `docker run --read-only`: ARGs follow the entrypoint; --volume binds a host folder writable;
# --tmpfs mounts an empty tmpfs (nothing else is writable). Exits with the container's status.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

volumes=() tmpfs=() extra_env=() user='' entrypoint=''
while [ $# -gt 0 ]; do
  case "$1" in
    --volume) volumes+=("$2"); shift 2 ;;
    --tmpfs) tmpfs+=("$2"); shift 2 ;;
    --env) extra_env+=("$2"); shift 2 ;;
    --user) user="$2"; shift 2 ;;
    --entrypoint) entrypoint="$2"; shift 2 ;;
    --) shift; break ;;
    -*) die "run.sh: unknown option $1" ;;
    *) break ;;
  esac
done
image="${1:?usage: run.sh [options] IMAGE [ARG...]}"; shift

# The image's run configuration, as a container engine would read it.
config=$(bh inspect --type image "$image" | jq '.OCIv1.config') || die "no image $image"
mapfile -t image_entrypoint < <(jq -r '.Entrypoint // [] | .[]' <<<"$config")
mapfile -t image_env < <(jq -r '.Env // [] | .[]' <<<"$config")
workdir=$(jq -r '.WorkingDir // "" | if . == "" then "/" else . end' <<<"$config")
user="${user:-$(jq -r '.User // ""' <<<"$config")}"
[ -n "$entrypoint" ] && image_entrypoint=("$entrypoint")
[ ${#image_entrypoint[@]} -gt 0 ] || [ $# -gt 0 ] || die "$image has no entrypoint and no command was given"
[[ "$user" =~ ^[0-9]+:[0-9]+$ ]] || die "USER must be numeric uid:gid (got '${user:-root}'): a root or named user is not what the pod runs"

ctr=$(bh from --pull=never "$image")
rootfs=$(bh mount "$ctr")
newroot=$(mktemp -d /tmp/mr-init-run.XXXXXX)
cleanup() { bh rm "$ctr" >/dev/null 2>&1 || true; rmdir "$newroot" 2>/dev/null || true; }
trap cleanup EXIT

# Mount points, created in the throwaway container's own layer (a runtime creates them the same way).
for v in "${volumes[@]}"; do mkdir -p "$rootfs${v#*:}"; done
for t in "${tmpfs[@]}"; do mkdir -p "$rootfs$t"; done
for f in hosts resolv.conf; do [ -e "$rootfs/etc/$f" ] || touch "$rootfs/etc/$f"; done
mkdir -p "$rootfs/proc" "$rootfs/dev"

# Inside a new mount namespace: bind the root, add /proc, a minimal /dev, the volumes and tmpfs, then
# make the root read-only; the submounts keep their own modes.
setup=$(cat <<'SH'
set -euo pipefail
root="$1" newroot="$2"; shift 2
mount --make-rprivate /
mount --bind "$root" "$newroot"
mount -t proc -o nosuid,nodev,noexec proc "$newroot/proc"
mount -t tmpfs -o nosuid,noexec,mode=0755,size=64k tmpfs "$newroot/dev"
for d in null zero full random urandom tty; do touch "$newroot/dev/$d"; mount --bind "/dev/$d" "$newroot/dev/$d"; done
ln -s /proc/self/fd "$newroot/dev/fd"
for f in hosts resolv.conf; do [ -e "/etc/$f" ] && mount --bind -o ro "/etc/$f" "$newroot/etc/$f"; done
while [ "$1" != -- ]; do
  case "$1" in
    --volume) mount --bind "${2%%:*}" "$newroot${2#*:}" ;;
    --tmpfs) mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs "$newroot$2" ;;
  esac
  shift 2
done
shift
mount -o remount,bind,ro "$newroot"
exec "$@"
SH
)
mount_args=()
for v in "${volumes[@]}"; do mount_args+=(--volume "$v"); done
for t in "${tmpfs[@]}"; do mount_args+=(--tmpfs "$t"); done

log "container ready"
rc=0
unshare --mount --pid --fork --kill-child -- bash -c "$setup" setup "$rootfs" "$newroot" "${mount_args[@]}" -- \
  /usr/bin/env -i "${image_env[@]}" "${extra_env[@]}" \
  /usr/bin/setpriv --no-new-privs -- \
  /usr/bin/unshare --root="$newroot" --wd="$workdir" --setgid="${user#*:}" --setuid="${user%%:*}" -- \
  "${image_entrypoint[@]}" "$@" || rc=$?
exit $rc
