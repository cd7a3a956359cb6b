// Package utf8check validates UTF-8 text that arrives in pieces, so that
// streamed messages (files sent, messages received) are checked without
// being held in memory.
package utf8check

import (
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
	if utf8.Valid(p) {
		c.off += int64(len(p))
		return total, nil
	}
	return total, c.scan(p)
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
	if utf8.Valid(b) {
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
