package scenario

import "strings"

// suggest returns the candidate closest to word if it is close enough to
// be a plausible typo ("dealy" → "delay", "Router" → "router"), or "".
// It returns "" when several candidates are equally close ("r3" among
// "r1" and "r2"), as the hint would then be a guess.
func suggest(word string, candidates []string) string {
	const maxLen = 64 // longer words are not typos of our short names
	if word == "" || len(word) > maxLen {
		return ""
	}
	best, bestDist, ties := "", -1, 0
	lw := strings.ToLower(word)
	for _, c := range candidates {
		if len(c) > maxLen || c == word {
			continue
		}
		dist := editDistance(lw, strings.ToLower(c))
		limit := typoLimit(min(len(word), len(c)))
		switch {
		case dist > limit:
		case bestDist < 0 || dist < bestDist:
			best, bestDist, ties = c, dist, 0
		case dist == bestDist && c != best:
			ties++
		}
	}
	if ties > 0 {
		return ""
	}
	return best
}

// typoLimit is the largest edit distance accepted as a typo between words
// of which the shorter has n bytes.
func typoLimit(n int) int {
	switch {
	case n <= 1:
		return 0 // only case differences: "a" is no typo of "b"
	case n <= 4:
		return 1
	case n <= 8:
		return 2
	}
	return 3
}

// editDistance is the optimal string alignment distance between a and b
// (Levenshtein distance where swapping two adjacent bytes costs 1).
func editDistance(a, b string) int {
	// Three rows of the dynamic programming table.
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
