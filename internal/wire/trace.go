package wire

import "encoding/binary"

// Frame is one frame as it crossed the wire, for --trace.
type Frame struct {
	Out    bool // written by wsx; otherwise read from the peer
	Opcode byte
	Fin    bool
	RSV    byte // the reserved bits: 4 is RSV1, 2 RSV2, 1 RSV3
	Masked bool
	Length uint64 // of the payload
	// Payload is the start of the payload, unmasked: the first
	// TraceStart bytes of a data frame, a control frame whole (up to 4 KiB).
	Payload []byte
	// Text: the payload is text (a text frame, or a continuation of one).
	Text bool
	// Message is set on the last frame of a message of several frames.
	Message *Message
}

// Message is a message that came in several frames, as its last frame ends.
type Message struct {
	Text   bool
	Frames int
	Length uint64
	Start  []byte // its first TraceStart bytes
}

// Close parses the payload of a close frame.
func (f *Frame) Close() *CloseFrame {
	c := parseClose(f.Payload)
	c.RSV = f.RSV
	c.Fragmented = !f.Fin
	return c
}

// Tracer is told of the handshake and of every frame, in the order they
// crossed the wire: what wsx writes before it goes to the connection, what
// it reads as it comes. Its methods are called with the tap's or the
// coalescer's lock held; they must not call back into them.
type Tracer interface {
	// Handshake is the request (out) or the response head, as on the wire.
	Handshake(out bool, head []byte)
	Frame(f Frame)
}

// TraceStart is how much of a data frame's payload a trace keeps.
const TraceStart = 64

// tracing follows the frames of one direction for a Tracer: the payload
// start of the current frame, and the message its fragments make.
type tracing struct {
	out    bool
	frame  Frame
	pos    uint64 // payload bytes seen of the current frame
	masked bool
	mask   [4]byte

	inMessage bool // a text or binary frame without FIN began a message
	message   Message
}

// begin starts a frame from its whole header h.
func (t *tracing) begin(h []byte) {
	t.frame = Frame{
		Out:    t.out,
		Opcode: h[0] & 0x0f,
		Fin:    h[0]&0x80 != 0,
		RSV:    h[0] >> 4 & 7,
		Masked: h[1]&0x80 != 0,
		Length: PayloadLen(h),
	}
	t.pos, t.masked = 0, t.frame.Masked
	if t.masked {
		copy(t.mask[:], h[len(h)-4:])
	}
	switch op := t.frame.Opcode; {
	case op == 0:
		t.frame.Text = t.inMessage && t.message.Text
	case op == 1:
		t.frame.Text = true
	}
}

// payload takes the next payload bytes of the frame.
func (t *tracing) payload(b []byte) {
	keep := uint64(TraceStart)
	if t.frame.Opcode >= 8 {
		keep = maxClosePayload
	}
	for _, c := range b {
		if t.pos >= keep {
			break
		}
		if t.masked {
			c ^= t.mask[t.pos%4]
		}
		t.frame.Payload = append(t.frame.Payload, c)
		t.pos++
	}
}

// end finishes the frame and returns it.
func (t *tracing) end() Frame {
	f := t.frame
	switch op := f.Opcode; {
	case op == 1 || op == 2:
		if !f.Fin {
			t.inMessage = true
			t.message = Message{Text: op == 1, Frames: 1, Length: f.Length, Start: append([]byte(nil), f.Payload...)}
		} else {
			t.inMessage = false
		}
	case op == 0 && t.inMessage:
		t.message.Frames++
		t.message.Length += f.Length
		if room := TraceStart - len(t.message.Start); room > 0 {
			t.message.Start = append(t.message.Start, f.Payload[:min(room, len(f.Payload))]...)
		}
		if f.Fin {
			m := t.message
			f.Message = &m
			t.inMessage = false
		}
	}
	t.frame = Frame{}
	return f
}

// parseClose reads a close frame's payload.
func parseClose(payload []byte) *CloseFrame {
	f := &CloseFrame{}
	switch {
	case len(payload) == 1:
		f.Short = true
	case len(payload) >= 2:
		f.HasCode = true
		f.Code = binary.BigEndian.Uint16(payload)
		f.Reason = payload[2:]
	}
	return f
}
