package send

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"strconv"
	"testing"
)

// FuzzLines reads any input as lines, in pieces drawn from seed, sometimes
// with a run of padding long enough to cross the 64 KiB read buffer, one
// line at a time (Next) and in batches (NextBatch), which must agree. In
// binary mode the messages must be exactly the input's non-blank lines with
// their terminators removed (so their concatenation is the input without
// terminators and blank lines); in text mode the same, up to the first line
// that is not UTF-8, which must be refused with its line and byte offset.
func FuzzLines(f *testing.F) {
	for _, s := range []string{
		"", "a", "a\n", "a\r\nb\r\n", "\n\n\r\n", "x\ry\n", "a\r\r\n", "abc\r",
		"ok\n\xff\n", "日本\n\xe2\x82", "\r", "\n\r\n\r\r\n",
	} {
		f.Add([]byte(s), uint32(0), uint64(len(s)))
	}
	f.Add([]byte("long\r\nline\n"), uint32(6), uint64(1))
	f.Add([]byte("\xff\r\n"), uint32(7), uint64(2))

	f.Fuzz(func(t *testing.T, data []byte, pad uint32, seed uint64) {
		for _, read := range []func(Source) ([]Message, error){collect, collectBatches} {
			checkLines(t, read, padded(data, pad), seed)
		}
	})
}

// checkLines is FuzzLines' check of in, read with read.
func checkLines(t *testing.T, read func(Source) ([]Message, error), in []byte, seed uint64) {
	want := modelLines(in)

	rng := rand.New(rand.NewPCG(seed, ^seed))
	got, err := read(NewLines(&chunkReader{b: in, rng: rng}, true))
	if err != io.EOF {
		t.Fatalf("binary: err = %v, want io.EOF", err)
	}
	compareLines(t, got, want, len(want))
	var cat []byte
	for _, m := range got {
		cat = append(cat, m.Data...)
	}
	if !bytes.Equal(cat, joinLines(want)) {
		t.Fatal("binary: the messages joined differ from the input without terminators and blank lines")
	}

	rng = rand.New(rand.NewPCG(seed, seed))
	got, err = read(NewLines(&chunkReader{b: in, rng: rng}, false))
	bad := -1
	for i, w := range want {
		if InvalidUTF8(w.data) >= 0 {
			bad = i
			break
		}
	}
	if bad < 0 {
		if err != io.EOF {
			t.Fatalf("text: err = %v, want io.EOF", err)
		}
		compareLines(t, got, want, len(want))
		return
	}
	compareLines(t, got, want, bad)
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("text: err = %v, want *InputError for line %d", err, want[bad].line)
	}
	wantErr := "line " + strconv.Itoa(want[bad].line) + ": not valid UTF-8 at byte " + strconv.Itoa(InvalidUTF8(want[bad].data))
	if err.Error() != wantErr {
		t.Fatalf("text: err = %q, want %q", err.Error(), wantErr)
	}
}

// padded puts a run of "x" in the middle of data for some pad values, so
// that lines cross the read buffer's edge.
func padded(data []byte, pad uint32) []byte {
	n := []int{0, 0, 0, 0, 0, 64<<10 - 1, 64 << 10, 140000}[pad%8]
	if n == 0 {
		return data
	}
	n += int(pad>>3) % 7
	mid := len(data) / 2
	return bytes.Join([][]byte{data[:mid], bytes.Repeat([]byte("x"), n), data[mid:]}, nil)
}

type modelLine struct {
	data []byte
	line int
}

// modelLines splits on "\n", drops one "\r" before it, and skips blank
// lines. A "\r" that ends the input without a "\n" after it is data.
func modelLines(in []byte) []modelLine {
	var out []modelLine
	lines := bytes.Split(in, []byte("\n"))
	for i, l := range lines {
		if i < len(lines)-1 {
			l = bytes.TrimSuffix(l, []byte("\r"))
		}
		if len(l) > 0 {
			out = append(out, modelLine{data: l, line: i + 1})
		}
	}
	return out
}

func joinLines(ls []modelLine) []byte {
	var b []byte
	for _, l := range ls {
		b = append(b, l.data...)
	}
	return b
}

func compareLines(t *testing.T, got []Message, want []modelLine, n int) {
	t.Helper()
	if len(got) != n {
		t.Fatalf("%d messages, want %d", len(got), n)
	}
	for i, m := range got {
		pos := "line " + strconv.Itoa(want[i].line)
		if !bytes.Equal(m.Data, want[i].data) || m.Where() != pos {
			t.Fatalf("message %d = %q at %s, want %q at %s", i, m.Data, m.Where(), want[i].data, pos)
		}
	}
}

// chunkReader returns b in pieces of random sizes.
type chunkReader struct {
	b   []byte
	rng *rand.Rand
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	size := []int{1, 3, 100, 5000, 1 << 20}[c.rng.IntN(5)]
	n := copy(p[:min(len(p), size)], c.b)
	c.b = c.b[n:]
	return n, nil
}
