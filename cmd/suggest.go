package cmd

// closest is the candidate nearest to typed, for a "did you mean" hint, or
// "" when none is near: at most one edit away for a name of three or four
// letters, two for a longer one, none for a shorter one. An edit is a letter added, dropped,
// changed, or two neighbours swapped (conect, repat, hepl). urfave/cli v3
// has suggestions too, but they always name the nearest candidate however
// far it is (wsx foo would be told of codes).
func closest(typed string, candidates []string) string {
	if len(typed) < 3 {
		return "" // -x is near every one-letter flag
	}
	limit := 1
	if len(typed) > 4 {
		limit = 2
	}
	best, bestDist := "", limit+1
	for _, c := range candidates {
		if d := editDistance(typed, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance between a and b:
// the fewest letters added, dropped, changed or swapped with a neighbour
// that make a into b.
func editDistance(a, b string) int {
	// rows i-2, i-1 and i of the table over a's first i bytes
	prev2, prev, cur := make([]int, len(b)+1), make([]int, len(b)+1), make([]int, len(b)+1)
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
