package format

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Status prints a status line on stderr unless quiet.
func (p *Printer) Status(format string, args ...any) {
	if !p.quiet {
		p.writeErr(fmt.Sprintf(format, args...))
	}
}

// Verbose prints a line on stderr only when verbose.
func (p *Printer) Verbose(format string, args ...any) {
	if p.verbose {
		p.writeErr(fmt.Sprintf(format, args...))
	}
}

// Warn prints `wsx: warning: <msg>` on stderr, even when quiet.
func (p *Printer) Warn(format string, args ...any) {
	p.writeErr(p.paint.Warning("wsx: warning:") + " " + fmt.Sprintf(format, args...))
}

// Failure is an error that ends a run, with what a script needs to know of
// it: the words and hints of the stderr lines, the exit status, and, for an
// upgrade the server refused, its HTTP answer.
type Failure struct {
	Msg    string
	Hints  []string
	Exit   int
	Answer *Answer // nil: no HTTP answer came
}

// Answer is the HTTP response to an upgrade request that did not open the
// connection.
type Answer struct {
	Status  int         // 401
	Headers [][2]string // name and value, one pair per header line
	Body    []byte      // the start of the body, at most MaxAnswerBody bytes
}

// MaxAnswerBody is how much of a refusal's body the error event carries
// (gorilla/websocket keeps no more).
const MaxAnswerBody = 1024

// Failed prints `wsx: error: <msg>` and a `wsx: hint: <h>` line per hint on
// stderr, always; in jsonl mode it also writes an "error" event on stdout
// with the hints, the exit status and the HTTP answer, if one came.
func (p *Printer) Failed(f Failure) {
	text := p.paint.ErrorText(f.Msg, f.Hints...)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mode == JSONL {
		p.writeEvent(appendFailure(p.appendEventHead(p.pend, "error"), f))
	}
	p.errLines(text)
}

// appendFailure adds the fields of a Failed "error" event and ends it.
func appendFailure(b []byte, f Failure) []byte {
	b = appendKey(b, "error")
	b = appendStr(b, f.Msg)
	b = appendKey(b, "hints")
	b = appendStrings(b, f.Hints)
	b = appendKey(b, "exit")
	b = strconv.AppendInt(b, int64(f.Exit), 10)
	if a := f.Answer; a != nil {
		b = appendKey(b, "status")
		b = strconv.AppendInt(b, int64(a.Status), 10)
		b = appendKey(b, "headers")
		b = append(b, '[')
		for i, h := range a.Headers {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendStrings(b, h[:])
		}
		b = append(b, ']')
		b = appendKey(b, "body")
		body := a.Body
		if len(body) > MaxAnswerBody {
			body = body[:MaxAnswerBody]
		}
		b = appendString(b, body)
	}
	return appendEventEnd(b)
}

// Handshake describes a completed opening handshake.
type Handshake struct {
	URL         string
	Subprotocol string        // "" = none
	Offered     []string      // subprotocols offered
	Extensions  string        // Sec-WebSocket-Extensions answer, "" = none
	Duration    time.Duration // dial to 101
	Status      int           // HTTP status, 101
}

// Open reports the handshake: a status line on stderr unless quiet and, in
// jsonl mode, an "open" event on stdout.
func (p *Printer) Open(h Handshake) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mode == JSONL {
		p.writeEvent(p.appendOpenEvent(p.pend, h))
	}
	if !p.quiet {
		p.errLines(fmt.Sprintf("connected to %s (subprotocol: %s, extensions: %s) in %s",
			h.URL, orNone(h.Subprotocol), orNone(h.Extensions), humanDuration(h.Duration)))
	}
}

// appendOpenEvent adds an "open" event.
func (p *Printer) appendOpenEvent(b []byte, h Handshake) []byte {
	return appendEventEnd(p.appendOpenFields(b, h))
}

// appendOpenFields adds an "open" event up to its end, for Reopened to add
// the attempt.
func (p *Printer) appendOpenFields(b []byte, h Handshake) []byte {
	b = p.appendEventHead(b, "open")
	b = appendKey(b, "url")
	b = appendStr(b, h.URL)
	b = appendKey(b, "subprotocol")
	b = appendStrOrNull(b, h.Subprotocol)
	b = appendKey(b, "offered")
	b = appendStrings(b, h.Offered)
	b = appendKey(b, "extensions")
	b = appendStrOrNull(b, h.Extensions)
	b = appendKey(b, "status")
	b = strconv.AppendInt(b, int64(h.Status), 10)
	b = appendKey(b, "handshake_ms")
	return appendMillis(b, h.Duration)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// writeErr writes one line on stderr.
func (p *Printer) writeErr(line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.errLines(line)
}

// errLines writes lines on stderr in one write, each ending in exactly one
// newline; callers hold mu. Messages that Queue holds go out first, so a
// line about them (the close) comes after them; a meter line goes away
// first, so that they start on a clean line of their own. Errors writing
// stderr have nowhere to go.
func (p *Printer) errLines(lines ...string) {
	_ = p.flushOut()
	b := p.buf[:0]
	if p.meter.drawn {
		b = append(b, eraseLine...)
		p.meter.drawn = false
	}
	for _, l := range lines {
		b = append(b, strings.TrimSuffix(l, "\n")...)
		b = append(b, '\n')
	}
	_, _ = p.err.Write(b)
	p.buf = reuse(b)
}

// durationUnits are the units humanDuration picks from, largest first, with
// the precision each is printed to.
var durationUnits = []struct {
	unit, step time.Duration
	suffix     string
	decimals   int
}{
	{time.Second, 10 * time.Millisecond, "s", 2},
	{time.Millisecond, 100 * time.Microsecond, "ms", 1},
	{time.Microsecond, 100 * time.Nanosecond, "µs", 1},
}

// humanDuration prints d in the largest unit it reaches after rounding:
// seconds with two decimals, ms and µs with one, ns whole ("1.2ms").
func humanDuration(d time.Duration) string {
	for _, u := range durationUnits {
		if r := d.Round(u.step); r >= u.unit {
			return strconv.FormatFloat(float64(r)/float64(u.unit), 'f', u.decimals, 64) + u.suffix
		}
	}
	return strconv.FormatInt(int64(max(d, 0)), 10) + "ns"
}
