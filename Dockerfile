# Multi-stage build. The builder runs `make build`, so the image carries the
# same build flags and version metadata as every other build (the Makefile's
# LDFLAGS; .promu.yml mirrors them for promu, checked by dockerfile_test.go).
# ARCH and OS pick the target as in the Prometheus images:
#   docker build --build-arg ARCH=arm64 .
# VERSION, REVISION and BRANCH default to the VERSION file and git, as for
# `make build`; build arguments override them.
ARG ARCH="amd64"
ARG OS="linux"
ARG GO_VERSION=1.26

FROM golang:${GO_VERSION}-bookworm AS build
ARG ARCH
ARG OS
ARG VERSION
ARG REVISION
ARG BRANCH
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# armv7 is GOARCH arm with GOARM 7, as promu names it.
RUN case "${ARCH}" in armv7) goarch=arm goarm=7 ;; *) goarch="${ARCH}" goarm= ;; esac && \
    GOOS="${OS}" GOARCH="${goarch}" GOARM="${goarm}" \
    make build BIN=/out/dhcpd_exporter ${VERSION:+VERSION="${VERSION}"} ${REVISION:+REVISION="${REVISION}"} ${BRANCH:+BRANCH="${BRANCH}"}

FROM quay.io/prometheus/busybox-${OS}-${ARCH}:latest
LABEL org.opencontainers.image.title="dhcpd_exporter" \
      org.opencontainers.image.description="Prometheus exporter for ISC dhcpd 4.x: failover state and pool capacity" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /out/dhcpd_exporter /bin/dhcpd_exporter
COPY dashboards /usr/share/dhcpd_exporter/dashboards
COPY alerts /usr/share/dhcpd_exporter/alerts
EXPOSE 9367
# The exporter needs to read dhcpd.conf, the directory of dhcpd.leases (dhcpd
# replaces the file by rename, so mount the directory, not the file) and the
# OMAPI key file, read-only, and to reach OMAPI on 127.0.0.1: run the
# container in the host network namespace, as a user that may read them.
USER nobody
ENTRYPOINT ["/bin/dhcpd_exporter"]
