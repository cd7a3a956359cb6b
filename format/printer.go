package format

import (
	"io"
	"os"
	"sync"
	"time"

	"github.com/tidwall/pretty"
)

// maxKeptBuf is the largest line buffer a Printer keeps between calls; a
// bigger one (after a huge message) is dropped so its memory can be freed.
const maxKeptBuf = 1 << 20

// batchSize is how many bytes Queue holds at most before it writes them.
const batchSize = 64 << 10

// Printer writes events to stdout and stderr. Its methods are safe to call
// from several goroutines: each event is written whole, never interleaved.
type Printer struct {
	mu       sync.Mutex
	out, err io.Writer
	pend     []byte // stdout bytes being built, or held by Queue; under mu
	buf      []byte // stderr line buffer, reused under mu
	batch    bool   // stdout is a pipe or a file, not a terminal: Queue may hold bytes
	outTTY   bool   // stdout is a terminal: the meter line must be erased before writing it
	meter    meterLine

	mode     Mode
	binary   BinaryAs
	outColor bool     // escapes allowed on stdout (pretty/compact JSON)
	paint    *Palette // colours of stderr (prefixes, close line), on or off
	stamps   bool
	quiet    bool
	verbose  bool
	trace    bool // --trace: frames and the handshake as on the wire
	prompt   string
	now      func() time.Time

	stampText, eventText clockText // the current second as text, under mu
}

// New returns a Printer writing to stdout and stderr, with every Auto choice
// in o resolved: Mode Auto is Pretty on a terminal and Raw otherwise,
// BinaryAuto is Hex on a terminal and BinaryRaw otherwise, and colour is
// decided per stream by ColorEnabled, for stdout with StdoutTTY and for
// stderr with StderrTTY.
//
// When stdout is an *os.File that is not a terminal (a pipe or a file),
// Queue may batch messages into fewer writes; see Queue.
func New(stdout, stderr io.Writer, o Options) *Printer {
	_, isFile := stdout.(*os.File)
	p := &Printer{
		out: stdout, err: stderr,
		batch: isFile && !o.StdoutTTY, outTTY: o.StdoutTTY,
		mode: o.Mode, binary: o.BinaryAs,
		outColor: ColorEnabled(o.Color, o.StdoutTTY, o.Getenv),
		paint:    NewPalette(ColorEnabled(o.Color, o.StderrTTY, o.Getenv)),
		stamps:   o.Timestamps, quiet: o.Quiet, verbose: o.Verbose, trace: o.Trace,
		prompt: o.Prompt, now: o.Now,
	}
	if p.mode == Auto {
		p.mode = Raw
		if o.StdoutTTY {
			p.mode = Pretty
		}
	}
	if p.binary == BinaryAuto {
		p.binary = BinaryRaw
		if o.StdoutTTY {
			p.binary = Hex
		}
	}
	if p.now == nil {
		p.now = time.Now
	}
	p.meter.ticks, p.meter.width = realTicks, stderrWidth(stderr)
	return p
}

// Mode returns the resolved output mode (never Auto).
func (p *Printer) Mode() Mode { return p.mode }

// Message prints one data message. Outgoing messages are printed only in
// jsonl mode. It returns the error of writing to stdout, so the caller can
// stop when stdout is gone.
func (p *Printer) Message(dir Dir, binary bool, data []byte) error {
	if p.mode != JSONL && dir != In {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pend = p.appendMessage(p.pend, dir, binary, data)
	return p.writeOut()
}

// Queue prints one data message like Message, except that when stdout is a
// pipe or a file (not a terminal) the bytes may wait in memory, to go out
// in one write with the messages after them: a write(2) per message would
// cost more than the rest of printing it. A caller that queues must call
// Flush before it waits for anything (such as the next frame), so that no
// message sits unseen. Any other output (Message, Stream, an event, a
// stderr line) writes what waits first, so the order of lines is kept.
// The error is that of a write Queue made, if it made one.
func (p *Printer) Queue(dir Dir, binary bool, data []byte) error {
	if p.mode != JSONL && dir != In {
		return nil
	}
	// no defer: it is a tenth of the cost of a short raw message
	p.mu.Lock()
	p.pend = p.appendMessage(p.pend, dir, binary, data)
	var err error
	if !p.batch || len(p.pend) >= batchSize {
		err = p.writeOut()
	}
	p.mu.Unlock()
	return err
}

// Flush writes what Queue holds, and returns the error of that write.
func (p *Printer) Flush() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.flushOut()
}

// flushOut writes held stdout bytes, if any; callers hold mu.
func (p *Printer) flushOut() error {
	if len(p.pend) == 0 {
		return nil
	}
	return p.writeOut()
}

// writeOut writes pend to stdout in one write and empties it, keeping the
// buffer for reuse; callers hold mu. While a meter is under way on
// stdout's terminal, the terminal is readied for pend first.
func (p *Printer) writeOut() error {
	if p.meter.watchOut {
		p.toTerminal(p.pend)
	}
	_, err := p.out.Write(p.pend)
	p.pend = reuse(p.pend)
	return err
}

// reuse empties b for the next line, or drops it when it grew too big.
func reuse(b []byte) []byte {
	if cap(b) > maxKeptBuf {
		return nil
	}
	return b[:0]
}

// appendMessage renders a data message in the printer's mode.
func (p *Printer) appendMessage(b []byte, dir Dir, binary bool, data []byte) []byte {
	if p.mode == JSONL {
		return p.appendMessageEvent(b, dir, binary, data)
	}
	if p.stamps || p.prompt != "" {
		b = p.appendPrefix(b)
	}
	if p.mode == Raw && !binary { // the usual case, here rather than a call further
		return append(append(b, data...), '\n')
	}
	return p.appendBody(b, binary, data)
}

// appendPrefix adds the timestamp and prompt that start a printed message.
func (p *Printer) appendPrefix(b []byte) []byte {
	if p.stamps {
		b = p.stampText.append(b, p.now(), "15:04:05")
		b = append(b, ' ')
	}
	return append(b, p.prompt...)
}

// appendBody renders a message in the pretty or compact mode, or binary.
func (p *Printer) appendBody(b []byte, binary bool, data []byte) []byte {
	if binary {
		return p.appendBinary(b, data)
	}
	// Validate first: pretty.Pretty and pretty.Ugly do not, and mangle what
	// is not JSON; pretty.Pretty also recurses once per level of nesting,
	// which scanJSON bounds by MaxJSONDepth.
	json, spaced := scanJSON(data)
	switch {
	case !json:
		return appendLine(b, data)
	case p.mode == Pretty:
		out := pretty.Pretty(data) // ends in a newline
		if p.outColor {
			out = pretty.Color(out, nil)
		}
		return append(b, out...)
	case p.outColor:
		b = append(b, pretty.Color(pretty.Ugly(data), nil)...)
		return append(b, '\n')
	default:
		return append(appendUgly(b, data, spaced), '\n')
	}
}

// appendLine adds data and a newline unless data already ends in one.
func appendLine(b, data []byte) []byte {
	b = append(b, data...)
	if len(data) == 0 || data[len(data)-1] != '\n' {
		b = append(b, '\n')
	}
	return b
}

// clockText prints clock times, keeping the text of the last second it
// formatted: messages come many to a second, and appending that text costs
// far less than formatting the time again.
type clockText struct {
	sec  int64
	loc  *time.Location
	text []byte // the time to the second, in the layout of the last call
}

// append adds t in layout, which must stop at the second, then ".mmm"
// (milliseconds, cut like Go's ".000"). One clockText serves one layout.
func (c *clockText) append(b []byte, t time.Time, layout string) []byte {
	if sec := t.Unix(); c.text == nil || sec != c.sec || t.Location() != c.loc {
		c.sec, c.loc = sec, t.Location()
		c.text = t.AppendFormat(c.text[:0], layout)
	}
	b = append(b, c.text...)
	ms := t.Nanosecond() / int(time.Millisecond)
	return append(b, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
}
