package format

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
)

// benchShort is a typical short feed message.
var benchShort = []byte(`{"type":"tick","seq":123456,"sym":"ABC","price":101.25,"qty":3}`)

// benchText is a short message that is not JSON.
var benchText = []byte("tick 123456 ABC 101.25 3")

// benchDoc is a larger JSON document (about 10 KiB): an array of objects
// with nested values, escapes and numbers whose text must be kept.
var benchDoc = func() []byte {
	var b bytes.Buffer
	b.WriteString(`{"type":"snapshot","seq":42,"items":[`)
	for i := range 110 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"item \u00e9 %d","price":%d.50,"tags":["a","b\n"],"meta":{"ok":true,"n":null}}`, i, i, i*7)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}()

// benchBinary is a 1 KiB binary message.
var benchBinary = bytes.Repeat([]byte{0x00, 0x7f, 0x80, 0xff, 'w', 's', 'x', '\n'}, 128)

// BenchmarkPrinter prints one incoming message per op to io.Discard, for
// each mode and kind of message.
func BenchmarkPrinter(b *testing.B) {
	msgs := []struct {
		name   string
		binary bool
		data   []byte
	}{
		{"short", false, benchShort},
		{"text", false, benchText},
		{"doc", false, benchDoc},
		{"binary", true, benchBinary},
	}
	modes := []struct {
		name string
		o    Options
	}{
		{"raw", Options{Mode: Raw, BinaryAs: BinaryRaw}},
		{"pretty", Options{Mode: Pretty, BinaryAs: Hex}},
		{"compact", Options{Mode: Compact, BinaryAs: Base64}},
		{"jsonl", Options{Mode: JSONL}},
		{"raw-timestamps", Options{Mode: Raw, BinaryAs: BinaryRaw, Timestamps: true}},
	}
	for _, m := range modes {
		for _, msg := range msgs {
			b.Run(m.name+"/"+msg.name, func(b *testing.B) {
				p := New(io.Discard, io.Discard, m.o)
				b.ReportAllocs()
				b.SetBytes(int64(len(msg.data)))
				for b.Loop() {
					if err := p.Message(In, msg.binary, msg.data); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkBinary renders a 1 KiB binary message as a hex dump and as base64.
func BenchmarkBinary(b *testing.B) {
	for _, as := range []BinaryAs{Hex, Base64} {
		b.Run(as.String(), func(b *testing.B) {
			p := New(io.Discard, io.Discard, Options{Mode: Raw, BinaryAs: as})
			b.ReportAllocs()
			b.SetBytes(int64(len(benchBinary)))
			for b.Loop() {
				if err := p.Message(In, true, benchBinary); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestBenchInputs keeps the benchmark inputs what their names say.
func TestBenchInputs(t *testing.T) {
	t.Parallel()
	if !ValidJSON(benchShort) || !ValidJSON(benchDoc) || ValidJSON(benchText) {
		t.Fatal("benchShort and benchDoc must be JSON, benchText must not")
	}
	if n := len(benchDoc); n < 8<<10 || n > 16<<10 {
		t.Errorf("benchDoc is %d bytes, want about 10 KiB", n)
	}
	if strings.Count(string(prettyText(benchDoc)), "\n") < 100 {
		t.Error("benchDoc pretty-prints on few lines: it should be indented")
	}
}

func prettyText(data []byte) []byte {
	var out bytes.Buffer
	p := New(&out, io.Discard, Options{Mode: Pretty})
	_ = p.Message(In, false, data)
	return out.Bytes()
}
