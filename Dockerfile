# Multi-stage build: promu (the Prometheus release tool) is not needed; the
# builder stage runs the same `go build` as `make build`.
ARG GO_VERSION=1.26
FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG REVISION=unknown
RUN CGO_ENABLED=0 go build -trimpath -tags netgo \
      -ldflags "-s -w -X github.com/prometheus/common/version.Version=${VERSION} -X github.com/prometheus/common/version.Revision=${REVISION} -X github.com/prometheus/common/version.BuildUser=docker" \
      -o /out/dhcpd_exporter .

FROM quay.io/prometheus/busybox-linux-amd64:latest
LABEL org.opencontainers.image.title="dhcpd_exporter" \
      org.opencontainers.image.description="Prometheus exporter for ISC dhcpd 4.x: failover state and pool capacity" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /out/dhcpd_exporter /bin/dhcpd_exporter
COPY dashboards /usr/share/dhcpd_exporter/dashboards
COPY alerts /usr/share/dhcpd_exporter/alerts
EXPOSE 9367
# The exporter needs to read dhcpd.conf, dhcpd.leases and the OMAPI key file
# (mount them read-only) and to reach OMAPI on 127.0.0.1: run the container in
# the host network namespace, as a user that may read those files.
USER nobody
ENTRYPOINT ["/bin/dhcpd_exporter"]
