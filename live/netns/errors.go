package netns

import "strings"

// A MissingError lists what the system lacks for hops live.
type MissingError struct {
	What []string // each names the missing thing and how to get it
}

func (e *MissingError) Error() string {
	if len(e.What) == 1 {
		return "hops live cannot make its network namespace: missing " + e.What[0]
	}
	return "hops live cannot make its network namespace: missing\n  - " + strings.Join(e.What, "\n  - ")
}
