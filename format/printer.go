package format

import (
	"io"
	"sync"
	"time"

	"github.com/tidwall/pretty"
)

// maxKeptBuf is the largest line buffer a Printer keeps between calls; a
// bigger one (after a huge message) is dropped so its memory can be freed.
const maxKeptBuf = 1 << 20

// Printer writes events to stdout and stderr. Its methods are safe to call
// from several goroutines: each event is written whole, never interleaved.
type Printer struct {
	mu       sync.Mutex
	out, err io.Writer
	buf      []byte // line buffer, reused under mu

	mode     Mode
	binary   BinaryAs
	outColor bool // escapes allowed on stdout (pretty/compact JSON)
	errColor bool // escapes allowed on stderr (prefixes, close line)
	stamps   bool
	quiet    bool
	verbose  bool
	prompt   string
	now      func() time.Time
}

// New returns a Printer writing to stdout and stderr, with every Auto choice
// in o resolved: Mode Auto is Pretty on a terminal and Raw otherwise,
// BinaryAuto is Hex on a terminal and BinaryRaw otherwise, and colour is
// decided per stream (Always wins; Auto needs a terminal and no NO_COLOR).
func New(stdout, stderr io.Writer, o Options) *Printer {
	p := &Printer{
		out: stdout, err: stderr,
		mode: o.Mode, binary: o.BinaryAs,
		outColor: colorOn(o.Color, o.StdoutTTY, o.NoColorEnv),
		errColor: colorOn(o.Color, o.StderrTTY, o.NoColorEnv),
		stamps:   o.Timestamps, quiet: o.Quiet, verbose: o.Verbose,
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
	return p
}

func colorOn(c ColorMode, tty, noColorEnv bool) bool {
	switch c {
	case ColorAlways:
		return true
	case ColorNever:
		return false
	default:
		return tty && !noColorEnv
	}
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
	b := p.buf[:0]
	if p.mode == JSONL {
		b = p.appendMessageEvent(b, dir, binary, data)
	} else {
		b = p.appendPrefix(b)
		b = p.appendBody(b, binary, data)
	}
	return p.flush(p.out, b)
}

// flush writes b and keeps it for reuse; callers hold mu.
func (p *Printer) flush(w io.Writer, b []byte) error {
	_, err := w.Write(b)
	if cap(b) <= maxKeptBuf {
		p.buf = b[:0]
	} else {
		p.buf = nil
	}
	return err
}

// appendPrefix adds the timestamp and prompt that start a printed message.
func (p *Printer) appendPrefix(b []byte) []byte {
	if p.stamps {
		b = p.now().AppendFormat(b, "15:04:05.000 ")
	}
	return append(b, p.prompt...)
}

// appendBody renders a message in the raw, pretty or compact mode.
func (p *Printer) appendBody(b []byte, binary bool, data []byte) []byte {
	switch {
	case binary:
		return p.appendBinary(b, data)
	case p.mode == Raw:
		return append(append(b, data...), '\n')
	case !isJSON(data):
		return appendLine(b, data)
	case p.mode == Pretty:
		return p.appendColored(b, pretty.Pretty(data))
	default:
		return p.appendCompact(b, data)
	}
}

// appendCompact adds data (valid JSON) on one line, then a newline.
func (p *Printer) appendCompact(b []byte, data []byte) []byte {
	if p.outColor {
		b = append(b, pretty.Color(pretty.Ugly(data), nil)...)
		return append(b, '\n')
	}
	start := len(b)
	b = append(b, data...)
	b = b[:start+len(pretty.UglyInPlace(b[start:]))]
	return append(b, '\n')
}

// appendColored adds JSON text, coloured when stdout allows escapes.
func (p *Printer) appendColored(b, json []byte) []byte {
	if p.outColor {
		json = pretty.Color(json, nil)
	}
	return append(b, json...)
}

// appendLine adds data and a newline unless data already ends in one.
func appendLine(b, data []byte) []byte {
	b = append(b, data...)
	if len(data) == 0 || data[len(data)-1] != '\n' {
		b = append(b, '\n')
	}
	return b
}
