# hops — make targets. CI runs scripts/test.sh, which `make test` calls.
GO ?= go
FUZZTIME ?= 30s

.PHONY: test check vet fmt build bench bench-scenarios profile fuzz run

## test: what CI runs (scripts/test.sh): install test dependencies if missing (tshark), vet, gofmt check, all tests
test:
	./scripts/test.sh

build:
	$(GO) build ./...

check: vet fmt

vet:
	$(GO) vet ./...

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## run: the main job on the embedded default world
run:
	$(GO) run ./cmd/hops browse http://www.example.com/

## bench: kernel, link, forwarding and codec benchmarks (events/s, packet-hops/s, allocs/op)
bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./sim/ ./link/ ./node/ ./wire/ ./trace/...

## fuzz: run every fuzz target for FUZZTIME each (default 30s)
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$t"; $(GO) test -run='^$$' -fuzz="^$$t$$" -fuzztime=$(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

## bench-scenarios: hops bench, every named scenario 3 times (wall time, link-packets/s, allocs per packet, peak memory; the issue's ns-3 figures beside)
bench-scenarios:
	$(GO) run ./cmd/hops bench --runs 3

## profile: a CPU profile of whole runs of a scenario (SCENARIO=tcp-chain, RUNS=3), top functions printed; the profile stays in PROFDIR
SCENARIO ?= tcp-chain
RUNS ?= 3
PROFDIR ?= /tmp
profile:
	HOPS_BENCH=$(SCENARIO) $(GO) test -run='^$$' -bench=Scenario -benchtime=$(RUNS)x -cpuprofile=$(PROFDIR)/hops-$(SCENARIO).cpu -o $(PROFDIR)/hops-bench.test ./world/bench/
	$(GO) tool pprof -top -nodecount=25 $(PROFDIR)/hops-bench.test $(PROFDIR)/hops-$(SCENARIO).cpu
