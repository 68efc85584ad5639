# dhcpd_exporter. `make test` is the whole test suite (real-dhcpd, Prometheus
# and Alertmanager tests included when run as root with the Debian packages
# installed; .ci/run installs them). `sudo make demo` runs a real dhcpd
# failover pair with an exporter per server. The tools/ module (the PromQL
# parser) is used by the tests through `go run`.

# Go on PATH, else the official tarball's /usr/local/go/bin/go: root's
# standard PATH (sudo's secure_path, a login shell) does not have it.
ifeq ($(origin GO),undefined)
GO        := $(or $(shell command -v go 2>/dev/null),$(wildcard /usr/local/go/bin/go),go)
endif
BIN       ?= dhcpd_exporter
# Build metadata, defined here once: the Dockerfile builds with `make build`,
# and .promu.yml mirrors these -X variables for promu (dockerfile_test.go
# checks). Empty values (an unset Docker build argument) mean the default.
VERSION   := $(or $(VERSION),$(shell cat VERSION))
REVISION  := $(or $(REVISION),$(shell git rev-parse --short HEAD 2>/dev/null),unknown)
BRANCH    := $(or $(BRANCH),$(shell git rev-parse --abbrev-ref HEAD 2>/dev/null),unknown)
LDFLAGS   := -X github.com/prometheus/common/version.Version=$(VERSION) \
             -X github.com/prometheus/common/version.Revision=$(REVISION) \
             -X github.com/prometheus/common/version.Branch=$(BRANCH) \
             -X github.com/prometheus/common/version.BuildUser=$(shell id -un)@$(shell hostname) \
             -X github.com/prometheus/common/version.BuildDate=$(shell date -u +%Y%m%d-%H:%M:%S)
FUZZTIME  ?= 30s

.PHONY: all build test style vet lint unit fuzz demo bench clean

all: style vet test build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -tags netgo -ldflags '$(LDFLAGS)' -o $(BIN) .

style:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...
	cd tools && $(GO) vet ./...

# golangci-lint v2 with .golangci.yml (staticcheck included). Installs the
# pinned version into $(GOBIN) when it is missing.
GOLANGCI_LINT_VERSION ?= v2.15.0
GOBIN ?= $(shell $(GO) env GOPATH)/bin
lint:
	@test -x $(GOBIN)/golangci-lint || PATH="$(dir $(GO)):$$PATH" $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	PATH="$(dir $(GO)):$$PATH" $(GOBIN)/golangci-lint run ./...
	cd tools && PATH="$(dir $(GO)):$$PATH" $(GOBIN)/golangci-lint run --config ../.golangci.yml ./...

# The whole suite. Packages run in parallel; each real-dhcpd lab lives in its
# own network namespace.
test: style vet
	$(GO) test -count=1 -timeout 80m ./...

# Unit tests only (no root, no dhcpd needed: the rest skip themselves).
unit:
	$(GO) test -count=1 -short ./...

fuzz:
	$(GO) test ./omapi -run XXX -fuzz FuzzDecodeMessage -fuzztime $(FUZZTIME)
	$(GO) test ./omapi -run XXX -fuzz FuzzDecodeCaptured -fuzztime $(FUZZTIME)
	$(GO) test ./dhcpdconf -run XXX -fuzz FuzzParseConfig -fuzztime $(FUZZTIME)
	$(GO) test ./internal/conflex -run XXX -fuzz FuzzTokenizer -fuzztime $(FUZZTIME)
	$(GO) test ./leasefile -run XXX -fuzz FuzzLeaseFile -fuzztime $(FUZZTIME)
	$(GO) test ./probe -run XXX -fuzz FuzzParseConfig -fuzztime $(FUZZTIME)

# The figures of BENCHMARKS.md. The large files (1,000,000 records, about
# 365 MB) are generated once into $$TMPDIR; real-dhcpd benchmarks need root.
bench:
	$(GO) test ./leasefile ./dhcpdconf ./internal/conflex -run XXX -bench . -benchtime 5x
	DHCPD_EXPORTER_BENCH_RECORDS=100000 $(GO) test ./collector -run XXX -bench ScrapeAfterAppend -benchtime 30x
	DHCPD_EXPORTER_BENCH_RECORDS=1000000 $(GO) test ./collector -run XXX -bench ScrapeAfterAppend -benchtime 30x
	$(GO) test ./collector -run XXX -bench ScrapeSeries -benchmem -count 6
	DHCPD_EXPORTER_BENCH_RECORDS=1000000 $(GO) test ./collector -run XXX -bench ScrapeHTTP -benchtime 30x -benchmem -count 5
	$(GO) test ./collector -run XXX -bench RealOMAPIScrape1000Pools -benchtime 100x -benchmem -v
	$(GO) test ./collector -run XXX -bench 'Real(OMAPIScrape|Exporter)8000Pools' -benchtime 20x -benchmem -v
	DHCPD_EXPORTER_BENCH_RECORDS=1000000 $(GO) test ./collector -run XXX -bench FirstReadVsDhcpdPools -benchtime 20x
	$(GO) test . -run XXX -bench ExporterLargeLeaseFile -benchtime 20x -v
	$(GO) test . -run XXX -bench DHCPThroughputUnderScrapes -benchtime 1x -v
	DHCPD_EXPORTER_SOAK=10m $(GO) test . -run XXX -bench Soak -benchtime 1x -timeout 30m -v

# A real dhcpd failover pair with an exporter per server, until Ctrl-C
# (then exit 0; the exporter and dhcpd logs stay where the demo says). The
# demo is built and run directly rather than with `go run`, so that signals
# reach it and not only the go command.
# DEMO_ARGS: more flags (e.g. --primary-port=9367 --secondary-port=9368).
DEMO_BIN  ?= .build/dhcpd_exporter-demo
DEMO_ARGS ?=
demo: build
	$(GO) build -o $(DEMO_BIN) ./internal/testlab/cmd/demo
	$(abspath $(DEMO_BIN)) --exporter $(abspath $(BIN)) $(DEMO_ARGS)

clean:
	rm -f $(BIN) $(DEMO_BIN)
