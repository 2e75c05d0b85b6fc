# hops — make targets. CI runs scripts/test.sh, which `make test` calls.
GO ?= go
FUZZTIME ?= 30s

.PHONY: test check vet fmt build bench fuzz run

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
	$(GO) run ./cmd/hops traceroute www.example.com

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
