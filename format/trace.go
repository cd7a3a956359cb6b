package format

import (
	"encoding/hex"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Frame is one frame as it crossed the wire, for --trace.
type Frame struct {
	At      time.Duration // since the upgrade
	Dir     Dir
	Opcode  byte
	Fin     bool
	RSV     byte // reserved bits: 4 is RSV1, 2 RSV2, 1 RSV3
	Masked  bool
	Length  uint64 // of the payload
	Payload []byte // its start, unmasked; a control frame whole
	Text    bool   // the payload is text: a text frame or a continuation of one
	// Close is set for a close frame: its code, reason and violation as on
	// the wire (By is not used).
	Close *Close
	// Message is set on the last frame of a message of several frames.
	Message *FrameMessage
}

// FrameMessage is a message that came in several frames.
type FrameMessage struct {
	Text   bool
	Frames int
	Length uint64
	Start  []byte // its first bytes
}

// OpcodeName names a frame opcode (RFC 6455 §5.2).
func OpcodeName(op byte) string {
	switch op {
	case 0:
		return "continuation"
	case 1:
		return "text"
	case 2:
		return "binary"
	case 8:
		return "close"
	case 9:
		return "ping"
	case 10:
		return "pong"
	}
	return "reserved-" + strconv.Itoa(int(op))
}

// Tracing reports whether frames are traced (--trace).
func (p *Printer) Tracing() bool { return p.trace }

// HandshakeHead shows the request (dir Out) or the response head as on
// the wire, with -v or --trace: each line behind "> " or "< ".
func (p *Printer) HandshakeHead(dir Dir, lines []string) {
	if !p.verbose && !p.trace {
		return
	}
	shown := make([]string, len(lines))
	for i, l := range lines {
		shown[i] = arrow(dir) + " " + l
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.errLines(shown...)
}

// Frame reports one frame, with --trace: a line on stderr such as
// `0.000512 < text fin=1 rsv=000 mask=0 len=5 "hello"`, or in jsonl mode a
// "frame" event on stdout. The last frame of a message of several frames is
// followed, on stderr, by a line for the whole message.
func (p *Printer) Frame(f Frame) {
	if !p.trace {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mode == JSONL {
		p.writeEvent(p.appendFrameEvent(p.pend, f))
		return
	}
	at := strconv.FormatFloat(f.At.Seconds(), 'f', 6, 64)
	var s strings.Builder
	s.WriteString(at + " " + arrow(f.Dir) + " " + OpcodeName(f.Opcode))
	s.WriteString(" fin=" + bit(f.Fin) + " rsv=" + rsvBits(f.RSV) + " mask=" + bit(f.Masked))
	s.WriteString(" len=" + strconv.FormatUint(f.Length, 10))
	switch {
	case f.Close != nil:
		s.WriteString(closeFields(f))
	case f.Length > 0:
		s.WriteString(" " + payloadText(f.Payload, f.Length, f.Text || f.Opcode >= 8 && utf8.Valid(f.Payload)))
	}
	lines := []string{s.String()}
	if m := f.Message; m != nil {
		kind := "binary"
		if m.Text {
			kind = "text"
		}
		line := at + " " + arrow(f.Dir) + " message " + kind + " frames=" + strconv.Itoa(m.Frames) +
			" len=" + strconv.FormatUint(m.Length, 10)
		if m.Length > 0 {
			line += " " + payloadText(m.Start, m.Length, m.Text)
		}
		lines = append(lines, line)
	}
	p.errLines(lines...)
}

// closeFields is a close frame's code, name, reason and violation.
func closeFields(f Frame) string {
	c := f.Close
	var s string
	switch {
	case c.HasCode:
		s = " code=" + c.Code.String() + " reason=" + strconv.Quote(string(c.Reason))
	case len(f.Payload) == 0:
		s = " no code"
	default:
		s = " " + payloadText(f.Payload, f.Length, false)
	}
	if c.Violation != "" {
		s += " invalid: " + c.Violation
	}
	return s
}

// payloadText shows the start of a payload of length bytes: quoted text,
// or hex, with "..." when more followed.
func payloadText(start []byte, length uint64, text bool) string {
	more := uint64(len(start)) < length
	var s string
	if text {
		if i := lastRuneStart(start); more && !utf8.FullRune(start[i:]) {
			start = start[:i] // a rune cut by the end of the start is not shown as invalid
		}
		s = strconv.Quote(string(start))
	} else {
		s = "0x" + hex.EncodeToString(start)
	}
	if more {
		s += "..."
	}
	return s
}

// lastRuneStart is where the last rune of b, whole or not, begins.
func lastRuneStart(b []byte) int {
	i := len(b) - 1
	for i > 0 && len(b)-i < utf8.UTFMax && !utf8.RuneStart(b[i]) {
		i--
	}
	return max(i, 0)
}

func bit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// rsvBits shows the reserved bits as RSV1, RSV2, RSV3: "000", "100".
func rsvBits(rsv byte) string {
	return bit(rsv&4 != 0) + bit(rsv&2 != 0) + bit(rsv&1 != 0)
}

// appendFrameEvent adds a "frame" event.
func (p *Printer) appendFrameEvent(b []byte, f Frame) []byte {
	b = p.appendEventHead(b, "frame")
	b = appendKey(b, "t")
	b = strconv.AppendFloat(b, f.At.Seconds(), 'f', 6, 64)
	b = appendKey(b, "dir")
	b = appendStr(b, string(f.Dir))
	b = appendKey(b, "opcode")
	b = appendStr(b, OpcodeName(f.Opcode))
	b = appendKey(b, "fin")
	b = strconv.AppendBool(b, f.Fin)
	b = appendKey(b, "rsv")
	b = appendStr(b, rsvBits(f.RSV))
	b = appendKey(b, "masked")
	b = strconv.AppendBool(b, f.Masked)
	b = appendKey(b, "length")
	b = strconv.AppendUint(b, f.Length, 10)
	// a close frame's payload starts with its code: binary, whatever its
	// bytes happen to be (the code and reason have fields of their own)
	text := utf8.Valid(f.Payload) && (f.Text || f.Opcode >= 8 && f.Opcode != 8)
	b = appendKey(b, "type")
	if text {
		b = append(b, `"text"`...)
	} else {
		b = append(b, `"binary"`...)
	}
	b = appendKey(b, "data")
	if text {
		b = appendString(b, f.Payload)
	} else {
		b = appendBase64String(b, f.Payload)
	}
	b = appendKey(b, "truncated")
	b = strconv.AppendBool(b, uint64(len(f.Payload)) < f.Length)
	if c := f.Close; c != nil {
		if c.HasCode {
			b = appendKey(b, "code")
			b = strconv.AppendUint(b, uint64(c.Code), 10)
			b = appendKey(b, "name")
			b = appendStr(b, c.Code.Slug())
			b = appendKey(b, "reason")
			b = appendString(b, c.Reason)
		}
		if c.Violation != "" {
			b = appendKey(b, "violation")
			b = appendStr(b, c.Violation)
		}
	}
	if m := f.Message; m != nil {
		b = appendKey(b, "message_frames")
		b = strconv.AppendInt(b, int64(m.Frames), 10)
		b = appendKey(b, "message_length")
		b = strconv.AppendUint(b, m.Length, 10)
	}
	return appendEventEnd(b)
}
