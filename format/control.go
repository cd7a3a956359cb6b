package format

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// Control reports a ping or pong (kind "ping" or "pong"); rtt > 0 is the
// round trip of a pong that answers our ping. In jsonl mode it writes an
// event on stdout whose data is the payload as text when it is valid UTF-8
// and as base64 otherwise, with "type" saying which ("text" or "binary").
// Otherwise, when verbose, it writes a line such as `< pong "x" (rtt 1.2ms)`
// on stderr.
func (p *Printer) Control(kind string, dir Dir, data []byte, rtt time.Duration) {
	switch {
	case p.mode == JSONL:
		p.mu.Lock()
		defer p.mu.Unlock()
		p.writeEvent(p.appendControlEvent(p.pend, kind, dir, data, rtt))
	case p.verbose && !p.trace: // a trace shows every frame already
		line := arrow(dir) + " " + kind + " " + strconv.Quote(string(data))
		if rtt > 0 {
			line += " (rtt " + humanDuration(rtt) + ")"
		}
		p.writeErr(line)
	}
}

// appendControlEvent adds a "ping" or "pong" event.
func (p *Printer) appendControlEvent(b []byte, kind string, dir Dir, data []byte, rtt time.Duration) []byte {
	text := utf8.Valid(data)
	b = p.appendEventHead(b, kind)
	b = appendDirType(b, dir, !text)
	b = appendKey(b, "data")
	if text {
		b = appendString(b, data)
	} else {
		b = appendBase64String(b, data)
	}
	b = appendKey(b, "size")
	b = strconv.AppendInt(b, int64(len(data)), 10)
	if rtt > 0 {
		b = appendKey(b, "rtt_ms")
		b = appendMillis(b, rtt)
	}
	return appendEventEnd(b)
}

// arrow is "<" for incoming and ">" for outgoing frames.
func arrow(dir Dir) string {
	if dir == Out {
		return ">"
	}
	return "<"
}
