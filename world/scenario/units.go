package scenario

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// unit is one accepted unit spelling and its multiplier.
type unit struct {
	name string
	mult int64
}

// rateUnits are the accepted rate units, in bits per second. Prefixes are
// decimal (k = 1000) as is usual in networking.
var rateUnits = []unit{
	{"bps", 1}, {"bit/s", 1},
	{"kbps", 1e3}, {"Kbps", 1e3}, {"kbit/s", 1e3}, {"Kbit/s", 1e3},
	{"Mbps", 1e6}, {"Mbit/s", 1e6},
	{"Gbps", 1e9}, {"Gbit/s", 1e9},
	{"Tbps", 1e12}, {"Tbit/s", 1e12},
}

// sizeUnits are the accepted size units, in bytes: decimal (KB = 1000) and
// binary (KiB = 1024).
var sizeUnits = []unit{
	{"B", 1}, {"byte", 1}, {"bytes", 1},
	{"KB", 1e3}, {"kB", 1e3}, {"KiB", 1 << 10},
	{"MB", 1e6}, {"MiB", 1 << 20},
	{"GB", 1e9}, {"GiB", 1 << 30},
}

// durationUnits are the units of Go's time.ParseDuration.
var durationUnits = []string{"ns", "us", "µs", "μs", "ms", "s", "m", "h"}

// durationSynonyms maps common but unsupported duration units to the one
// that was probably meant, for hints.
var durationSynonyms = map[string]string{
	"sec": "s", "secs": "s", "second": "s", "seconds": "s",
	"msec": "ms", "msecs": "ms", "millisecond": "ms", "milliseconds": "ms",
	"usec": "us", "usecs": "us", "microsecond": "us", "microseconds": "us",
	"nsec": "ns", "nsecs": "ns", "nanosecond": "ns", "nanoseconds": "ns",
	"min": "m", "mins": "m", "minute": "m", "minutes": "m",
	"hr": "h", "hrs": "h", "hour": "h", "hours": "h",
}

// maxNumberLen bounds the length of the numeric part of a quantity, so that
// absurd inputs fail fast instead of allocating huge big numbers.
const maxNumberLen = 40

// splitQuantity splits s into a leading decimal number and the unit after
// it (surrounding and separating white space removed). The number part is
// everything up to the first character that cannot be part of a number.
func splitQuantity(s string) (num, unitName string) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.' || (i == 0 && (t[i] == '-' || t[i] == '+'))) {
		i++
	}
	return t[:i], strings.TrimSpace(t[i:])
}

// isDecimal reports whether s is an unsigned decimal number: digits with an
// optional fractional part ("10", "1.5").
func isDecimal(s string) bool {
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" || !allDigits(intPart) {
		return false
	}
	return !hasDot || (frac != "" && allDigits(frac))
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// unitNames returns the names of units, for messages.
func unitNames(units []unit) []string {
	names := make([]string, len(units))
	for i, u := range units {
		names[i] = u.name
	}
	return names
}

// foldMatch returns the first of names equal to s under Unicode case
// folding, or "".
func foldMatch(s string, names []string) string {
	for _, n := range names {
		if strings.EqualFold(s, n) {
			return n
		}
	}
	return ""
}

// quantity describes a kind of quantity for parseQuantity.
type quantity struct {
	kind    string // name in messages: "rate", "size"
	example string // a valid value, for hints
	help    string // preferred units, for messages
	base    string // the base unit in words, for messages
	units   []unit
}

var (
	rateQuantity = quantity{"rate", "100Mbps", "bps, kbps, Mbps, Gbps", "bits per second", rateUnits}
	sizeQuantity = quantity{"size", "1500B", "B, KB, KiB, MB, MiB, GB, GiB", "bytes", sizeUnits}
)

// parseQuantity parses "NUMBER UNIT" with one of q's units into a whole
// number of base units.
func parseQuantity(s string, q quantity) (int64, error) {
	kind, example, help, units := q.kind, q.example, q.help, q.units
	num, u := splitQuantity(s)
	switch {
	case strings.TrimSpace(s) == "":
		return 0, fmt.Errorf("bad %s %q: expected a number with a unit (e.g. %s)", kind, s, example)
	case num == "":
		return 0, fmt.Errorf("bad %s %q: expected a number with a unit (e.g. %s)", kind, s, example)
	case num[0] == '-':
		return 0, fmt.Errorf("bad %s %q: must not be negative", kind, s)
	}
	num = strings.TrimPrefix(num, "+")
	if !isDecimal(num) || len(num) > maxNumberLen {
		return 0, fmt.Errorf("bad %s %q: bad number %q (e.g. %s)", kind, s, num, example)
	}
	if u == "" {
		return 0, fmt.Errorf("missing unit in %s %q (e.g. %s%s)", kind, s, num, strings.TrimLeft(example, "0123456789."))
	}
	var mult int64
	for _, x := range units {
		if x.name == u {
			mult = x.mult
			break
		}
	}
	if mult == 0 {
		if m := foldMatch(u, unitNames(units)); m != "" {
			return 0, fmt.Errorf("bad %s %q: unknown unit %q (did you mean %q?)", kind, s, u, m)
		}
		return 0, fmt.Errorf("bad %s %q: unknown unit %q (use %s)", kind, s, u, help)
	}
	r, ok := new(big.Rat).SetString(num)
	if !ok {
		return 0, fmt.Errorf("bad %s %q: bad number %q", kind, s, num)
	}
	r.Mul(r, new(big.Rat).SetInt64(mult))
	if !r.IsInt() {
		return 0, fmt.Errorf("bad %s %q: not a whole number of %s", kind, s, q.base)
	}
	if !r.Num().IsInt64() {
		return 0, fmt.Errorf("bad %s %q: too large", kind, s)
	}
	return r.Num().Int64(), nil
}

// ParseRate parses a link rate such as "100Mbps", "1.5 Gbps", "64kbps",
// "800bps" or "10Gbit/s" and returns it in bits per second. Accepted units
// are bps, kbps (also Kbps), Mbps, Gbps and Tbps and the spellings bit/s,
// kbit/s, Kbit/s, Mbit/s, Gbit/s and Tbit/s; prefixes are decimal. A unit
// is required, the result must be a whole number of bits per second, and
// negative rates are rejected. Zero is accepted ("0bps").
func ParseRate(s string) (int64, error) {
	return parseQuantity(s, rateQuantity)
}

// ParseSize parses a byte size such as "1500B", "64KB" (64000), "64KiB"
// (65536), "1MB" or "1MiB". Accepted units are B (also byte, bytes), KB
// (also kB), KiB, MB, MiB, GB and GiB. A unit is required and the result
// must be a whole number of bytes.
func ParseSize(s string) (int, error) {
	n, err := parseQuantity(s, sizeQuantity)
	if err != nil {
		return 0, err
	}
	if n > math.MaxInt32 {
		return 0, fmt.Errorf("bad size %q: too large", s)
	}
	return int(n), nil
}

// ParseDuration parses a duration in Go syntax ("2ms", "1.5s", "1m30s"),
// additionally allowing white space between a number and its unit ("2 ms")
// and between parts ("1m 30s"). A number without a unit is an error with a
// hint ("5" → missing unit), except for a plain zero. The result may be
// negative ("-1s"); callers decide whether that is allowed.
func ParseDuration(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("bad duration %q: expected a number with a unit (e.g. 5ms)", s)
	}
	var norm strings.Builder
	i := 0
	if t[0] == '-' || t[0] == '+' {
		norm.WriteByte(t[0])
		i++
	}
	parts := 0
	for i < len(t) {
		// Number.
		start := i
		for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
			i++
		}
		num := t[start:i]
		if num == "" {
			r, _ := utf8.DecodeRuneInString(t[i:])
			return 0, fmt.Errorf("bad duration %q: expected a number at %q (e.g. 5ms)", s, string(r))
		}
		if !isDecimal(num) && !isDecimal("0"+num) {
			return 0, fmt.Errorf("bad duration %q: bad number %q", s, num)
		}
		for i < len(t) && (t[i] == ' ' || t[i] == '\t') {
			i++
		}
		// Unit.
		start = i
		for i < len(t) {
			r, n := utf8.DecodeRuneInString(t[i:])
			if !unicode.IsLetter(r) {
				break
			}
			i += n
		}
		u := t[start:i]
		if u == "" {
			if i < len(t) {
				r, _ := utf8.DecodeRuneInString(t[i:])
				return 0, fmt.Errorf("bad duration %q: unexpected %q after %q", s, string(r), num)
			}
			if parts == 0 && strings.Trim(num, "0.") == "" {
				return 0, nil // a plain zero needs no unit
			}
			if parts == 0 {
				return 0, fmt.Errorf("missing unit in duration %q (e.g. %sms)", s, num)
			}
			return 0, fmt.Errorf("bad duration %q: missing unit after %q", s, num)
		}
		known := false
		for _, du := range durationUnits {
			if u == du {
				known = true
				break
			}
		}
		if !known {
			hint := durationSynonyms[strings.ToLower(u)]
			if hint == "" {
				hint = foldMatch(u, durationUnits)
			}
			if hint != "" {
				return 0, fmt.Errorf("bad duration %q: unknown unit %q (did you mean %q?)", s, u, hint)
			}
			return 0, fmt.Errorf("bad duration %q: unknown unit %q (use ns, us, ms, s, m, h)", s, u)
		}
		norm.WriteString(num)
		norm.WriteString(u)
		parts++
		for i < len(t) && (t[i] == ' ' || t[i] == '\t') {
			i++
		}
	}
	if parts == 0 {
		return 0, fmt.Errorf("bad duration %q: expected a number with a unit (e.g. 5ms)", s)
	}
	d, err := time.ParseDuration(norm.String())
	if err != nil {
		return 0, fmt.Errorf("bad duration %q: out of range", s)
	}
	return d, nil
}

// errProbSyntax is wrapped by ParseProbability for malformed numbers.
var errProbSyntax = errors.New("expected a percentage (e.g. 10%)")

// ParseProbability parses a probability written as a percentage ("10%",
// "0.5 %", "100%") and returns it as a fraction in [0, 1]. A bare number
// is rejected, because it is ambiguous: hops once read "loss: 1" as 100%,
// while tc-netem reads "loss 1" as 1%. The error names both readings
// ("write \"1%\" or \"100%\""). Only a bare zero, which means the same
// either way, is accepted without a unit.
func ParseProbability(s string) (float64, error) {
	t := strings.TrimSpace(s)
	num, percent := strings.CutSuffix(t, "%")
	num = strings.TrimSpace(num)
	if !isFloat(num) {
		return 0, fmt.Errorf("bad probability %q: %w", s, errProbSyntax)
	}
	v, err := strconv.ParseFloat(num, 64)
	if !percent {
		switch {
		case err == nil && v == 0:
			return 0, nil // 0 and 0% are the same
		case err == nil && v > 0 && v <= 1:
			return 0, fmt.Errorf("bad probability %q: a bare number is ambiguous; write %q or %q", s, decimal(num, 1)+"%", decimal(num, 100)+"%")
		case err == nil && v > 1 && v <= 100:
			return 0, fmt.Errorf("bad probability %q: a bare number is ambiguous; write %q", s, decimal(num, 1)+"%")
		}
		return 0, fmt.Errorf("bad probability %q: write a percentage between 0%% and 100%%", s)
	}
	if !strings.ContainsAny(num, "eE") {
		// Shift the decimal exponent instead of dividing by 100, so that
		// "1.1%" gives exactly the same float64 as 0.011.
		v, err = strconv.ParseFloat(num+"e-2", 64)
	} else if err == nil {
		v /= 100
	}
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("bad probability %q: %w", s, errProbSyntax)
	}
	if v < 0 || v > 1 || err != nil {
		return 0, fmt.Errorf("bad probability %q: must be between 0%% and 100%%", s)
	}
	if v == 0 {
		v = 0 // normalise -0
	}
	return v, nil
}

// decimal returns the decimal number num times mult, as a person writes
// it: decimal("0.005", 100) = "0.5", decimal(".25", 1) = "0.25".
func decimal(num string, mult int64) string {
	r, ok := new(big.Rat).SetString(num)
	if !ok {
		return num
	}
	f, _ := r.Mul(r, new(big.Rat).SetInt64(mult)).Float64()
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// isFloat reports whether s is a plain decimal floating-point number with
// an optional sign and exponent ("0.1", ".5", "-1", "1e-3"); unlike
// strconv.ParseFloat it rejects "inf", "nan", hex and underscores.
func isFloat(s string) bool {
	if s == "" || len(s) > maxNumberLen {
		return false
	}
	i := 0
	if s[i] == '+' || s[i] == '-' {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}
