package tsharkcheck

import (
	"reflect"
	"testing"
)

func TestUnexpectedStderr(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"Running as user \"root\" and group \"root\". This could be dangerous.\n", ""},
		{"Running as user \"root\" and group \"root\". This could be dangerous.\ntshark: oops\n", "tshark: oops"},
		{"** (tshark:1): WARNING **: something\n", "** (tshark:1): WARNING **: something"},
	} {
		if got := unexpectedStderr(c.in); got != c.want {
			t.Errorf("unexpectedStderr(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestLines(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"", []string{}},
		{"\n", []string{""}},
		{"a\n\n", []string{"a", ""}},
		{"a\r\nb\tc\t\n", []string{"a", "b\tc\t"}},
	} {
		if got := lines([]byte(c.in)); !reflect.DeepEqual(got, c.want) {
			t.Errorf("lines(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
