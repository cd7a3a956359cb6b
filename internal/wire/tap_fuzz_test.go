package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/wsx-cli/wsx/internal/wstest"
)

// fuzzUpgrade is the handshake answer FuzzTap puts before its input.
const fuzzUpgrade = "HTTP/1.1 101 Switching Protocols\r\n\r\n"

// FuzzTap feeds the upgrade answer and then any bytes through a Tap, in
// chunk sizes and read sizes drawn from seed. The Tap must not panic or
// spin, must hand on exactly as many bytes as the server sent, and may change
// only the low byte of a 1014 close code; it must keep the first close frame
// exactly, and count the messages that end in the stream; traced (odd
// seeds), it must tell of every whole frame as it is. A simple whole-stream model says which bytes change and which
// frame is kept.
func FuzzTap(f *testing.F) {
	for i, tc := range tapCases {
		data := wstest.Cat(tc.in...)
		if len(data) > 10000 {
			continue
		}
		f.Add(data, uint64(i))
	}
	cf := wstest.CloseFrame(1014, "bad gateway")
	f.Add(wstest.Cat(wstest.Frame(wstest.OpText, []byte("hi"), wstest.LenAuto, nil), cf), uint64(0))
	f.Add(wstest.Cat(wstest.Frame(wstest.OpText, text300, wstest.LenAuto, mask), cf, cf), uint64(7))
	f.Add(cf[:3], uint64(1))
	f.Add([]byte{}, uint64(2))
	f.Add([]byte{0x88, 0x7f, 0, 0, 0, 0, 0, 0, 0, 3, 0x03, 0xF6, 'x'}, uint64(3))
	f.Add([]byte{0x82, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x88}, uint64(4))

	f.Fuzz(func(t *testing.T, data []byte, seed uint64) {
		stream := append([]byte(fuzzUpgrade), data...)
		rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
		chunks := randomChunks(rng, stream)
		c := wstest.NewScriptConn(chunks...)
		c.Limit = len(chunks) + len(stream) + 8 // every Read of the Tap's must make progress
		tap := NewTap(c)
		rec := &recorder{}
		if seed%2 == 1 { // traced, the slow path: it must agree in everything
			tap.Trace(rec)
		}

		got, err := readRandom(tap, rng, len(chunks)+len(stream)+8)
		if errors.Is(err, wstest.ErrLooping) {
			t.Fatalf("Tap.Read spins: %v", err)
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(stream) {
			t.Fatalf("handed on %d bytes, want %d", len(got), len(stream))
		}
		want := modelTap(stream)
		d := wstest.Diffs(got, stream)
		for _, i := range d {
			if i == 0 || stream[i-1] != 0x03 || stream[i] != 0xF6 || got[i] != 0xF3 {
				t.Fatalf("byte %d changed from %#02x to %#02x: only 1014's low byte may change", i, stream[i], got[i])
			}
		}
		if len(d) > len(want.rewrites) {
			t.Fatalf("%d bytes changed, but the stream has %d close codes 1014", len(d), len(want.rewrites))
		}
		checkBytes(t, got, want.out, stream)
		checkClose(t, tap.CloseFrame(), want.close)
		if n := tap.messages.Load(); n != want.messages {
			t.Fatalf("messages = %d, want %d", n, want.messages)
		}
		if n := tap.BytesRead(); n != int64(len(stream)) {
			t.Fatalf("BytesRead = %d, want %d", n, len(stream))
		}
		if seed%2 == 1 {
			sameFrames(t, rec.frames, modelFrames(data, false))
		}
	})
}

// randomChunks splits b into the Reads a connection returns, some of them
// empty.
func randomChunks(rng *rand.Rand, b []byte) [][]byte {
	maxSize := []int{1, 2, 3, 8, 40, 300, 5000}[rng.IntN(7)]
	var out [][]byte
	for len(b) > 0 {
		n := rng.IntN(maxSize + 1) // 0 is an empty Read
		n = min(n, len(b))
		out = append(out, b[:n])
		b = b[n:]
	}
	return out
}

// readRandom reads t to io.EOF with buffers of random sizes of at least 2
// bytes, as bufio.Reader under gorilla does; each Read must return data or
// an error, and there are at most maxReads.
func readRandom(t *Tap, rng *rand.Rand, maxReads int) ([]byte, error) {
	var out []byte
	for range maxReads {
		size := 2 + rng.IntN(16)
		if rng.IntN(4) == 0 {
			size = 4096
		}
		buf := make([]byte, size)
		n, err := t.Read(buf)
		out = append(out, buf[:n]...)
		switch {
		case err == io.EOF:
			return out, nil
		case err != nil:
			return out, err
		case n == 0:
			return out, errors.New("Tap.Read returned 0, nil")
		}
	}
	return out, errors.New("Tap.Read did not reach the end of the stream")
}

// tapWant is what the model expects of a Tap.
type tapWant struct {
	out      []byte      // the stream as handed on
	close    *CloseFrame // the first complete close frame
	rewrites []int       // offsets of rewritten bytes
	messages int64       // final text, binary and continuation frames, whole
}

// modelTap parses a whole stream at once: the HTTP answer up to the first
// blank line, then frames. An unmasked close frame whose code is 1014 and
// whose two code bytes are in the stream is handed on as 1011.
func modelTap(stream []byte) tapWant {
	w := tapWant{out: bytes.Clone(stream)}
	i := bytes.Index(stream, []byte("\r\n\r\n"))
	if i < 0 {
		return w
	}
	i += 4
	for len(stream)-i >= 2 {
		b0, b1 := stream[i], stream[i+1]
		need := 2
		switch b1 & 0x7f {
		case 126:
			need += 2
		case 127:
			need += 8
		}
		masked := b1&0x80 != 0
		if masked {
			need += 4
		}
		if len(stream)-i < need {
			break
		}
		var length uint64
		switch l := b1 & 0x7f; l {
		case 126:
			length = uint64(binary.BigEndian.Uint16(stream[i+2:]))
		case 127:
			length = binary.BigEndian.Uint64(stream[i+2:])
		default:
			length = uint64(l)
		}
		p := i + need
		avail := uint64(len(stream) - p)
		if b0&0x0f == wstest.OpClose {
			if !masked && length >= 2 && avail >= 2 && binary.BigEndian.Uint16(stream[p:]) == 1014 {
				binary.BigEndian.PutUint16(w.out[p:], 1011)
				w.rewrites = append(w.rewrites, p+1)
			}
			if avail >= length && w.close == nil {
				w.close = modelClose(stream[p:p+int(length)], masked, stream[p-4:p])
			}
		}
		if avail < length {
			break
		}
		if b0&0x80 != 0 && b0&0x0f <= wstest.OpBinary {
			w.messages++
		}
		i = p + int(length)
	}
	return w
}

func modelClose(payload []byte, masked bool, mask []byte) *CloseFrame {
	kept := bytes.Clone(payload[:min(len(payload), maxClosePayload)])
	if masked {
		for j := range kept {
			kept[j] ^= mask[j%4]
		}
	}
	switch len(kept) {
	case 0:
		return &CloseFrame{}
	case 1:
		return &CloseFrame{Short: true}
	}
	return &CloseFrame{HasCode: true, Code: binary.BigEndian.Uint16(kept), Reason: kept[2:]}
}
