package format

// This file renders JSON exactly as github.com/tidwall/pretty's Pretty does
// with its default options (width 80, indent of two spaces, keys in their
// order), byte for byte, but appending to the printer's buffer: the library
// returns a new slice, which costs two allocations a message. It follows
// the library's algorithm (MIT License, Copyright (c) 2017 Josh Baker) for
// valid JSON only; TestPrettyMatchesLibrary and FuzzPrettyMatchesLibrary
// hold it to the library's output.

// prettyWidth is the widest an object or array may be to stay on one line.
const prettyWidth = 80

// appendPrettyBody adds a text message in pretty mode: JSON as
// pretty.Pretty prints it, other text as it is, on its own line. Checking
// the JSON renders it on one line too; only a value too wide for that is
// printed again, indented.
func appendPrettyBody(b, data []byte) []byte {
	start := len(b)
	line := oneLine{b: b, limit: -1, on: true}
	switch valid, _ := scan(data, &line); {
	case !valid:
		return appendLine(b[:start], data)
	case line.on:
		return append(line.b, '\n')
	default:
		return appendPretty(line.b[:start], data)
	}
}

// appendPretty adds pretty.Pretty(json) for valid JSON: short objects and
// arrays on one line, others indented, then a newline.
func appendPretty(b, json []byte) []byte {
	start := len(b)
	b, _, _, _ = prettyAny(b, json, 0, true, 0, start, -1)
	if len(b) > start {
		b = append(b, '\n')
	}
	return b
}

// prettyAny adds the value at json[i:] (after any space) and returns the
// index after it. multi allows lines; tabs is the indent; nl is where the
// current line starts in b (the index of its newline, or where the output
// starts); limit, when not -1, is the length b must not pass while a value
// is tried on one line. ok is false when it passed it.
func prettyAny(b, json []byte, i int, multi bool, tabs, nl, limit int) (out []byte, next, newNL int, ok bool) {
	for ; i < len(json); i++ {
		switch c := json[i]; {
		case c <= ' ':
			continue
		case c == '"':
			b, i = prettyString(b, json, i)
			return b, i, nl, true
		case c == '-' || c >= '0' && c <= '9':
			b, i = prettyNumber(b, json, i)
			return b, i, nl, true
		case c == '{' || c == '[':
			return prettyObject(b, json, i, multi, tabs, nl, limit)
		case c == 't':
			return append(b, "true"...), i + 4, nl, true
		case c == 'f':
			return append(b, "false"...), i + 5, nl, true
		case c == 'n':
			return append(b, "null"...), i + 4, nl, true
		}
	}
	return b, i, nl, true
}

// prettyObject adds the object or array at json[i]. With multi it is first
// tried on one line, which is kept if it fits in prettyWidth from where the
// line is; else each member goes on its own line.
func prettyObject(b, json []byte, i int, multi bool, tabs, nl, limit int) ([]byte, int, int, bool) {
	open := json[i]
	closer := byte(']')
	if open == '{' {
		closer = '}'
	}
	if multi {
		if room := prettyWidth - (len(b) - nl); room > 3 {
			s1, s2 := len(b), i
			var ok bool
			if b, i, ok = prettyOneLine(b, json, i, s1+room); ok {
				return b, i, nl, true
			}
			b, i = b[:s1], s2
		}
	}
	b = append(b, open)
	i++
	n := 0
	for ; i < len(json); i++ {
		c := json[i]
		if c <= ' ' {
			continue
		}
		if c == closer {
			if multi {
				if n > 0 {
					b, nl = prettyNewline(b)
				}
				if b[len(b)-1] != open {
					b = prettyIndent(b, tabs)
				}
			} else if open == '{' {
				b = append(b, ' ')
			}
			b = append(b, closer)
			return b, i + 1, nl, limit < 0 || len(b) <= limit
		}
		if open == '{' && c != '"' {
			continue // a colon or a comma
		}
		if n > 0 {
			b = append(b, ',', ' ')
		} else if open == '{' {
			b = append(b, ' ')
		}
		if multi {
			b, nl = prettyNewline(b)
			b = prettyIndent(b, tabs+1)
		}
		if open == '{' {
			b, i = prettyString(b, json, i)
			b = append(b, ':', ' ')
		}
		var ok bool
		b, i, nl, ok = prettyAny(b, json, i, multi, tabs+1, nl, limit)
		if !ok || limit >= 0 && len(b) > limit {
			return b, i, nl, false // too wide for one line: the caller starts again
		}
		i--
		n++
	}
	return b, i, nl, open != '{'
}

// prettyOneLine adds the object or array at json[i] on one line, as
// prettyObject does without multi, in one pass: tokens as written, ", "
// after commas, ": " after colons, and objects in "{ " and " }" ("{ }" when
// empty). It stops, not ok, as soon as b is longer than limit.
func prettyOneLine(b, json []byte, i, limit int) ([]byte, int, bool) {
	depth := 0
	for i < len(json) && len(b) <= limit {
		c := json[i]
		switch prettyClass[c] {
		case classPlain: // numbers, true, false, null: copied whole
			j := i + 1
			for j < len(json) && prettyClass[json[j]] == classPlain {
				j++
			}
			b = append(b, json[i:j]...)
			i = j
			continue
		case classSpace:
		case classQuote:
			b, i = prettyString(b, json, i)
			continue
		case classOpen:
			b = append(b, c)
			if c == '{' {
				b = append(b, ' ')
			}
			depth++
		case classClose:
			if c == '}' && b[len(b)-1] != ' ' { // not "{ " of an empty object
				b = append(b, ' ')
			}
			b = append(b, c)
			if depth--; depth == 0 {
				return b, i + 1, len(b) <= limit
			}
		case classPunct:
			b = append(b, c, ' ')
		}
		i++
	}
	return b, i, false
}

// Byte classes for prettyOneLine.
const (
	classPlain = iota
	classSpace
	classQuote
	classOpen
	classClose
	classPunct
)

var prettyClass = func() (t [256]byte) {
	for _, c := range []byte(" \t\r\n") {
		t[c] = classSpace
	}
	t['"'] = classQuote
	t['{'], t['['] = classOpen, classOpen
	t['}'], t[']'] = classClose, classClose
	t[','], t[':'] = classPunct, classPunct
	return t
}()

// prettyNewline ends the line, turning a trailing space into the newline.
func prettyNewline(b []byte) ([]byte, int) {
	nl := len(b)
	if b[nl-1] == ' ' {
		b[nl-1] = '\n'
		return b, nl
	}
	return append(b, '\n'), nl
}

func prettyIndent(b []byte, tabs int) []byte {
	for range tabs {
		b = append(b, ' ', ' ')
	}
	return b
}

// prettyString adds the string at json[i] as written, escapes and all,
// and returns the index after it.
func prettyString(b, json []byte, i int) ([]byte, int) {
	j := i + 1
	for j < len(json) {
		switch json[j] {
		case '"':
			return append(b, json[i:j+1]...), j + 1
		case '\\':
			j += 2
		default:
			j++
		}
	}
	return append(b, json[i:]...), len(json)
}

// prettyNumber adds the number at json[i] as written.
func prettyNumber(b, json []byte, i int) ([]byte, int) {
	s := i
	for i++; i < len(json); i++ {
		if c := json[i]; c <= ' ' || c == ',' || c == ':' || c == ']' || c == '}' {
			break
		}
	}
	return append(b, json[s:i]...), i
}
