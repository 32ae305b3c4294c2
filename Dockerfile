# syntax=docker/dockerfile:1
# One image for every role of the platform: the subcommand chooses (gateway, reporter, collector,
# autoscale, migrate, topics, publish, lag, ...). Build from the repository root:
#   docker build -t eventplatform:dev .
#   docker run --rm eventplatform:dev --help
# Builder and runtime are both Ubuntu 24.04 (noble), so the binary links against the same
# librdkafka (2.3.0; Debian bookworm's 2.0.2 is too old, see the platform contract section 7) and
# libpq it finds at run time.
ARG SWIFT_IMAGE=swift:6.3-noble
ARG RUNTIME_IMAGE=ubuntu:24.04

FROM ${SWIFT_IMAGE} AS build
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends librdkafka-dev libpq-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /build
# Dependencies first, so that a source change does not resolve them again.
COPY Package.* ./
RUN swift package resolve
COPY . .
RUN swift build -c release --product eventplatform --static-swift-stdlib \
 && mkdir -p /staging \
 && cp "$(swift build -c release --show-bin-path)/eventplatform" /staging/ \
 && cp /usr/libexec/swift/linux/swift-backtrace-static /staging/

FROM ${RUNTIME_IMAGE}
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
# the repository's URL, e.g. --build-arg SOURCE_URL=https://github.com/OWNER/REPO
ARG SOURCE_URL=""
LABEL org.opencontainers.image.title="eventplatform" \
      org.opencontainers.image.description="Event platform: HTTP ingestion gateway, Kafka collectors into PostgreSQL, reports API, lag autoscaler (one binary, a subcommand per role)" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="ubuntu:24.04"
# librdkafka1 (2.3.0) and libpq5 from the distribution; curl for the HEALTHCHECK, which also brings
# libcurl (libcurl4t64 on noble) for FoundationNetworking (the load generator's HTTP client). Versions
# follow the distribution's security updates, hence not pinned.
# /var/lib/eventplatform/targets: where `eventplatform autoscale` may keep its collectors' Prometheus
# file_sd targets (AUTOSCALER_SCRAPE_TARGETS_FILE); owned by the runtime user so that a volume mounted
# there starts writable.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends librdkafka1 libpq5 curl ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 eventplatform \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin eventplatform \
 && mkdir -p /var/lib/eventplatform/targets \
 && chown -R 10001:10001 /var/lib/eventplatform
WORKDIR /app
COPY --from=build --chown=0:0 /staging/ /app/
# Crash reports with symbolicated backtraces, without an interactive debugger.
ENV PATH="/app:${PATH}" \
    SWIFT_BACKTRACE="enable=yes,sanitize=yes,threads=all,images=all,interactive=no,swift-backtrace=/app/swift-backtrace-static" \
    HEALTH_PORT=8080
USER 10001:10001
# gateway 8080, reporter 8081, autoscaler 9100, collectors 9101-9103 (and the next free ports)
EXPOSE 8080 8081 9100 9101 9102 9103
# Every long-running role serves /health/live; set HEALTH_PORT to the role's port (8080 = gateway).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["/bin/sh", "-c", "curl -fsS -o /dev/null \"http://127.0.0.1:${HEALTH_PORT}/health/live\" || exit 1"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["eventplatform"]
CMD ["gateway"]
