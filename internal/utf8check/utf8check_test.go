package utf8check

import (
	"errors"
	"testing"
	"unicode/utf8"
)

// firstInvalid is the reference: the offset of the first invalid byte, or -1.
func firstInvalid(b []byte) int64 {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return int64(i)
		}
		i += size
	}
	return -1
}

func check(in []byte, chunk int) error {
	var c Checker
	for len(in) > 0 {
		n := min(chunk, len(in))
		if _, err := c.Write(in[:n]); err != nil {
			return err
		}
		in = in[n:]
	}
	return c.Close()
}

func TestChecker(t *testing.T) {
	for _, in := range []string{
		"", "plain", "café", "日本語", "🙂🙂", "a\xffb", "\xe2\x82", "ok\xe2\x82\xacok", "\xc3", "ab\xed\xa0\x80",
		"\xf0\x9f\x99", "x\xc3\x28", "€€€€€€\xff",
	} {
		for chunk := 1; chunk <= len(in)+1; chunk++ {
			err := check([]byte(in), chunk)
			var e *Error
			if utf8.ValidString(in) != (err == nil) {
				t.Fatalf("%q chunk %d: err %v, valid %v", in, chunk, err, utf8.ValidString(in))
			}
			if err != nil && (!errors.As(err, &e) || (firstInvalid([]byte(in)) >= 0 && e.Offset != firstInvalid([]byte(in)))) {
				t.Errorf("%q chunk %d: %v, want offset %d", in, chunk, err, firstInvalid([]byte(in)))
			}
		}
	}
}

func FuzzChecker(f *testing.F) {
	for _, s := range []string{"café", "a\xffb", "\xe2\x82", "🙂", "\xf0\x9f\x99\x82x"} {
		f.Add([]byte(s), uint8(1))
	}
	f.Fuzz(func(t *testing.T, in []byte, chunk uint8) {
		err := check(in, int(chunk)%7+1)
		if utf8.Valid(in) != (err == nil) {
			t.Fatalf("%q: err %v, valid %v", in, err, utf8.Valid(in))
		}
		var e *Error
		if want := firstInvalid(in); want >= 0 && (!errors.As(err, &e) || e.Offset != want) {
			t.Fatalf("%q: %v, want offset %d", in, err, want)
		}
	})
}
