package scenario

import (
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr string
	}{
		{in: "100Mbps", want: 100_000_000},
		{in: "1.5 Gbps", want: 1_500_000_000},
		{in: "64kbps", want: 64_000},
		{in: "64Kbps", want: 64_000},
		{in: "800bps", want: 800},
		{in: "10Gbit/s", want: 10_000_000_000},
		{in: "2 Mbit/s", want: 2_000_000},
		{in: "1kbit/s", want: 1000},
		{in: "9bit/s", want: 9},
		{in: "1Tbps", want: 1_000_000_000_000},
		{in: "  0.001 Gbps ", want: 1_000_000},
		{in: "0bps", want: 0},
		{in: "+5Mbps", want: 5_000_000},
		{in: "10 Mbit", wantErr: `bad rate "10 Mbit": unknown unit "Mbit" (use bps, kbps, Mbps, Gbps)`},
		{in: "100mbps", wantErr: `bad rate "100mbps": unknown unit "mbps" (did you mean "Mbps"?)`},
		{in: "100", wantErr: `missing unit in rate "100" (e.g. 100Mbps)`},
		{in: "", wantErr: `bad rate "": expected a number with a unit (e.g. 100Mbps)`},
		{in: "fast", wantErr: `bad rate "fast": expected a number with a unit (e.g. 100Mbps)`},
		{in: "-5Mbps", wantErr: `bad rate "-5Mbps": must not be negative`},
		{in: "1.2.3Mbps", wantErr: `bad rate "1.2.3Mbps": bad number "1.2.3" (e.g. 100Mbps)`},
		{in: ".5Mbps", wantErr: `bad rate ".5Mbps": bad number ".5" (e.g. 100Mbps)`},
		{in: "0.5bps", wantErr: `bad rate "0.5bps": not a whole number of bits per second`},
		{in: "10000000Tbps", wantErr: `bad rate "10000000Tbps": too large`},
		{in: "1e9bps", wantErr: `bad rate "1e9bps": unknown unit "e9bps" (use bps, kbps, Mbps, Gbps)`},
	}
	for _, tt := range tests {
		got, err := ParseRate(tt.in)
		checkUnit(t, "ParseRate", tt.in, got, tt.want, err, tt.wantErr)
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr string
	}{
		{in: "2ms", want: 2 * time.Millisecond},
		{in: "2 ms", want: 2 * time.Millisecond},
		{in: "1.5s", want: 1500 * time.Millisecond},
		{in: "1m30s", want: 90 * time.Second},
		{in: "1m 30s", want: 90 * time.Second},
		{in: "250us", want: 250 * time.Microsecond},
		{in: "250µs", want: 250 * time.Microsecond},
		{in: "100ns", want: 100},
		{in: "2h", want: 2 * time.Hour},
		{in: ".5s", want: 500 * time.Millisecond},
		{in: "0", want: 0},
		{in: "0.0", want: 0},
		{in: "-1s", want: -time.Second},
		{in: "5", wantErr: `missing unit in duration "5" (e.g. 5ms)`},
		{in: "1.5", wantErr: `missing unit in duration "1.5" (e.g. 1.5ms)`},
		{in: "1h30", wantErr: `bad duration "1h30": missing unit after "30"`},
		{in: "5 sec", wantErr: `bad duration "5 sec": unknown unit "sec" (did you mean "s"?)`},
		{in: "5MS", wantErr: `bad duration "5MS": unknown unit "MS" (did you mean "ms"?)`},
		{in: "5 parsecs", wantErr: `bad duration "5 parsecs": unknown unit "parsecs" (use ns, us, ms, s, m, h)`},
		{in: "", wantErr: `bad duration "": expected a number with a unit (e.g. 5ms)`},
		{in: "-", wantErr: `bad duration "-": expected a number with a unit (e.g. 5ms)`},
		{in: "soon", wantErr: `bad duration "soon": expected a number at "s" (e.g. 5ms)`},
		{in: "1..2s", wantErr: `bad duration "1..2s": bad number "1..2"`},
		{in: "5ms!", wantErr: `bad duration "5ms!": expected a number at "!" (e.g. 5ms)`},
		{in: "5/s", wantErr: `bad duration "5/s": unexpected "/" after "5"`},
		{in: "3000000h", wantErr: `bad duration "3000000h": out of range`},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		checkUnit(t, "ParseDuration", tt.in, got, tt.want, err, tt.wantErr)
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantErr string
	}{
		{in: "64KB", want: 64_000},
		{in: "64kB", want: 64_000},
		{in: "64KiB", want: 65_536},
		{in: "1500B", want: 1500},
		{in: "1500 bytes", want: 1500},
		{in: "1 byte", want: 1},
		{in: "1MB", want: 1_000_000},
		{in: "1MiB", want: 1 << 20},
		{in: "1.5KiB", want: 1536},
		{in: "1GiB", want: 1 << 30},
		{in: "0B", want: 0},
		{in: "1500", wantErr: `missing unit in size "1500" (e.g. 1500B)`},
		{in: "5 kb", wantErr: `bad size "5 kb": unknown unit "kb" (did you mean "KB"?)`},
		{in: "5 KBps", wantErr: `bad size "5 KBps": unknown unit "KBps" (use B, KB, KiB, MB, MiB, GB, GiB)`},
		{in: "1.5B", wantErr: `bad size "1.5B": not a whole number of bytes`},
		{in: "3GB", wantErr: `bad size "3GB": too large`},
		{in: "-1B", wantErr: `bad size "-1B": must not be negative`},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		checkUnit(t, "ParseSize", tt.in, got, tt.want, err, tt.wantErr)
	}
}

func TestParseProbability(t *testing.T) {
	tests := []struct {
		in      string
		want    float64
		wantErr string
	}{
		{in: "10%", want: 0.1},
		{in: "1.1%", want: 0.011},
		{in: "0.5 %", want: 0.005},
		{in: "100%", want: 1},
		{in: "0%", want: 0},
		{in: "-0", want: 0},
		{in: "0", want: 0},
		{in: "0.0", want: 0},
		{in: "5e-1%", want: 0.005},
		{in: "1e1%", want: 0.1},
		// A bare number is ambiguous (fraction or percent?): rejected,
		// with both readings spelt out. hops used to read "1" as 100%.
		{in: "1", wantErr: `bad probability "1": a bare number is ambiguous; write "1%" or "100%"`},
		{in: "0.1", wantErr: `bad probability "0.1": a bare number is ambiguous; write "0.1%" or "10%"`},
		{in: ".25", wantErr: `bad probability ".25": a bare number is ambiguous; write "0.25%" or "25%"`},
		{in: "1e-3", wantErr: `bad probability "1e-3": a bare number is ambiguous; write "0.001%" or "0.1%"`},
		{in: "10", wantErr: `bad probability "10": a bare number is ambiguous; write "10%"`},
		{in: "1000", wantErr: `bad probability "1000": write a percentage between 0% and 100%`},
		{in: "-0.1", wantErr: `bad probability "-0.1": write a percentage between 0% and 100%`},
		{in: "1e999", wantErr: `bad probability "1e999": write a percentage between 0% and 100%`},
		{in: "150%", wantErr: `bad probability "150%": must be between 0% and 100%`},
		{in: "-1%", wantErr: `bad probability "-1%": must be between 0% and 100%`},
		{in: "1e999%", wantErr: `bad probability "1e999%": must be between 0% and 100%`},
		{in: "", wantErr: `bad probability "": expected a percentage (e.g. 10%)`},
		{in: "%", wantErr: `bad probability "%": expected a percentage (e.g. 10%)`},
		{in: "NaN", wantErr: `bad probability "NaN": expected a percentage (e.g. 10%)`},
		{in: "inf", wantErr: `bad probability "inf": expected a percentage (e.g. 10%)`},
		{in: "0x1p-2", wantErr: `bad probability "0x1p-2": expected a percentage (e.g. 10%)`},
		{in: "1_0%", wantErr: `bad probability "1_0%": expected a percentage (e.g. 10%)`},
		{in: "half", wantErr: `bad probability "half": expected a percentage (e.g. 10%)`},
	}
	for _, tt := range tests {
		got, err := ParseProbability(tt.in)
		checkUnit(t, "ParseProbability", tt.in, got, tt.want, err, tt.wantErr)
	}
}

// checkUnit compares the result of a unit parser with its expectation.
func checkUnit[T comparable](t *testing.T, fn, in string, got, want T, err error, wantErr string) {
	t.Helper()
	switch {
	case wantErr != "" && err == nil:
		t.Errorf("%s(%q) = %v, want error %q", fn, in, got, wantErr)
	case wantErr != "" && err.Error() != wantErr:
		t.Errorf("%s(%q) error:\n got %q\nwant %q", fn, in, err, wantErr)
	case wantErr == "" && err != nil:
		t.Errorf("%s(%q) error: %v", fn, in, err)
	case wantErr == "" && got != want:
		t.Errorf("%s(%q) = %v, want %v", fn, in, got, want)
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"name", "a", "b", "rate", "delay", "reorder", "reorder-delay", "cost", "loss"}
	tests := []struct{ word, want string }{
		{"dealy", "delay"},
		{"Delay", "delay"},
		{"rat", "rate"},
		{"reorder_delay", "reorder-delay"},
		{"x", ""},
		{"A", "a"},
		{"bandwidth", ""},
		{"los", "loss"},
	}
	for _, tt := range tests {
		if got := suggest(tt.word, known); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
	if got := suggest("r3", []string{"r1", "r2"}); got != "" {
		t.Errorf("suggest with a tie = %q, want none", got)
	}
}
