package closecodes

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Parse reads a close code given by a user: a decimal number 0–65535, or a
// name in any common spelling ("policy-violation", "PolicyViolation",
// "POLICY_VIOLATION", gorilla's "ClosePolicyViolation", coder/websocket's
// "StatusPolicyViolation"), an alias ("too-big"), or an unambiguous prefix of
// a name ("policy"). Every number is accepted; whether it may be sent is the
// caller's decision.
func Parse(s string) (Code, error) {
	word := strings.TrimSpace(s)
	switch {
	case word == "":
		return 0, errors.New("empty close code")
	case isNumber(word):
		return parseNumber(s, word)
	}
	k := nameKey(word)
	if e, ok := exact(k); ok {
		return e.Code, nil
	}
	found := prefixed(k)
	switch len(found) {
	case 0:
		return 0, fmt.Errorf("unknown close code %q", s)
	case 1:
		return found[0].Code, nil
	}
	return 0, fmt.Errorf("ambiguous close code %q: %s", s, slugs(found))
}

// Search returns the codes whose number or name matches a user's word, for
// `wsx codes WORD`. A number, or a name or alias spelled in full, gives that
// one code; any other word gives every code whose name or alias contains it.
// It returns an error only when nothing matches.
func Search(s string) ([]Code, error) {
	word := strings.TrimSpace(s)
	if word == "" || isNumber(word) {
		c, err := Parse(s)
		if err != nil {
			return nil, err
		}
		return []Code{c}, nil
	}
	k := nameKey(word)
	if e, ok := exact(k); ok {
		return []Code{e.Code}, nil
	}
	var codes []Code
	for _, e := range table {
		if e.contains(k) {
			codes = append(codes, e.Code)
		}
	}
	if len(codes) == 0 {
		return nil, fmt.Errorf("no close code matches %q", s)
	}
	return codes, nil
}

// isNumber reports whether word is an optionally signed run of ASCII digits.
func isNumber(word string) bool {
	digits := word
	if strings.HasPrefix(digits, "+") || strings.HasPrefix(digits, "-") {
		digits = digits[1:]
	}
	return digits != "" && strings.Trim(digits, "0123456789") == ""
}

// parseNumber converts word, which isNumber accepted, to a Code.
func parseNumber(s, word string) (Code, error) {
	n, err := strconv.ParseInt(word, 10, 64)
	if err != nil || n < 0 || n > 65535 {
		return 0, fmt.Errorf("close code %q out of range 0-65535", s)
	}
	return Code(n), nil
}

// nameKey folds a spelling of a name to the form names are compared in: ASCII
// lower case without separators, and without a leading "close" or "status"
// (the Go libraries' constant prefixes). "Close_Policy-Violation" becomes
// "policyviolation".
func nameKey(word string) string {
	var b strings.Builder
	for i := 0; i < len(word); i++ {
		switch c := word[i]; {
		case c == ' ' || c == '-' || c == '_' || c == '.':
		case 'A' <= c && c <= 'Z':
			b.WriteByte(c + 'a' - 'A')
		default:
			b.WriteByte(c)
		}
	}
	k := b.String()
	for _, prefix := range []string{"close", "status"} {
		if rest, ok := strings.CutPrefix(k, prefix); ok && rest != "" {
			return rest
		}
	}
	return k
}

// keys returns the folded spellings of e's name and aliases, name first.
func (e entry) keys() []string {
	keys := []string{nameKey(e.Name)}
	for _, a := range e.aliases {
		keys = append(keys, nameKey(a))
	}
	return keys
}

// contains reports whether k is part of e's name or of one of its aliases.
func (e entry) contains(k string) bool {
	for _, ek := range e.keys() {
		if k != "" && strings.Contains(ek, k) {
			return true
		}
	}
	return false
}

// exact returns the row whose name or alias folds to k.
func exact(k string) (entry, bool) {
	for _, e := range table {
		if slices.Contains(e.keys(), k) {
			return e, true
		}
	}
	return entry{}, false
}

// prefixed returns the rows whose name (not alias) starts with k.
func prefixed(k string) []entry {
	var found []entry
	for _, e := range table {
		if k != "" && strings.HasPrefix(nameKey(e.Name), k) {
			found = append(found, e)
		}
	}
	return found
}

// slugs lists the rows' slugs in alphabetical order, comma separated.
func slugs(rows []entry) string {
	names := make([]string, len(rows))
	for i, e := range rows {
		names[i] = e.Code.Slug()
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}
