# mr-init: the KServe storage initializer image.
#
#   docker build -t mr-init .                                  # every provider
#   docker build --build-arg PROVIDERS=s3,http -t mr-init:s3 . # only S3 and HTTP(S)
#
# BASE must be a Debian-like image with node (20.10 or newer), npm, tar, a shell and useradd on PATH; the
# default is the official slim Node 20 image. scripts/image/ builds the same file without a Docker engine
# (buildah, a local base): see docs/image.md.
ARG BASE=node:20-bookworm-slim
ARG PROVIDERS=s3,gcs,azure,hdfs,http

# ---- build: install, compile. Independent of PROVIDERS, so every variant reuses these layers.
FROM ${BASE} AS build
WORKDIR /src
COPY . .
RUN npm ci && npm run build

# ---- assemble: core + the chosen plugins + their production dependencies + the oclif manifest.
FROM build AS assemble
ARG PROVIDERS
RUN node scripts/assemble.mjs --providers "${PROVIDERS}" --out /app

# ---- runtime. Everything that does not depend on PROVIDERS comes first, so variants share those layers
# and differ only in the last two steps.
FROM ${BASE}
# Read-only root filesystem: the only writable place mr-init needs is DEST (KServe mounts /mnt/models).
# HOME and oclif's cache, config and data folders (MR_INIT_*_DIR: oclif's variables for the bin
# "mr-init") point at /tmp, so nothing looks for a writable home. SHELL spares oclif a passwd lookup,
# which fails under an arbitrary uid without an /etc/passwd entry (OpenShift's restricted SCC).
ENV NODE_ENV=production \
    HOME=/tmp \
    SHELL=/bin/sh \
    MR_INIT_CACHE_DIR=/tmp/mr-init/cache \
    MR_INIT_CONFIG_DIR=/tmp/mr-init/config \
    MR_INIT_DATA_DIR=/tmp/mr-init/data
# A named user for 65532 (the distroless "nonroot" id), and `mr-init` on PATH for humans
# (--entrypoint mr-init). /app stays owned by root: the process can read it, never change it.
RUN groupadd --gid 65532 nonroot \
 && useradd --uid 65532 --gid 65532 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin nonroot \
 && mkdir -p /mnt/models \
 && ln -s /app/node_modules/@mr-init/core/bin/run.js /usr/local/bin/mr-init
USER 65532:65532
WORKDIR /tmp
# KServe runs the storage initializer with "SRC DEST [SRC DEST ...]": they land on `mr-init download`.
# Other commands: `docker run --entrypoint mr-init IMAGE providers`.
ENTRYPOINT ["node", "/app/node_modules/@mr-init/core/bin/run.js", "download"]
ARG PROVIDERS
LABEL org.opencontainers.image.title="mr-init" \
      org.opencontainers.image.description="KServe storage initializer for the Kubeflow Model Registry and plain storage URIs" \
      org.opencontainers.image.licenses="Apache-2.0" \
      io.kubeflow.mr-init.providers="${PROVIDERS}"
COPY --from=assemble /app /app
