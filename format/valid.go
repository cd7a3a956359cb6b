package format

// MaxJSONDepth is how deep arrays and objects may nest in a text that
// ValidJSON accepts: 10000, as in encoding/json. A deeper value would
// exhaust the stack of recursive code that reads it (gjson's validator and
// paths, pretty.Pretty), so wsx treats it as not JSON at all.
const MaxJSONDepth = 10000

// ValidJSON reports whether data is exactly one JSON value, with optional
// space around it, nested at most MaxJSONDepth deep. It is wsx's one JSON
// check: the printer's (JSON is laid out, other text printed as is),
// --filter's and --select's (a message that is not JSON never matches and
// selects nothing) and send --json's (it is refused).
//
// It never recurses, so its stack use is fixed whatever the input: a
// message of 60 MiB of "[" is answered false after the first MaxJSONDepth
// bytes, and is then treated as text that is not JSON, never handed to
// gjson or pretty. The grammar is in scanJSON's comment.
func ValidJSON(data []byte) bool {
	ok, _ := scanJSON(data)
	return ok
}

// scanJSON reports whether data is one JSON value, by the rules of
// gjson.ValidBytes, nested at most MaxJSONDepth deep, and whether it has
// space between its tokens (which compact output drops). It is one pass without recursion,
// where gjson's validator and a depth check took two; TestScanJSONMatches
// and FuzzScanJSON hold it to them.
//
// The rules: space is ' ', '\t', '\n' and '\r'; strings hold no byte below
// 0x20 and only the escapes \" \\ \/ \b \f \n \r \t and \u with four hex
// digits (other bytes, valid UTF-8 or not, are accepted); numbers are
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?; one value, with space
// around it, makes the whole input.
func scanJSON(data []byte) (valid, spaced bool) {
	var small [4]uint64
	objects := small[:] // bit d: the container at depth d+1 is an object; grown past 256
	depth, i, n := 0, 0, len(data)
	var ok bool
	object := false // the innermost container is an object
value: // a value must come
	for i < n && jsonSpace[data[i]] {
		i, spaced = i+1, true
	}
	if i == n {
		return false, spaced
	}
	switch data[i] {
	case '{', '[':
		if depth == MaxJSONDepth {
			return false, spaced
		}
		object = data[i] == '{'
		if depth/64 == len(objects) {
			objects = append(objects, make([]uint64, len(objects))...)
		}
		if object {
			objects[depth/64] |= 1 << (depth % 64)
		} else {
			objects[depth/64] &^= 1 << (depth % 64)
		}
		depth++
		for i++; i < n && jsonSpace[data[i]]; i++ {
			spaced = true
		}
		switch {
		case i < n && (data[i] == '}' && object || data[i] == ']' && !object):
			goto end
		case object:
			goto key
		}
		goto value
	case '"':
		if i, ok = scanString(data, i+1); !ok {
			return false, spaced
		}
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		if i, ok = scanNumber(data, i); !ok {
			return false, spaced
		}
	case 't', 'f', 'n':
		word := "null"
		switch data[i] {
		case 't':
			word = "true"
		case 'f':
			word = "false"
		}
		if i, ok = scanWord(data, i, word); !ok {
			return false, spaced
		}
	default:
		return false, spaced
	}
after: // a value ended: a comma, the container's end, or the input's end
	for i < n && jsonSpace[data[i]] {
		i, spaced = i+1, true
	}
	if depth == 0 {
		return i == n, spaced
	}
	if i == n {
		return false, spaced
	}
	switch c := data[i]; {
	case c == ',':
		i++
		if !object {
			goto value
		}
		for i < n && jsonSpace[data[i]] {
			i, spaced = i+1, true
		}
		goto key
	case c == '}' && object, c == ']' && !object:
		goto end
	}
	return false, spaced
end: // data[i] ends the innermost container
	i++
	if depth--; depth > 0 {
		object = objects[(depth-1)/64]&(1<<((depth-1)%64)) != 0
	}
	goto after
key: // an object's key must come (space before it is skipped)
	if i == n || data[i] != '"' {
		return false, spaced
	}
	if i, ok = scanString(data, i+1); !ok {
		return false, spaced
	}
	for i < n && jsonSpace[data[i]] {
		i, spaced = i+1, true
	}
	if i == n || data[i] != ':' {
		return false, spaced
	}
	i++
	goto value
}

// jsonSpace marks the bytes JSON allows between tokens.
var jsonSpace = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

// jsonPlain marks the bytes a string holds as they are: not its closing
// quote, not an escape, not a control character.
var jsonPlain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// scanString checks the string whose content starts at data[i] and returns
// the index after its closing quote.
func scanString(data []byte, i int) (int, bool) {
	for n := len(data); i < n; {
		c := data[i]
		switch {
		case jsonPlain[c]:
			i++
		case c == '"':
			return i + 1, true
		case c == '\\':
			if i+1 == n {
				return i, false
			}
			switch data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > n || !isHex(data[i+2]) || !isHex(data[i+3]) || !isHex(data[i+4]) || !isHex(data[i+5]) {
					return i, false
				}
				i += 6
			default:
				return i, false
			}
		default: // a control character
			return i, false
		}
	}
	return len(data), false
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// scanNumber checks the number at data[i] and returns the index after it.
func scanNumber(data []byte, i int) (int, bool) {
	n := len(data)
	if data[i] == '-' {
		i++
	}
	switch {
	case i < n && data[i] == '0':
		i++
	case i < n && data[i] >= '1' && data[i] <= '9':
		i = skipDigits(data, i+1)
	default:
		return i, false
	}
	if i < n && data[i] == '.' {
		if i+1 == n || !isDigit(data[i+1]) {
			return i, false
		}
		i = skipDigits(data, i+1)
	}
	if i < n && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < n && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i == n || !isDigit(data[i]) {
			return i, false
		}
		i = skipDigits(data, i)
	}
	return i, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func skipDigits(data []byte, i int) int {
	for i < len(data) && isDigit(data[i]) {
		i++
	}
	return i
}

// scanWord checks that data[i:] starts with word (true, false, null).
func scanWord(data []byte, i int, word string) (int, bool) {
	if len(data)-i < len(word) || string(data[i:i+len(word)]) != word {
		return i, false
	}
	return i + len(word), true
}
