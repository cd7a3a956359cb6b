package format

import (
	"io"
	"os"
	"slices"
	"strconv"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"golang.org/x/term"
)

// meterEvery is how often the meter line is redrawn: often enough to look
// alive, seldom enough to cost nothing next to the transfer.
const meterEvery = 100 * time.Millisecond

// rateWindow is how many draws the rate is taken over: two seconds of
// them (twenty intervals between 21 draws).
const rateWindow = 21

// The terminal controls of the meter line (ECMA-48): back to its start,
// and erase from the cursor to the end of the line. Drawing over the old
// text and then erasing what is left of it does not flicker.
const (
	lineStart  = "\r"
	eraseRight = "\x1b[K"
	eraseLine  = lineStart + eraseRight
)

// meterSep stands between the meters of transfers under way at once.
const meterSep = " | "

// meterLine is the printer's meter line: the last line of stderr, left
// open (no newline) and drawn again on every tick while transfers are
// under way. Its fields are under the printer's mu.
type meterLine struct {
	meters []*Meter // under way, in the order they started
	drawn  bool     // the line is on stderr: other output erases it first
	// outOpen: stdout, a terminal, was left in the middle of a line (a
	// message streamed as it arrives), where the meter must not draw
	outOpen bool
	// watchOut: stdout is a terminal, and a meter is under way or its
	// line is open: each write to stdout goes through toTerminal. It is
	// the one field the printer's hot paths look at.
	watchOut bool
	stop     chan struct{} // closed to end the drawing goroutine; nil: none runs
	exited   chan struct{} // closed when it has ended
	buf      []byte        // the line being drawn, reused
	ticks    func() (<-chan time.Time, func())
	width    func() int // stderr's width in columns; 0: not known
}

// Meter shows how far one big transfer has gone on the printer's meter
// line (see Printer.Meter). Add and Done are safe from any goroutine.
type Meter struct {
	p       *Printer
	label   string
	total   int64        // 0: not known
	n       atomic.Int64 // bytes so far
	samples []sample     // the last rateWindow draws, oldest first; under p.mu
}

// sample is how many bytes a meter had gone at a moment.
type sample struct {
	at time.Time
	n  int64
}

// Meter starts the meter of a transfer: label names it ("sending
// big.bin"), total is its size (0 when not known: no percentage or time
// left), sofar what has already gone. From the next tick on, every
// meterEvery and not more often, the printer draws one line on stderr for
// every meter under way, such as
//
//	sending big.bin: 12.3 MiB of 200.0 MiB (6%), 4.1 MiB/s, 45s left
//
// Any other output of the printer erases the line first (when stdout is
// a terminal, stdout's too), and the next tick draws it again. The caller
// must call Done when the transfer ends, failed or not.
//
// The caller decides whether a meter is wanted at all: only when stderr is
// a terminal (see session.Options.Progress).
func (p *Printer) Meter(label string, total, sofar int64) *Meter {
	m := &Meter{p: p, label: label, total: total}
	m.n.Store(sofar)
	p.mu.Lock()
	defer p.mu.Unlock()
	m.samples = append(make([]sample, 0, rateWindow), sample{p.now(), sofar})
	p.meter.meters = append(p.meter.meters, m)
	p.watch()
	if p.meter.stop == nil {
		p.startMeters()
	}
	return m
}

// Add counts n more bytes. It only adds: the line is drawn on the ticks.
func (m *Meter) Add(n int) { m.n.Add(int64(n)) }

// Reader returns r, counting on the meter what is read from it.
func (m *Meter) Reader(r io.Reader) io.Reader { return &meterReader{r: r, m: m} }

// Done ends the meter: its line is erased at once, so that what the
// printer writes next starts on a clean line. Once the last meter is done
// the drawing goroutine has ended when Done returns. Later calls do
// nothing.
func (m *Meter) Done() {
	p := m.p
	p.mu.Lock()
	stop, exited := p.dropMeter(m)
	p.mu.Unlock()
	if stop != nil {
		close(stop)
		<-exited
	}
}

// dropMeter takes m off the line and erases it; when m was the last, it
// returns the drawing goroutine's channels for the caller to end it with.
// Callers hold mu.
func (p *Printer) dropMeter(m *Meter) (stop, exited chan struct{}) {
	i := slices.Index(p.meter.meters, m)
	if i < 0 {
		return nil, nil
	}
	p.meter.meters = slices.Delete(p.meter.meters, i, i+1)
	p.watch()
	p.eraseMeter()
	if len(p.meter.meters) > 0 {
		return nil, nil
	}
	stop, exited = p.meter.stop, p.meter.exited
	p.meter.stop, p.meter.exited = nil, nil
	return stop, exited
}

// startMeters starts the goroutine that draws the meter line on every
// tick until stop is closed; callers hold mu.
func (p *Printer) startMeters() {
	stop, exited := make(chan struct{}), make(chan struct{})
	p.meter.stop, p.meter.exited = stop, exited
	ticks, stopTicks := p.meter.ticks()
	go func() {
		defer close(exited)
		defer stopTicks()
		for {
			select {
			case <-ticks:
				p.drawMeters(stop)
			case <-stop:
				return
			}
		}
	}()
}

// realTicks is the drawing clock: a ticker every meterEvery.
func realTicks() (<-chan time.Time, func()) {
	t := time.NewTicker(meterEvery)
	return t.C, t.Stop
}

// drawMeters draws the meter line, unless the goroutine of stop is no
// longer the one drawing (its last meter was done meanwhile), or stdout
// is in the middle of a line on the terminal.
func (p *Printer) drawMeters(stop chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.meter.stop != stop || p.meter.outOpen {
		return
	}
	now := p.now()
	b := append(p.meter.buf[:0], lineStart...)
	for i, m := range p.meter.meters {
		if i > 0 {
			b = append(b, meterSep...)
		}
		b = m.appendLine(b, now)
	}
	b = fitWidth(b, p.meter.width())
	b = append(b, eraseRight...)
	_, _ = p.err.Write(b)
	p.meter.drawn = true
	p.meter.buf = reuse(b)
}

// eraseMeter erases the meter line if it is drawn; callers hold mu.
func (p *Printer) eraseMeter() {
	if p.meter.drawn {
		_, _ = io.WriteString(p.err, eraseLine)
		p.meter.drawn = false
	}
}

// toTerminal readies stdout's terminal for b while a meter may draw: when
// stdout is a terminal, the meter line is erased first, and a b that
// leaves a line open keeps the meter from drawing until a later write
// ends it. Callers hold mu.
func (p *Printer) toTerminal(b []byte) {
	if !p.outTTY || len(b) == 0 {
		return
	}
	p.eraseMeter()
	p.meter.outOpen = b[len(b)-1] != '\n'
	p.watch()
}

// watch sets watchOut; callers hold mu.
func (p *Printer) watch() {
	p.meter.watchOut = p.outTTY && (len(p.meter.meters) > 0 || p.meter.outOpen)
}

// fitWidth cuts the line b (which starts with lineStart) to one column
// short of width, so that it never wraps: a wrapped line could not be
// erased. Each rune counts as a column. width 0 is not known: no cut.
func fitWidth(b []byte, width int) []byte {
	if width <= 0 {
		return b
	}
	cols := 0
	for i := len(lineStart); i < len(b); {
		if cols == width-1 {
			return b[:i]
		}
		_, size := utf8.DecodeRune(b[i:])
		i += size
		cols++
	}
	return b
}

// stderrWidth returns how wide the terminal w is, when it is one.
func stderrWidth(w io.Writer) func() int {
	f, ok := w.(*os.File)
	if !ok {
		return func() int { return 0 }
	}
	return func() int {
		width, _, err := term.GetSize(int(f.Fd()))
		if err != nil {
			return 0
		}
		return width
	}
}

// appendLine adds the meter's text as of now, and keeps now's count for
// the rate; callers hold mu.
func (m *Meter) appendLine(b []byte, now time.Time) []byte {
	n := m.n.Load()
	b = append(b, m.label...)
	b = append(b, ": "...)
	b = appendBytes(b, n)
	if m.total > 0 {
		b = append(b, " of "...)
		b = appendBytes(b, m.total)
		b = append(b, " ("...)
		b = strconv.AppendInt(b, min(n*100/m.total, 100), 10)
		b = append(b, "%)"...)
	}
	rate, ok := m.rate(now, n)
	if !ok {
		return b
	}
	b = append(b, ", "...)
	b = appendBytes(b, int64(rate))
	b = append(b, "/s"...)
	if secs := float64(m.total-n) / rate; rate > 0 && secs > 0 && secs < maxLeft {
		b = append(b, ", "...)
		b = appendLeft(b, secs)
		b = append(b, " left"...)
	}
	return b
}

// maxLeft is the longest time left the meter shows, in seconds: a longer
// one says nothing useful (the rate will change first).
const maxLeft = 100 * 3600

// rate records n at now and returns the bytes per second over the last
// rateWindow draws (since the start, at first), which is 0 for a transfer
// that has stalled; not ok when no time has passed.
func (m *Meter) rate(now time.Time, n int64) (rate float64, ok bool) {
	if len(m.samples) == rateWindow {
		m.samples = append(m.samples[:0], m.samples[1:]...)
	}
	m.samples = append(m.samples, sample{now, n})
	first := m.samples[0]
	secs := now.Sub(first.at).Seconds()
	if secs <= 0 {
		return 0, false
	}
	return float64(n-first.n) / secs, true
}

// byteUnits are the binary units appendBytes prints above bytes.
var byteUnits = []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}

// appendBytes adds n in the largest binary unit under 1024 of it, with
// one decimal: "512 B", "12.3 MiB".
func appendBytes(b []byte, n int64) []byte {
	if n < 1024 {
		return append(strconv.AppendInt(b, n, 10), " B"...)
	}
	v, unit := float64(n)/1024, 0
	for v >= 1023.95 && unit < len(byteUnits)-1 { // 1023.95 would print as 1024.0
		v /= 1024
		unit++
	}
	b = strconv.AppendFloat(b, v, 'f', 1, 64)
	return append(append(b, ' '), byteUnits[unit]...)
}

// appendLeft adds a time left of secs seconds, rounded up: "45s",
// "2m05s", "1h02m".
func appendLeft(b []byte, secs float64) []byte {
	s := int64(secs)
	if float64(s) < secs {
		s++
	}
	switch {
	case s < 60:
		return append(strconv.AppendInt(b, s, 10), 's')
	case s < 3600:
		return append(appendTwo(append(strconv.AppendInt(b, s/60, 10), 'm'), s%60), 's')
	}
	return append(appendTwo(append(strconv.AppendInt(b, s/3600, 10), 'h'), s/60%60), 'm')
}

// appendTwo adds n (0 to 99) in two digits.
func appendTwo(b []byte, n int64) []byte { return append(b, byte('0'+n/10), byte('0'+n%10)) }

// meterReader counts on a meter what is read through it.
type meterReader struct {
	r io.Reader
	m *Meter
}

func (r *meterReader) Read(b []byte) (int, error) {
	n, err := r.r.Read(b)
	r.m.Add(n)
	return n, err
}
