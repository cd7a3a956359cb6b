package wire

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"net"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/wsx-cli/wsx/internal/wstest"
)

// countConn counts and keeps the writes that reach it.
type countConn struct {
	net.Conn
	writes    [][]byte
	deadlines []time.Time // write deadlines set, by either method
}

func (c *countConn) SetWriteDeadline(t time.Time) error {
	c.deadlines = append(c.deadlines, t)
	return nil
}

func (c *countConn) SetDeadline(t time.Time) error { return c.SetWriteDeadline(t) }

// TestCoalescerDeadlines: gorilla sets a write deadline before every frame;
// only a change reaches the connection. (Before Start: once started, a
// deadline waits for the write it is for, TestWriteDataDeadline.)
func TestCoalescerDeadlines(t *testing.T) {
	t.Parallel()
	cc := &countConn{}
	co := NewCoalescer(cc)
	later := time.Now().Add(time.Hour)
	for _, d := range []time.Time{{}, {}, {}, later, later, {}} {
		co.SetWriteDeadline(d)
	}
	co.SetDeadline(later) // the handshake's: the next zero is a change
	co.SetWriteDeadline(time.Time{})
	want := []time.Time{later, {}, later, {}} // a new connection has no deadline: the first zero is none
	if len(cc.deadlines) != len(want) {
		t.Fatalf("deadlines set %v, want %v", cc.deadlines, want)
	}
	for i := range want {
		if !cc.deadlines[i].Equal(want[i]) {
			t.Errorf("deadline %d = %v, want %v", i, cc.deadlines[i], want[i])
		}
	}
}

func (c *countConn) Write(b []byte) (int, error) {
	c.writes = append(c.writes, bytes.Clone(b))
	return len(b), nil
}

// TestCoalescerBigWrite: a frame bigger than the buffer is not copied: it
// goes out in the same write, after what was gathered.
func TestCoalescerBigWrite(t *testing.T) {
	t.Parallel()
	cc := &countConn{}
	co := NewCoalescer(cc)
	if _, err := co.Write([]byte("before the upgrade")); err != nil || len(cc.writes) != 1 {
		t.Fatalf("a write before Start was not passed through: %v", err)
	}
	co.Start()
	small := clientFrame(wstest.OpText, []byte("hi"))
	big := clientFrame(wstest.OpBinary, make([]byte, coalesceSize))
	for _, f := range [][]byte{small, big} {
		if _, err := co.Write(f); err != nil {
			t.Fatal(err)
		}
	}
	if len(cc.writes) != 3 || !bytes.Equal(cc.writes[1], small) || !bytes.Equal(cc.writes[2], big) {
		t.Errorf("%d writes, want the small frame flushed, then the big one alone", len(cc.writes))
	}
	if co.Buffered() != 0 {
		t.Errorf("Buffered() = %d after a big write", co.Buffered())
	}
}

// clientFrame builds a masked frame with FIN set (mask key zero).
func clientFrame(op byte, payload []byte) []byte {
	b := []byte{0x80 | op}
	switch n := len(payload); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n <= 0xffff:
		b = append(b, 0x80|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	b = append(b, 0, 0, 0, 0)
	return append(b, payload...)
}

// stream is frames of every header size, with control frames among them.
func stream() (b []byte, controlEnds []int) {
	for _, f := range []struct {
		op   byte
		size int
	}{{wstest.OpText, 5}, {wstest.OpPing, 0}, {wstest.OpBinary, 126}, {wstest.OpText, 0}, {wstest.OpPing, 125}, {wstest.OpBinary, 70000}, {wstest.OpClose, 2}, {wstest.OpText, 1}} {
		b = append(b, clientFrame(f.op, bytes.Repeat([]byte{'x'}, f.size))...)
		if f.op >= 8 {
			controlEnds = append(controlEnds, len(b)-1)
		}
	}
	return b, controlEnds
}

// TestFrameScanner: the end of each control frame is found whatever the
// chunks the stream is written in.
func TestFrameScanner(t *testing.T) {
	t.Parallel()
	b, ends := stream()
	var s frameScanner
	var got []int
	for i := range b {
		if s.scan(b[i : i+1]) {
			got = append(got, i)
		}
	}
	if !equalInts(got, ends) {
		t.Errorf("byte by byte: control frames end at %v, want %v", got, ends)
	}
	for _, size := range []int{2, 3, 7, 100, 4096, len(b)} {
		var s frameScanner
		n := 0
		for i := 0; i < len(b); i += size {
			if s.scan(b[i:min(i+size, len(b))]) {
				n++
			}
		}
		// each control frame lies in a different chunk at these sizes,
		// except when a chunk is big enough to hold several
		if size < 126 && n != len(ends) {
			t.Errorf("chunks of %d: %d chunks end a control frame, want %d", size, n, len(ends))
		}
		if size == len(b) && n != 1 {
			t.Errorf("one chunk: scan reported %d, want 1", n)
		}
		if s.n != 0 || s.left != 0 {
			t.Errorf("chunks of %d: the scanner ended inside a frame (%d, %d)", size, s.n, s.left)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// FuzzFrameScanner: whatever the bytes, scanning them in one piece or in
// two reports the same, and the scanner never panics.
func FuzzFrameScanner(f *testing.F) {
	b, _ := stream()
	f.Add(b[:200], 7)
	f.Add([]byte{0x89, 0x80, 0, 0, 0, 0, 0x81, 0xfe, 0, 1}, 3)
	f.Add([]byte{0x82, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 1)
	f.Fuzz(func(t *testing.T, b []byte, cut int) {
		if cut < 0 || cut > len(b) {
			cut = len(b) / 2
		}
		var wholeEnds, partEnds []int64
		whole := frameScanner{onEnd: func(pos int64) { wholeEnds = append(wholeEnds, pos) }}
		parts := frameScanner{onEnd: func(pos int64) { partEnds = append(partEnds, pos) }}
		one := whole.scan(b)
		a := parts.scan(b[:cut])
		c := parts.scan(b[cut:])
		whole.onEnd, parts.onEnd = nil, nil
		if !reflect.DeepEqual(whole, parts) {
			t.Fatalf("state after one piece %+v, after two %+v", whole, parts)
		}
		if !slices.Equal(wholeEnds, partEnds) {
			t.Fatalf("message ends after one piece %v, after two %v", wholeEnds, partEnds)
		}
		if one != (a || c) {
			t.Fatalf("one piece: %v; two: %v, %v", one, a, c)
		}
	})
}

// FuzzFrameScannerFrames: the Coalescer flushes when a control frame
// ends, so frameScanner must report, for a stream of client frames of
// every header size written in any pieces, exactly the pieces in which a
// control frame ends, and end outside any frame. spec gives the frames
// (opcode and size, two bytes each), seed the pieces.
func FuzzFrameScannerFrames(f *testing.F) {
	f.Add([]byte{wstest.OpText, 5, wstest.OpPing, 0, wstest.OpBinary, 200, wstest.OpClose, 2}, uint64(1))
	f.Add([]byte{wstest.OpPing, 125, 0x0a, 0, wstest.OpText, 0}, uint64(2))
	f.Add([]byte{wstest.OpBinary, 255, wstest.OpPing, 1}, uint64(3))
	f.Add([]byte{0x0f, 3, 0x03, 3}, uint64(4))
	f.Fuzz(func(t *testing.T, spec []byte, seed uint64) {
		var stream []byte
		var ends []int // offset of the last byte of each control frame
		for i := 0; i+1 < len(spec) && len(stream) < 1<<20; i += 2 {
			op := spec[i] & 0x0f
			size := int(spec[i+1])
			switch {
			case op >= 8 && size > 125:
				size = 125 // a control frame carries at most 125 bytes
			case size == 255:
				size = 70000 // a 64-bit length
			case size > 200:
				size = 126 + size*3 // a 16-bit length
			}
			fr := clientFrame(op, make([]byte, size))
			fr[0] = spec[i]&0xf0 | op // FIN and RSV bits as given
			stream = append(stream, fr...)
			if op >= 8 {
				ends = append(ends, len(stream)-1)
			}
		}
		rng := rand.New(rand.NewPCG(seed, ^seed))
		var s frameScanner
		for off := 0; off < len(stream); {
			n := min(len(stream)-off, 1+rng.IntN([]int{1, 3, 16, 200, 70000}[rng.IntN(5)]))
			want := false
			for _, e := range ends {
				want = want || e >= off && e < off+n
			}
			if got := s.scan(stream[off : off+n]); got != want {
				t.Fatalf("piece [%d, %d) of %d bytes: control frame ends %v, want %v (ends at %v)", off, off+n, len(stream), got, want, ends)
			}
			off += n
		}
		if s.n != 0 || s.left != 0 {
			t.Fatalf("the scanner ended inside a frame (%d header bytes, %d payload bytes left)", s.n, s.left)
		}
	})
}
