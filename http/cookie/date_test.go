package cookie

import (
	"testing"
	"time"
)

// TestParseDate runs the cookie-date algorithm of RFC 6265 section 5.1.1
// on the three date formats of HTTP (RFC 9110 section 5.6.7) and on the
// algorithm's edges.
func TestParseDate(t *testing.T) {
	jun9 := time.Date(2021, time.June, 9, 10, 18, 14, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time // zero: fails
	}{
		// The three formats.
		{"Wed, 09 Jun 2021 10:18:14 GMT", jun9},         // RFC 1123
		{"Wednesday, 09-Jun-21 10:18:14 GMT", jun9},     // RFC 850, two-digit year
		{"Wed Jun  9 10:18:14 2021", jun9},              // asctime
		{"Wed, 09-Jun-2021 10:18:14 GMT", jun9},         // Netscape's original
		{"09 Jun 2021 10:18:14", jun9},                  // no weekday, no zone
		{"wed, 09 JUNE 2021 10:18:14 gmt", jun9},        // month: first three letters, any case
		{"Wed, 09 Jun 2021 10:18:14 GMT+0200", jun9},    // zones are not read
		{"  ,;Wed, 09 Jun 2021 10:18:14 GMT;;  ", jun9}, // delimiters around
		{"Wed, 9 Jun 2021 10:18:14 GMT", jun9},          // one-digit day
		{"Wed, 09th Jun 2021 10:18:14 GMT", jun9},       // day 1*2DIGIT non-digit *OCTET (erratum 4148)
		{"Wed, 09 Jun 2021 10:18:14pm GMT", jun9},       // time followed by a non-digit
		{"2021 Jun 09 10:18:14", jun9},                  // "2021" is no day (three digits or more), so it is the year
		// Two-digit years: 70-99 are 19xx, 0-69 are 20xx.
		{"Thu, 01-Jan-70 00:00:00 GMT", time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"Fri, 31-Dec-99 23:59:59 GMT", time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC)},
		{"Sat, 01-Jan-00 00:00:00 GMT", time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"Sun, 31-Dec-69 23:59:59 GMT", time.Date(2069, 12, 31, 23, 59, 59, 0, time.UTC)},
		{"1 Jan 0069 0:0:0", time.Date(2069, 1, 1, 0, 0, 0, 0, time.UTC)}, // the value counts, not the digits
		{"Sun Nov  6 08:49:37 1994", time.Date(1994, 11, 6, 8, 49, 37, 0, time.UTC)},
		{"1 Jan 1601 0:0:0", time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"31 Dec 9999 23:59:59", time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)},
		{"29 Feb 2024 1:2:3", time.Date(2024, 2, 29, 1, 2, 3, 0, time.UTC)},
		// Failures: a part missing, out of range, or no such date.
		{"", time.Time{}},
		{"Wed, 09 Jun 2021 GMT", time.Time{}},       // no time
		{"Wed, Jun 2021 10:18:14 GMT", time.Time{}}, // "2021" is a year, not a day
		{"Wed, 09 2021 10:18:14 GMT", time.Time{}},  // no month
		{"Wed, 09 Jun 10:18:14 GMT", time.Time{}},   // no year
		{"Wed, 09 Jun 1600 10:18:14 GMT", time.Time{}},
		{"Wed, 00 Jun 2021 10:18:14 GMT", time.Time{}},
		{"Wed, 32 Jun 2021 10:18:14 GMT", time.Time{}},
		{"Wed, 31 Jun 2021 10:18:14 GMT", time.Time{}}, // June has 30 days
		{"29 Feb 2021 1:2:3", time.Time{}},
		{"Wed, 09 Jun 2021 24:00:00 GMT", time.Time{}},
		{"Wed, 09 Jun 2021 10:60:14 GMT", time.Time{}},
		{"Wed, 09 Jun 2021 10:18:60 GMT", time.Time{}}, // no leap seconds
		{"Wed, 09 Jun 2021 10:18 GMT", time.Time{}},    // h:m is no time
		{"Wed, 09 Jun 2021 100:18:14 GMT", time.Time{}},
		{"Wed, 09 Jun 20211 10:18:14 GMT", time.Time{}}, // five digits are no year
		{"Wed, 09 Jun 2 10:18:14 GMT", time.Time{}},     // one digit is no year
		{"Wed, 09 Ju 2021 10:18:14 GMT", time.Time{}},
		{"2021-06-09T10:18:14Z", time.Time{}}, // ISO 8601: "06" is the day, no month
	}
	for _, tt := range tests {
		got, ok := ParseDate(tt.in)
		if ok != !tt.want.IsZero() || !got.Equal(tt.want) {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", tt.in, got, ok, tt.want)
		}
		if ok && got.Location() != time.UTC {
			t.Errorf("ParseDate(%q) is in %v, want UTC", tt.in, got.Location())
		}
	}
}
