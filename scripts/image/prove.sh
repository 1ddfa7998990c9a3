#!/usr/bin/env bash
# Proves the Dockerfile without a Docker engine: builds the image for three provider sets with buildah
# (from the local base), reports their sizes, and runs each as the pod would (uid 65532, read-only root,
# no writable /tmp, only DEST writable): `mr-init --version`, `mr-init providers` (exactly the chosen
# set), and one download through the image's ENTRYPOINT of a file served on 127.0.0.1. Exits non-zero on
# any failure. Needs root and the network to Debian's archive (first run) and npm's registry.
#
#   bash scripts/image/prove.sh                       # the three variants below
#   MR_INIT_PROVE_VARIANTS="http=http" bash scripts/image/prove.sh   # TAG=PROVIDERS ...
#   MR_INIT_IMAGE_CACHE_MAX_GB=6 ...   # prune the layer cache when the store is larger (GB)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# tag=providers
: "${MR_INIT_PROVE_VARIANTS:=http=http s3-http=s3,http all=s3,gcs,azure,hdfs,http}"
here="$REPO_ROOT/scripts/image"
work=$(mktemp -d /tmp/mr-init-prove.XXXXXX)
server_pid=''
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

timed "local base" bash "$here/build-local-base.sh"

# A file to download, served with ranges on 127.0.0.1 (the image shares the host's network).
mkdir -p "$work/srv"
head -c $((3 * 1024 * 1024 + 17)) /dev/urandom >"$work/srv/model.bin"
want_sha=$(sha256sum <"$work/srv/model.bin" | cut -d' ' -f1)
node "$here/serve.mjs" "$work/srv" >"$work/port" &
server_pid=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(cat "$work/port") || true
[ -n "$port" ] || die "the test HTTP server did not start"

failures=0 sizes=()
fail() { log "FAIL: $*"; failures=$((failures + 1)); }

prove_variant() {
  local tag="$1" providers="$2" image="localhost/mr-init:$1" out dest
  timed "build $tag ($providers)" bash "$here/build.sh" "$providers" "$tag" >/dev/null || { fail "build $tag"; return; }

  # The human entry (the mr-init symlink) and the installed provider set, in one container.
  out="$work/out-$tag"
  timed "run $tag: --version, providers" bash "$here/run.sh" --entrypoint /bin/sh "$image" -c '
    set -e
    ids="$(id -u):$(id -g)"; version=$(mr-init --version); providers=$(mr-init providers --json | tr -d "\n")
    printf "ids=%s\nversion=%s\nproviders=%s\n" "$ids" "$version" "$providers"
    printf "app_owner=%s\napp_kb=%s\n" "$(stat -c %u:%g /app/package.json)" "$(du -sk /app | cut -f1)"' \
    >"$out" || { fail "$tag: mr-init --version / providers failed: $(cat "$out")"; return; }
  field() { sed -n "s/^$1=//p" "$out"; }
  [ "$(field ids)" = 65532:65532 ] || fail "$tag: runs as '$(field ids)', not 65532:65532"
  [[ "$(field version)" =~ ^@mr-init/core/[0-9] ]] || fail "$tag: mr-init --version printed '$(field version)'"
  local got want
  got=$(field providers | jq -r '[.providers[].package] | sort | join(",")') || fail "$tag: providers --json is not JSON"
  want=$(tr ',' '\n' <<<"$providers" | sed 's|^|@mr-init/provider-|' | sort | paste -sd,)
  [ "$got" = "$want" ] || fail "$tag: providers are '$got', expected '$want'"
  [ "$(field app_owner)" = 0:0 ] || fail "$tag: /app is owned by '$(field app_owner)', not root"
  local app_kb; app_kb=$(field app_kb)

  # An arbitrary uid without a passwd entry, as OpenShift's restricted policy runs containers.
  if [ "$tag" = "$first_tag" ]; then
    timed "run $tag: --version as 1000700000:0" bash "$here/run.sh" --user 1000700000:0 --entrypoint mr-init "$image" \
      --version >"$out" || fail "$tag: mr-init --version as an arbitrary uid failed: $(cat "$out")"
  fi

  # KServe's call: the entrypoint gets "SRC DEST"; only DEST is writable.
  dest="$work/dest-$tag"
  mkdir -p "$dest" && chown 65532:65532 "$dest"
  timed "run $tag: download" bash "$here/run.sh" --volume "$dest:/mnt/models" "$image" \
    "http://127.0.0.1:$port/model.bin" /mnt/models || fail "$tag: the download exited non-zero"
  if [ "$(sha256sum <"$dest/model.bin" 2>/dev/null | cut -d' ' -f1)" != "$want_sha" ]; then
    fail "$tag: /mnt/models/model.bin is missing or differs from the served file"
  fi
  [ "$(stat -c %u:%g "$dest/model.bin" 2>/dev/null)" = 65532:65532 ] || fail "$tag: model.bin is not owned by 65532:65532"

  local size
  size=$(bh images --format '{{.Size}}' "$image" | head -n1)
  sizes+=("$(printf '%-28s %-28s image %-9s /app %s MB' "$image" "$providers" "$size" "$((app_kb / 1024))")")
}

first_tag="${MR_INIT_PROVE_VARIANTS%%=*}"
passed=0 failed=0
for v in $MR_INIT_PROVE_VARIANTS; do
  before=$failures
  prove_variant "${v%%=*}" "${v#*=}"
  if [ "$failures" -eq "$before" ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done

# Untagged images are the layer cache of this and earlier builds (a quick rebuild of unchanged sources);
# each change to the sources adds 1-2 GB. Past MR_INIT_IMAGE_CACHE_MAX_GB the cache goes (the tagged
# variants and the base stay); pruning takes a minute or two.
store_gb=$(du -sx --block-size=1G "$MR_INIT_BUILDAH_ROOT" | cut -f1)
if [ "$store_gb" -gt "${MR_INIT_IMAGE_CACHE_MAX_GB:-6}" ]; then
  timed "prune the layer cache (${store_gb} GB)" bh rmi --prune >/dev/null || fail "buildah rmi --prune"
fi

base_size=$(bh images --format '{{.Size}}' "$MR_INIT_BASE_IMAGE" | head -n1)
printf '\n== sizes (uncompressed; the local base %s is %s)\n' "$MR_INIT_BASE_IMAGE" "$base_size"
printf '%s\n' "${sizes[@]}"
printf '\n== times\n'
printf '%s\n' "${TIMINGS[@]}"
[ "$failures" -eq 0 ] && printf '\nevery variant built, ran as 65532:65532 on a read-only root, and downloaded\n'
# The variants proven and not, in the form CI's log reader counts.
printf '\nimage: %d passed, %d failed\n' "$passed" "$failed"
[ "$failures" -eq 0 ]
