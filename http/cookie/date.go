package cookie

import "time"

// ParseDate parses s with the cookie-date algorithm of RFC 6265 section
// 5.1.1, the one user agents use for the Expires attribute. It splits s
// into tokens at delimiters, takes the first token that looks like a time
// (h:m:s), the first day of month (one or two digits), the first month
// (a token starting with a month's three-letter name, in any case) and
// the first year (two to four digits), in that order of preference for
// each token, and ignores the rest. A two-digit year 70-99 is 19xx and
// 0-69 is 20xx. It fails when a part is missing, out of range (day 1-31,
// year from 1601, hour 0-23, minute and second 0-59) or when the date does
// not exist (30 February). The result is in UTC.
//
// So "Wed, 09 Jun 2021 10:18:14 GMT" (RFC 1123), "Wednesday, 09-Jun-21
// 10:18:14 GMT" (RFC 850) and "Wed Jun  9 10:18:14 2021" (asctime) are the
// same instant. The time zone is not read: cookie dates are in GMT.
//
// The grammar's "1*2DIGIT ( non-digit *OCTET )" is read with the trailing
// group optional, as RFC 6265 erratum 4148 corrects it and as every user
// agent does: "09" is a day of month, as is "9th".
func ParseDate(s string) (time.Time, bool) {
	var (
		foundTime, foundDay, foundMonth, foundYear bool
		hour, minute, second, day, year            int
		month                                      time.Month
	)
	for i := 0; i < len(s); {
		for i < len(s) && isDelimiter(s[i]) {
			i++
		}
		j := i
		for j < len(s) && !isDelimiter(s[j]) {
			j++
		}
		tok := s[i:j]
		i = j
		if tok == "" {
			break
		}
		if !foundTime {
			if h, m, sec, ok := matchTime(tok); ok {
				foundTime, hour, minute, second = true, h, m, sec
				continue
			}
		}
		if !foundDay {
			if d, ok := matchDigits(tok, 1, 2); ok {
				foundDay, day = true, d
				continue
			}
		}
		if !foundMonth {
			if m, ok := matchMonth(tok); ok {
				foundMonth, month = true, m
				continue
			}
		}
		if !foundYear {
			if y, ok := matchDigits(tok, 2, 4); ok {
				foundYear, year = true, y
				continue
			}
		}
	}
	switch {
	case year >= 70 && year <= 99:
		year += 1900
	case year >= 0 && year <= 69:
		year += 2000
	}
	if !foundTime || !foundDay || !foundMonth || !foundYear ||
		day < 1 || day > 31 || year < 1601 || hour > 23 || minute > 59 || second > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, month, day, hour, minute, second, 0, time.UTC)
	if t.Day() != day { // no such date: time.Date normalised it
		return time.Time{}, false
	}
	return t, true
}

// isDelimiter reports whether b is a delimiter of the cookie-date grammar:
// %x09 / %x20-2F / %x3B-40 / %x5B-60 / %x7B-7E.
func isDelimiter(b byte) bool {
	return b == 0x09 || b >= 0x20 && b <= 0x2f || b >= 0x3b && b <= 0x40 ||
		b >= 0x5b && b <= 0x60 || b >= 0x7b && b <= 0x7e
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// leadingDigits returns the value of the digits at the start of s (at most
// hi of them) and how many there were.
func leadingDigits(s string, hi int) (v, n int) {
	for n < len(s) && n < hi && isDigit(s[n]) {
		v = v*10 + int(s[n]-'0')
		n++
	}
	return v, n
}

// matchDigits matches lo*hiDIGIT [ non-digit *OCTET ]: day-of-month (1,
// 2) and year (2, 4).
func matchDigits(tok string, lo, hi int) (int, bool) {
	v, n := leadingDigits(tok, hi)
	if n < lo || n < len(tok) && isDigit(tok[n]) {
		return 0, false
	}
	return v, true
}

// matchTime matches hms-time [ non-digit *OCTET ], where hms-time is
// time-field ":" time-field ":" time-field and time-field is 1*2DIGIT.
func matchTime(tok string) (h, m, s int, ok bool) {
	var f [3]int
	rest := tok
	for k := range f {
		v, n := leadingDigits(rest, 2)
		if n == 0 {
			return 0, 0, 0, false
		}
		f[k], rest = v, rest[n:]
		if k < 2 {
			if rest == "" || rest[0] != ':' {
				return 0, 0, 0, false
			}
			rest = rest[1:]
		}
	}
	if rest != "" && isDigit(rest[0]) {
		return 0, 0, 0, false
	}
	return f[0], f[1], f[2], true
}

var months = [12]string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

// matchMonth matches a month name's first three letters, in any case,
// followed by anything.
func matchMonth(tok string) (time.Month, bool) {
	if len(tok) < 3 {
		return 0, false
	}
	var p [3]byte
	for i := range p {
		p[i] = lower(tok[i])
	}
	for i, m := range months {
		if string(p[:]) == m {
			return time.Month(i + 1), true
		}
	}
	return 0, false
}

// lower lower-cases an ASCII letter and leaves every other byte alone.
func lower(b byte) byte {
	if b >= 'A' && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}
