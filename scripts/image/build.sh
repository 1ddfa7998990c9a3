#!/usr/bin/env bash
# Builds the repo's Dockerfile with buildah, without a Docker engine or a registry: chroot isolation,
# the vfs store of lib.sh, and the local base of build-local-base.sh as BASE (built first if missing).
#
#   bash scripts/image/build.sh PROVIDERS [TAG]     e.g. build.sh s3,http  ->  localhost/mr-init:s3-http
#
# Layers are cached (--layers), so variants share the install-and-compile stage and a rebuild after a
# change outside the build context (tests, docs: see .dockerignore) is quick. The network is needed
# only for npm's registry. Prints the image name on stdout.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

providers="${1:?usage: build.sh PROVIDERS [TAG]  (PROVIDERS: a comma list, e.g. s3,http)}"
tag="${2:-$(tr ',' '-' <<<"$providers")}"
image="localhost/mr-init:$tag"

bash "$REPO_ROOT/scripts/image/build-local-base.sh" >&2

log "building $image (PROVIDERS=$providers, BASE=$MR_INIT_BASE_IMAGE)"
# bud's output goes to stderr so stdout carries only the image name.
bh bud --isolation chroot --layers --force-rm --pull=never \
  --build-arg BASE="$MR_INIT_BASE_IMAGE" --build-arg PROVIDERS="$providers" \
  --file "$REPO_ROOT/Dockerfile" --tag "$image" "$REPO_ROOT" >&2
echo "$image"
