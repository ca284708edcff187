# dryad — Apache Druid, rebuilt in Go.
#
#   make quickstart   run every role in one process on 127.0.0.1:8888, data in ./var
#   make test         vet, format check and every test (unit, fuzz seeds, end-to-end)
#   make bench        kernel benchmarks (go test -bench); compare runs with benchstat
#   make bench-compare  dryad vs DuckDB on the same data, answers checked (BENCH_ROWS=10M); see docs/performance.md

GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
PKGS    := ./...
# Per-package timeout for `make test`; the whole suite must stay under 15 minutes on 2 cores.
TEST_TIMEOUT ?= 10m
FUZZTIME ?= 15s
BENCH ?= .
BENCHCOUNT ?= 6

.PHONY: quickstart build test test-short test-race lint fmt bench bench-compare fuzz clean

quickstart:
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/dryad quickstart

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/dryad ./cmd/dryad

test: lint
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) $(PKGS)

test-short:
	$(GO) test -short -count=1 $(PKGS)

test-race:
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

fmt:
	gofmt -w $$(git ls-files '*.go')

bench:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -count $(BENCHCOUNT) $(PKGS)

# dryad against DuckDB (linked only with -tags duckdb): data, ingestion, checked answers, timings;
# writes bench/results/<date>-<host>.md and .json. BENCH_FLAGS adds flags, e.g. BENCH_FLAGS="--runs 5".
BENCH_ROWS ?= 10M
bench-compare:
	$(GO) run -tags duckdb ./bench/cmd/compare --rows $(BENCH_ROWS) $(BENCH_FLAGS)

# Runs every fuzz target for FUZZTIME each (go test allows one target per run).
fuzz:
	@for pkg in $$($(GO) list $(PKGS)); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf bin var
