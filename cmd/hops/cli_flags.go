package main

import (
	"fmt"
	"strconv"
)

// argError is a bad flag value, worded the way the real tool words it
// ("ping: invalid argument: '0': out of range: 1 <= value <= ..."). The
// flag error handler passes it on without pflag's generic wrapping.
type argError struct{ msg string }

func (e argError) Error() string { return e.msg }

// intFlag is an integer flag with a range, which reports a bad value as
// iputils' strtol_or_err does: the tool, "invalid argument", the value
// in quotes and, when it is a number out of range, the range.
type intFlag struct {
	p        *int
	tool     string
	min, max int
}

func (f intFlag) String() string {
	if f.p == nil {
		return "0"
	}
	return strconv.Itoa(*f.p)
}

func (f intFlag) Set(v string) error {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return argError{fmt.Sprintf("%s: invalid argument: '%s'", f.tool, v)}
	}
	if n < int64(f.min) || n > int64(f.max) {
		return argError{fmt.Sprintf("%s: invalid argument: '%s': out of range: %d <= value <= %d", f.tool, v, f.min, f.max)}
	}
	*f.p = int(n)
	return nil
}

func (f intFlag) Type() string { return "int" }

// seedFlag is --seed: a whole number from 0 to 2^64-1.
type seedFlag struct{ p *uint64 }

func (f seedFlag) String() string {
	if f.p == nil {
		return "0"
	}
	return strconv.FormatUint(*f.p, 10)
}

func (f seedFlag) Set(v string) error {
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return argError{fmt.Sprintf("--seed %q: want a whole number from 0 to 18446744073709551615", v)}
	}
	*f.p = n
	return nil
}

func (f seedFlag) Type() string { return "uint" }
