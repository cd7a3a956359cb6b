package send

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"testing"
)

// benchShortLines is 100,000 short JSON lines, as `seq`-like input or a
// file of small events would be.
func benchShortLines() []byte {
	var b bytes.Buffer
	for i := range 100_000 {
		b.WriteString(`{"op":"tick","n":`)
		b.WriteString(strconv.Itoa(i))
		b.WriteString("}\n")
	}
	return b.Bytes()
}

// benchLongLines is 1,000 lines of 64 KiB each, every one a JSON document
// (a string of mostly ASCII with some multibyte runes).
func benchLongLines() []byte {
	const size = 64 << 10
	body := strings.Repeat("abcdefgh ijklmnop é ", size/21)
	line := `{"data":"` + body
	line += strings.Repeat("x", size-len(line)-2) + `"}`
	var b bytes.Buffer
	b.Grow(1000 * (size + 1))
	for range 1000 {
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// BenchmarkLines reads every line of an input as send and connect do, with
// each check: none (--binary), UTF-8 (text, the default) and --json.
func BenchmarkLines(b *testing.B) {
	inputs := []struct {
		name  string
		data  []byte
		lines int
	}{
		{"short-100000", benchShortLines(), 100_000},
		{"64KiB-1000", benchLongLines(), 1000},
	}
	checks := []struct {
		name  string
		check Check
	}{
		{"binary", Check{Binary: true}},
		{"utf8", Check{}},
		{"json", Check{JSON: true}},
	}
	for _, in := range inputs {
		for _, c := range checks {
			b.Run(in.name+"/"+c.name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(in.data)))
				for b.Loop() {
					l := NewRecords(bytes.NewReader(in.data), '\n', c.check)
					n := 0
					for {
						_, err := l.Next()
						if err == io.EOF {
							break
						}
						if err != nil {
							b.Fatal(err)
						}
						n++
					}
					if n != in.lines {
						b.Fatalf("read %d lines, want %d", n, in.lines)
					}
				}
			})
		}
	}
}
