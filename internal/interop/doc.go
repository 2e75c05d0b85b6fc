// Package interop holds hops' independent judges for its protocol
// engines: tests in which an engine of hops talks, in real bytes, to an
// implementation that hops did not write (DESIGN.md, "Independent
// judges": a feature that agrees only with our own tests is not done).
//
// The first judge is gVisor's netstack (gvisor.dev/gvisor, pinned in
// go.mod), run in-process. hops' TCP engine, a tcp.Conn driven by the
// test, has its segments wrapped in real IPv4 and TCP headers by package
// wire and handed to a gVisor stack.Stack (ipv4 and tcp, SACK on, as
// Linux has it) whose only NIC is a link/channel endpoint; what gVisor
// sends is read off the channel, checked with wire's parsers and
// checksums, and fed to the Conn. Between them a path with a rate, a
// delay, and loss and reordering drawn from a locally seeded PCG.
//
// Both sides run on one virtual clock. gVisor's stack gets a
// faketime.ManualClock, wrapped so that the test can see its next timer
// (ManualClock keeps its heap to itself); each step moves time to the
// earliest of a packet's arrival, a hops deadline and a gVisor timer,
// and ManualClock.Advance fires gVisor's timers on the test's goroutine.
// gVisor handles inbound segments on processor goroutines of its own:
// after every injected packet, app call and clock step the test calls
// stack.Pause and Resume, which return only once every processor has
// drained its queue. The app side of gVisor is its non-blocking
// tcpip.Endpoint API, called from the test's goroutine. Nothing waits on
// the wall clock, every loop is bounded in steps, virtual time and wall
// time, and a run is a function of its seed (TestRepeatable).
//
// The tests: TestBulk (both roles; 1 MiB up, 4 MiB down through a
// half-closed connection, 1 MiB both ways; clean and lossy paths;
// SHA-256 at both ends; FIN both ways, end states), TestOptions (MSS,
// window scale, SACK-permitted and timestamps as sent, as negotiated and
// as then used, with everything offered and with hops offering only an
// MSS), TestResets (a closed port on either side; either side closing
// with unread data), TestSlowReader (zero windows and probes both ways),
// TestRepeatable, and TestGVisorRACKTie, which pins a gVisor RACK bug
// these tests found (RFC 8985 backs hops; see the test).
//
// To try a patched gVisor, copy its module somewhere, copy go.mod and
// go.sum to alt.mod and alt.sum, add "replace gvisor.dev/gvisor => DIR"
// to alt.mod, and run go test -modfile=alt.mod ./internal/interop/.
//
// The package has no non-test code; it exists for its tests.
package interop
