package format

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// maxDepth bounds the nesting of a message treated as JSON, as
// encoding/json does: deeper input would exhaust the stack of the recursive
// validator and pretty-printer, so it is printed as plain text instead.
const maxDepth = 10000

// isJSON reports whether data is one valid JSON value that is safe to
// re-indent (nesting at most maxDepth).
func isJSON(data []byte) bool {
	return depthOK(data) && gjson.ValidBytes(data)
}

// depthOK reports whether brackets outside strings nest at most maxDepth.
func depthOK(data []byte) bool {
	depth := 0
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '"':
			i = skipString(data, i+1)
		case '[', '{':
			if depth++; depth > maxDepth {
				return false
			}
		case ']', '}':
			depth--
		}
	}
	return true
}

// skipString returns the index of the quote closing a string whose content
// starts at i (or len(data) when it is not closed).
func skipString(data []byte, i int) int {
	for ; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return i
}

const hexDigits = "0123456789abcdef"

// appendString adds s as a JSON string. Valid UTF-8 is kept as is, control
// characters are escaped and each invalid byte becomes \ufffd, so the result
// is always valid JSON.
func appendString(b, s []byte) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && n == 1 {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, s[i:i+n]...)
			}
			i += n
			continue
		}
		b = appendASCII(b, c)
		i++
	}
	return append(b, '"')
}

// appendASCII adds one ASCII byte of a JSON string, escaped if need be.
func appendASCII(b []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(b, '\\', c)
	case '\n':
		return append(b, '\\', 'n')
	case '\r':
		return append(b, '\\', 'r')
	case '\t':
		return append(b, '\\', 't')
	}
	if c < 0x20 {
		return append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
	}
	return append(b, c)
}

// appendStr is appendString for a Go string.
func appendStr(b []byte, s string) []byte {
	return appendString(b, []byte(s))
}

// appendMillis adds d in milliseconds as a JSON number, to the microsecond.
func appendMillis(b []byte, d time.Duration) []byte {
	ms := float64(d.Round(time.Microsecond)) / float64(time.Millisecond)
	return strconv.AppendFloat(b, ms, 'f', -1, 64)
}
