# hops — make targets. `make test` is what CI runs.
GO ?= go
FUZZTIME ?= 30s
# CI and root users must have tshark: the capture checks then fail rather than skip.
REQUIRE_TSHARK := $(if $(filter 0,$(shell id -u)),1,$(if $(CI),1,0))

.PHONY: test check vet fmt build bench fuzz run

## test: install test dependencies if missing (tshark), then vet, format check and all tests
test: build
	@./scripts/test-deps.sh
	$(MAKE) --no-print-directory check
	HOPS_REQUIRE_TSHARK=$(REQUIRE_TSHARK) $(GO) test -count=1 ./...

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
