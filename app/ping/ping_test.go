package ping_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/hopsnet/hops/app/ping"
	"github.com/hopsnet/hops/world"
)

const line = `
nodes: [{name: a, role: laptop}, {name: r, role: router}, {name: b, role: server}]
links:
  - {a: a 10.0.0.1/30, b: r 10.0.0.2/30, rate: 10Mbps, delay: 5ms}
  - {a: r 10.0.1.1/30, b: b 10.0.1.2/30, rate: 10Mbps, delay: 5ms%s}
`

func run(t *testing.T, extra string, cfg ping.Config) (*ping.Result, string) {
	t.Helper()
	w, err := world.FromYAML("t.yaml", []byte(strings.Replace(line, "%s", extra, 1)), 1, world.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var res *ping.Result
	ping.Start(w.Node("a"), "b", w.Node("b").Addr(), cfg, func(r *ping.Result) { res = r })
	w.Kernel.Run()
	if res == nil {
		t.Fatal("ping never finished")
	}
	var out bytes.Buffer
	res.Write(&out)
	return res, out.String()
}

func TestRepliesAndRTT(t *testing.T) {
	res, out := run(t, "", ping.Config{Count: 3, Size: ping.DefaultSize})
	if res.Received != 3 || res.Loss != 0 {
		t.Fatalf("%+v", res)
	}
	// 2 × (5ms + 5ms) propagation + 4 × 84 bytes at 10 Mbps (67.2µs each).
	want := 20*time.Millisecond + 4*67200*time.Nanosecond
	if res.Min != want || res.Max != want {
		t.Fatalf("rtt %v..%v, want %v", res.Min, res.Max, want)
	}
	for _, s := range []string{"64 bytes from 10.0.1.2: icmp_seq=1 ttl=63 time=20.3 ms", "3 packets transmitted, 3 received, 0% packet loss, time 2020ms", "rtt min/avg/max/mdev = 20.269/20.269/20.269/0.000 ms"} {
		if !strings.Contains(out, s) {
			t.Errorf("missing %q in\n%s", s, out)
		}
	}
}

func TestTTLExceeded(t *testing.T) {
	res, out := run(t, "", ping.Config{Count: 2, TTL: 1, Size: ping.DefaultSize})
	if res.Received != 0 || res.Errors != 2 {
		t.Fatalf("%+v", res)
	}
	if !strings.Contains(out, "From 10.0.0.2 icmp_seq=1 Time to live exceeded") ||
		!strings.Contains(out, "2 packets transmitted, 0 received, +2 errors, 100% packet loss") {
		t.Fatalf("output:\n%s", out)
	}
}

func TestDuplicates(t *testing.T) {
	res, out := run(t, ", duplicate: 100%", ping.Config{Count: 2, Size: ping.DefaultSize})
	// Both directions of the second link duplicate every packet: request
	// 1 arrives twice and each reply twice, so 3 of 4 replies are
	// duplicates; ping ends at the second reply to request 2, as with -c.
	if res.Received != 2 || res.Duplicates != 3 || !strings.Contains(out, "icmp_seq=1 ttl=63 time=20.3 ms (DUP!)") || !strings.Contains(out, "+3 duplicates") {
		t.Fatalf("%+v\n%s", res, out)
	}
}

func TestDontFragment(t *testing.T) {
	res, out := run(t, ", mtu: 576", ping.Config{Count: 1, Size: 1000, DontFrag: true})
	// The router answers from the address facing the sender, as Linux does.
	if res.Errors != 1 || !strings.Contains(out, "From 10.0.0.2 icmp_seq=1 Frag needed and DF set (mtu = 576)") {
		t.Fatalf("%+v\n%s", res, out)
	}
	// Without DF the router fragments and the reply comes back.
	res, _ = run(t, ", mtu: 576", ping.Config{Count: 1, Size: 1000})
	if res.Received != 1 || res.Replies[0].Bytes != 1008 {
		t.Fatalf("%+v", res)
	}
}

func TestTotalLoss(t *testing.T) {
	res, out := run(t, ", loss: 100%", ping.Config{Count: 3, Size: ping.DefaultSize, Timeout: time.Second})
	if res.Received != 0 || res.Loss != 1 || strings.Contains(out, "rtt") {
		t.Fatalf("%+v\n%s", res, out)
	}
}

func TestOutputLikeIputils(t *testing.T) {
	// Loss is a C float printed with %g; small requests carry no
	// timestamp, so no times are printed.
	res, out := run(t, ", loss: 40%", ping.Config{Count: 3, Size: 8, Timeout: time.Second})
	if res.Received != 1 || !strings.Contains(out, "3 packets transmitted, 1 received, 66.6667% packet loss") {
		t.Fatalf("%+v\n%s", res, out)
	}
	if strings.Contains(out, "time=") || strings.Contains(out, "rtt") || !strings.Contains(out, "16 bytes from 10.0.1.2: icmp_seq=1 ttl=63\n") {
		t.Fatalf("times printed for 8-byte requests:\n%s", out)
	}
}

func TestRTTFormat(t *testing.T) {
	for us, want := range map[int64]string{
		123: "0.123", 1234: "1.23", 9994: "9.99", 9995: "10.0", 12345: "12.3",
		99949: "99.9", 99950: "100", 123456: "123",
	} {
		if got := ping.FormatRTT(time.Duration(us) * time.Microsecond); got != want {
			t.Errorf("%dµs: %q, want %q", us, got, want)
		}
	}
}
