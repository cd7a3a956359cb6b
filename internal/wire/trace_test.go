package wire

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/wsx-cli/wsx/internal/wstest"
)

// recorder is a Tracer that keeps what it is told.
type recorder struct {
	heads  []string
	frames []Frame
}

func (r *recorder) Handshake(out bool, head []byte) {
	r.heads = append(r.heads, fmt.Sprintf("%v %s", out, head))
}

func (r *recorder) Frame(f Frame) { r.frames = append(r.frames, f) }

// modelFrames parses the whole frames of a stream one after another, in the
// simplest way, for what a trace must say of each (Message aside): the
// header's fields and the payload's start, unmasked.
func modelFrames(b []byte, out bool) []Frame {
	var frames []Frame
	for len(b) >= 2 && len(b) >= HeaderLen(b[1]) {
		need := HeaderLen(b[1])
		n := PayloadLen(b)
		if n > uint64(len(b)-need) {
			break
		}
		f := Frame{Out: out, Opcode: b[0] & 0x0f, Fin: b[0]&0x80 != 0, RSV: b[0] >> 4 & 7, Masked: b[1]&0x80 != 0, Length: n}
		keep := min(n, TraceStart)
		if f.Opcode >= 8 {
			keep = min(n, maxClosePayload)
		}
		for i := uint64(0); i < keep; i++ {
			c := b[uint64(need)+i]
			if f.Masked {
				c ^= b[need-4+int(i%4)]
			}
			f.Payload = append(f.Payload, c)
		}
		frames = append(frames, f)
		b = b[need+int(n):]
	}
	return frames
}

// sameFrames compares traces without Text and Message, which the model
// does not follow.
func sameFrames(t *testing.T, got, want []Frame) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d frames traced, want %d", len(got), len(want))
	}
	for i := range got {
		g := got[i]
		g.Text, g.Message = false, nil
		if len(g.Payload) == 0 {
			g.Payload = nil
		}
		if !reflect.DeepEqual(g, want[i]) {
			t.Fatalf("frame %d: %+v, want %+v", i, g, want[i])
		}
	}
}

// traceStream is a server's answer: a text, a text message in three
// fragments with a ping between two of them, a binary over TraceStart, a
// frame with RSV1 and a reserved opcode, and a close.
var traceStream = wstest.Cat(
	wstest.Frame(wstest.OpText, []byte("hello"), wstest.LenAuto, nil),
	wstest.FrameHeader(false, 1, 3), []byte("one"),
	wstest.FrameHeader(false, 0, 3), []byte("two"),
	wstest.Frame(9, []byte("p"), wstest.LenAuto, nil),
	wstest.FrameHeader(true, 0, 5), []byte("three"),
	wstest.Frame(wstest.OpBinary, bytes.Repeat([]byte{7}, 300), wstest.LenAuto, nil),
	[]byte{0x80 | 0x40 | 3, 0},
	wstest.CloseFrame(1000, "bye"),
)

// The tap traces every frame the same however the reads fall, and the
// last fragment of a message carries the message.
func TestTapTraceChunked(t *testing.T) {
	stream := append([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"), traceStream...)
	want := modelFrames(traceStream, false)
	for size := 1; size <= len(stream); size = size*2 + 1 {
		var chunks [][]byte
		for rest := stream; len(rest) > 0; rest = rest[min(size, len(rest)):] {
			chunks = append(chunks, rest[:min(size, len(rest))])
		}
		rec := &recorder{}
		tap := NewTap(wstest.NewScriptConn(chunks...))
		tap.Trace(rec)
		wstest.ReadAll(t, tap, 4096)
		sameFrames(t, rec.frames, want)
		if len(rec.heads) != 1 || rec.heads[0] != "false HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n" {
			t.Fatalf("handshake: %q", rec.heads)
		}
		m := rec.frames[4].Message
		if m == nil || !m.Text || m.Frames != 3 || m.Length != 11 || string(m.Start) != "onetwothree" {
			t.Fatalf("reads of %d: message %+v", size, m)
		}
		for i, f := range rec.frames {
			if f.Message != nil && i != 4 {
				t.Fatalf("frame %d carries a message", i)
			}
			if text := i <= 4 && i != 3; f.Text != text {
				t.Fatalf("frame %d: Text %v", i, f.Text)
			}
		}
		if c := rec.frames[len(rec.frames)-1].Close(); !c.HasCode || c.Code != 1000 || string(c.Reason) != "bye" {
			t.Fatalf("close: %+v", c)
		}
		if string(tap.Response()) != "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n" {
			t.Fatalf("Response() = %q", tap.Response())
		}
	}
}

// The coalescer traces the frames gorilla writes, masked, however the
// writes split them, before they go to the connection.
func TestCoalescerTrace(t *testing.T) {
	mask := []byte{1, 2, 3, 4}
	stream := wstest.Cat(
		wstest.Frame(wstest.OpText, []byte("hi"), wstest.LenAuto, mask),
		wstest.Frame(wstest.OpBinary, bytes.Repeat([]byte("ab"), 100), wstest.LenAuto, mask),
		wstest.Frame(wstest.OpClose, wstest.CloseBody(1000, ""), wstest.LenAuto, mask),
	)
	want := modelFrames(stream, true)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		conn := wstest.NewScriptConn()
		c := NewCoalescer(conn)
		rec := &recorder{}
		c.Trace(rec)
		c.Start()
		for rest := stream; len(rest) > 0; {
			n := min(1+rng.IntN(40), len(rest))
			if _, err := c.Write(rest[:n]); err != nil {
				t.Fatal(err)
			}
			rest = rest[n:]
		}
		sameFrames(t, rec.frames, want)
		if !bytes.Equal(conn.Written.Bytes(), stream) {
			t.Fatal("the coalescer changed what it wrote")
		}
		if c := rec.frames[2].Close(); !c.HasCode || c.Code != 1000 {
			t.Fatalf("close: %+v", c)
		}
	}
}

// A close frame with RSV bits or without FIN is a violation, whatever its
// code says.
func TestCloseFrameViolations(t *testing.T) {
	for _, tc := range []struct {
		first byte
		want  string
	}{
		{0x88, ""},
		{0x88 | 0x40, "the close frame has RSV1 set"},
		{0x88 | 0x10, "the close frame has RSV3 set"},
		{0x88 | 0x60, "the close frame has RSV1 and RSV2 set"},
		{0x88 | 0x70, "the close frame has RSV1, RSV2 and RSV3 set"},
		{0x08, "the close frame has no FIN bit: control frames are never fragmented"},
	} {
		body := binary.BigEndian.AppendUint16(nil, 4001)
		stream := append([]byte("HTTP/1.1 101 Switching Protocols\r\n\r\n"), append([]byte{tc.first, byte(len(body))}, body...)...)
		tap := NewTap(wstest.NewScriptConn(stream))
		wstest.ReadAll(t, tap, 4096)
		f := tap.CloseFrame()
		if f == nil || f.Code != 4001 {
			t.Fatalf("%#x: close frame %+v", tc.first, f)
		}
		if got := f.Violation(); got != tc.want {
			t.Errorf("%#x: Violation() = %q, want %q", tc.first, got, tc.want)
		}
	}
}
