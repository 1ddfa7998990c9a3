#!/usr/bin/env bash
# Builds a local stand-in for the Dockerfile's default BASE (the official slim Node 20 image), for
# machines that cannot pull images: a Debian minbase root made by debootstrap from the machine's own apt
# mirror, plus this machine's node and npm in /usr/local (where the official image has them), imported
# into buildah's store as $MR_INIT_BASE_IMAGE (localhost/mr-init-base:latest).
#
#   bash scripts/image/build-local-base.sh            # skips the work when that base already exists
#   MR_INIT_BASE_REBUILD=1 bash scripts/image/build-local-base.sh
#
# Settings: MR_INIT_DEBIAN_SUITE (default: this machine's codename), MR_INIT_DEBIAN_MIRROR (default: the
# first Debian URI in /etc/apt/sources.list*), MR_INIT_BASE_CACHE (where the debootstrap tarball is kept,
# default /var/cache/mr-init).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${MR_INIT_BASE_CACHE:=/var/cache/mr-init}"
suite="${MR_INIT_DEBIAN_SUITE:-$(. /etc/os-release && echo "${VERSION_CODENAME:-}")}"
[ -n "$suite" ] || die "cannot tell the Debian suite; set MR_INIT_DEBIAN_SUITE"

# The mirror apt already uses (deb822 .sources or one-line .list), so debootstrap reaches what apt reaches.
debian_mirror() {
  local uri
  uri=$(awk -v suite="$suite" '
      /^URIs:/ { uris = $2 } /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) { print uris; exit } }
      /^deb / && $3 == suite { print $2; exit }' \
    /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null | head -n1)
  echo "${uri:-http://deb.debian.org/debian}"
}
mirror="${MR_INIT_DEBIAN_MIRROR:-$(debian_mirror)}"

node_bin=$(readlink -f "$(command -v node)") || die "node is not on PATH"
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")") || die "npm is not on PATH"
[ -f "$npm_dir/package.json" ] || die "cannot find npm's folder (got $npm_dir)"
node_version=$("$node_bin" --version)
npm_version=$("$node_bin" -p "require('$npm_dir/package.json').version")
case "$node_version" in v20.*) ;; *) log "warning: node $node_version is not Node 20 (the default BASE is)";; esac
ca_bundle=/etc/ssl/certs/ca-certificates.crt

# The tag says what the base is made of, so a changed node or CA bundle makes a new base.
key=$(printf '%s\n' "$suite" "$mirror" "$node_version" "$npm_version" "$(sha256sum "$ca_bundle" 2>/dev/null | cut -c1-64)" \
  | sha256sum | cut -c1-12)
versioned="${MR_INIT_BASE_IMAGE%:*}:$key"
if [ -z "${MR_INIT_BASE_REBUILD:-}" ] && bh inspect --type image "$versioned" >/dev/null 2>&1; then
  bh tag "$versioned" "$MR_INIT_BASE_IMAGE"
  log "base $versioned ($suite, node $node_version) already built"
  exit 0
fi

# 1. Debian minbase, once per suite and mirror: kept as a tarball, without device nodes or caches.
rootfs_tar="$MR_INIT_BASE_CACHE/debian-$suite-minbase.tar"
make_rootfs() {
  need debootstrap
  local dir; dir=$(mktemp -d "$MR_INIT_BASE_CACHE/rootfs.XXXXXX")
  debootstrap --variant=minbase "$suite" "$dir" "$mirror" >"$dir.log" 2>&1 \
    || { tail -n 20 "$dir.log" >&2; die "debootstrap $suite from $mirror failed (log: $dir.log)"; }
  # What the official slim images leave out too: apt's downloads and lists, docs, man pages, locales.
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir"/usr/share/man/* \
    "$dir"/usr/share/info/* "$dir"/usr/share/locale/* "$dir"/var/log/*.log "$dir"/var/cache/debconf/*-old
  find "$dir/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  tar -C "$dir" --numeric-owner --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' \
    -cf "$rootfs_tar.tmp" .
  mv "$rootfs_tar.tmp" "$rootfs_tar"
  rm -rf "$dir" "$dir.log"
}
mkdir -p "$MR_INIT_BASE_CACHE"
if [ -s "$rootfs_tar" ]; then
  log "reusing $rootfs_tar"
else
  timed "debootstrap $suite minbase" make_rootfs
fi

# 2. Into buildah: the root, then node and npm where the official Node images put them.
import_base() {
  local ctr mnt
  ctr=$(bh from --pull=never scratch)
  mnt=$(bh mount "$ctr")
  tar -C "$mnt" --numeric-owner -xf "$rootfs_tar"
  install -D -m 0755 "$node_bin" "$mnt/usr/local/bin/node"
  mkdir -p "$mnt/usr/local/lib/node_modules"
  cp -a "$npm_dir" "$mnt/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$mnt/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$mnt/usr/local/bin/npx"
  # This machine's CA bundle, and npm told to use it: npm in the build then trusts what npm here trusts
  # (the same registry, through the same TLS proxy if there is one). The official image needs neither.
  if [ -f "$ca_bundle" ]; then
    install -D -m 0644 "$ca_bundle" "$mnt$ca_bundle"
    mkdir -p "$mnt/usr/local/etc"
    echo "cafile=$ca_bundle" >"$mnt/usr/local/etc/npmrc"
  fi
  bh umount "$ctr" >/dev/null
  bh config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd node \
    --label io.kubeflow.mr-init.base.node="$node_version" --label io.kubeflow.mr-init.base.suite="$suite" "$ctr"
  # It must run here before anything is built on it (a node built for a newer glibc would not).
  bh run "$ctr" -- node -e 'process.stdout.write(`base: node ${process.version}\n`)'
  bh run "$ctr" -- npm --version >/dev/null
  bh commit --quiet --rm "$ctr" "$versioned" >/dev/null
  bh tag "$versioned" "$MR_INIT_BASE_IMAGE"
}
timed "import base into buildah" import_base
log "base $versioned ($suite from $mirror, node $node_version, npm $npm_version) tagged $MR_INIT_BASE_IMAGE"
