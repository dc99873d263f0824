# syntax=docker/dockerfile:1
#
# Ash Metrics container image: a Debian bookworm build stage that compiles
# ash-metrics, then a bookworm-slim runtime stage with only the shared
# libraries the binary loads. The runtime stage starts as root so that
# docker-entrypoint.sh can apply PUID/PGID; the service itself runs as the
# unprivileged user "ash". Operations guide: docs/operations.md.

FROM debian:bookworm AS build

RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        build-essential \
        cmake \
        libcli11-dev \
        libcpp-httplib-dev \
        libcurl4-openssl-dev \
        libfmt-dev \
        libhiredis-dev \
        libspdlog-dev \
        nlohmann-json3-dev \
        pkg-config \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY . .
RUN cmake -S . -B build \
        -DASH_BUILD_TESTS=OFF -DASH_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=Release \
    && cmake --build build --target ash-metrics -j"$(nproc)" \
    && strip build/ash-metrics


FROM debian:bookworm-slim AS runtime

# One package for each shared library that ash-metrics loads and the
# bookworm-slim image lacks; apt adds their own dependencies.
# tests/container/runtime_libs_test.cc compares this line with `ldd` of the
# built binary. curl is for HEALTHCHECK, ca-certificates for HTTPS to
# Discord. setpriv (util-linux) and usermod/groupmod (passwd) are already in
# the base image.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        ca-certificates \
        curl \
        libcpp-httplib0.11 \
        libcurl4 \
        libfmt9 \
        libhiredis0.14 \
        libspdlog1.10 \
    && rm -rf /var/lib/apt/lists/*

# Home /app: usermod -u, run by the entrypoint when PUID changes, re-owns
# only the files below the home folder, and /app holds nothing but the two
# volumes.
RUN groupadd --system --gid 1001 ash \
    && useradd --system --uid 1001 --gid ash --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin ash \
    && mkdir -p /app/data /app/logs \
    && chown ash:ash /app/data /app/logs \
    && chmod 0750 /app/data /app/logs

COPY --from=build /src/build/ash-metrics /usr/local/bin/ash-metrics
COPY --chmod=0755 docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh

# The service listens on all interfaces of the container's network (the
# Ash-Bot container reaches it by service name); compose publishes the port
# on the host's loopback only. Relative paths resolve under /app.
ENV BOT_METRICS_HTTP_HOST=0.0.0.0 \
    BOT_METRICS_HTTP_PORT=30890 \
    BOT_METRICS_SPOOL_PATH=/app/data/spool.ndjson \
    PUID=1001 \
    PGID=1001

WORKDIR /app
VOLUME ["/app/data", "/app/logs"]
EXPOSE 30890

# Uses BOT_METRICS_HTTP_PORT from the image or container environment; the
# check reaches the service on 127.0.0.1, which BOT_METRICS_HTTP_HOST=0.0.0.0
# includes.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD curl -fsS -o /dev/null "http://127.0.0.1:${BOT_METRICS_HTTP_PORT:-30890}/health" || exit 1

# docker stop sends SIGTERM, and the entrypoint execs the service, so the
# signal reaches ash-metrics itself. compose's stop_grace_period bounds the
# wait before SIGKILL.
STOPSIGNAL SIGTERM

ARG VERSION=1.0.0
LABEL org.opencontainers.image.title="Ash Metrics" \
      org.opencontainers.image.description="Alert response metrics, weekly reports and data retention for Ash-Bot" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.base.name="docker.io/library/debian:bookworm-slim"

ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["ash-metrics", "serve"]
