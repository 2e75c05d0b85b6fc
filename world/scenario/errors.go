package scenario

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Pos is a position in a scenario file. Line and Col are 1-based; Col
// counts characters (runes), as editors do. The zero Pos means "unknown".
type Pos struct {
	Line int `json:"line"`
	Col  int `json:"col"`
}

// String formats p as "line:col".
func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// before reports whether p comes strictly before q.
func (p Pos) before(q Pos) bool {
	if p.Line != q.Line {
		return p.Line < q.Line
	}
	return p.Col < q.Col
}

// Error is one problem found in a scenario file, positioned at the
// offending YAML key or value.
type Error struct {
	File      string // file name as given to Parse; may be empty
	Line, Col int    // 1-based position of the offending key or value
	Msg       string // message without position
}

// Error formats e as "file:line:col: msg" (or "line:col: msg" when File is
// empty).
func (e *Error) Error() string {
	if e.File == "" {
		return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// ErrorList is the error returned by Parse: every problem found in a file,
// sorted by position.
type ErrorList []*Error

// Error joins the errors' messages, one per line.
func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap returns the individual errors, so that errors.As can find an
// *Error inside an ErrorList.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// maxErrors bounds the length of an ErrorList; further errors are
// summarised in one final entry.
const maxErrors = 100

// finish sorts l by position (stable, so errors at the same position keep
// the order in which they were found), drops exact duplicates and caps the
// list at maxErrors entries.
func (l ErrorList) finish() ErrorList {
	slices.SortStableFunc(l, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	seen := make(map[Error]bool, len(l))
	var out ErrorList
	for _, e := range l {
		if seen[*e] {
			continue
		}
		seen[*e] = true
		out = append(out, e)
	}
	if len(out) > maxErrors {
		rest := len(out) - maxErrors
		next := out[maxErrors]
		out = append(out[:maxErrors], &Error{
			File: next.File, Line: next.Line, Col: next.Col,
			Msg: fmt.Sprintf("too many errors (%d more not shown)", rest),
		})
	}
	return out
}
