package format

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/tidwall/pretty"
)

// appendUgly adds data, valid JSON, without the spaces between its tokens
// (pretty.Ugly), on one line. spaced, from scanJSON, says whether it has
// any: most messages have none, and are copied.
func appendUgly(b, data []byte, spaced bool) []byte {
	start := len(b)
	b = append(b, data...)
	if !spaced {
		return b
	}
	return b[:start+len(pretty.UglyInPlace(b[start:]))]
}

const hexDigits = "0123456789abcdef"

// appendString adds s as a JSON string. Valid UTF-8 is kept as is, control
// characters are escaped and each invalid byte becomes \ufffd, so the result
// is always valid JSON. Runs of bytes kept as they are go in one append.
func appendString(b, s []byte) []byte {
	b = append(b, '"')
	start := 0 // the run of bytes kept as they are
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonPlain[c] {
				i++
				continue
			}
			b = appendASCII(append(b, s[start:i]...), c)
			i++
			start = i
			continue
		}
		r, n := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = append(append(b, s[start:i]...), `\ufffd`...)
			start = i + 1
		}
		i += n
	}
	b = append(b, s[start:]...)
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
