package utf8check

import (
	"errors"
	"strings"
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

// TestValid puts one non-ASCII rune, valid or not, at every place of ASCII
// texts of every length up to a few words, where the word-wise scan has
// its edges, and compares valid and FirstInvalid with unicode/utf8.
func TestValid(t *testing.T) {
	for _, r := range []string{"", "é", "€", "🙂", "\xff", "\xe2\x82", "\xed\xa0\x80"} {
		for n := 0; n <= 72; n++ {
			for at := 0; at <= n; at++ {
				b := []byte(strings.Repeat("a", at) + r + strings.Repeat("b", n-at))
				if got, want := valid(b), utf8.Valid(b); got != want {
					t.Fatalf("valid(%q) = %v, want %v", b, got, want)
				}
				if got, want := FirstInvalid(b), int(firstInvalid(b)); got != want {
					t.Fatalf("FirstInvalid(%q) = %d, want %d", b, got, want)
				}
			}
		}
	}
}

func FuzzValid(f *testing.F) {
	for _, s := range []string{"", "0000000000123456", "café au lait, s'il vous plaît", "a\xffb", "0123456789abcdef\xe2\x82"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := valid(b), utf8.Valid(b); got != want {
			t.Fatalf("valid(%q) = %v, want %v", b, got, want)
		}
	})
}

// BenchmarkValid compares valid with utf8.Valid on the usual short
// message, a long ASCII one and a long one with a non-ASCII rune early.
func BenchmarkValid(b *testing.B) {
	texts := []struct{ name, text string }{
		{"16B", "0000000000123456"},
		{"4KiB", strings.Repeat("x", 4096)},
		{"4KiB-accents", "é" + strings.Repeat("x", 4094)},
	}
	for _, tx := range texts {
		p := []byte(tx.text)
		b.Run(tx.name+"/utf8.Valid", func(b *testing.B) {
			for b.Loop() {
				if !utf8.Valid(p) {
					b.Fatal("invalid")
				}
			}
		})
		b.Run(tx.name+"/valid", func(b *testing.B) {
			for b.Loop() {
				if !valid(p) {
					b.Fatal("invalid")
				}
			}
		})
	}
}
