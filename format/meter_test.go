package format

import (
	"bytes"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wsx-cli/wsx/internal/wstest"
)

// fakeClock is a test Printer's clock, moved by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time         { return c.t }
func (c *fakeClock) step(d time.Duration)   { c.t = c.t.Add(d) }
func (c *fakeClock) opts(o Options) Options { o.Now = c.now; return o }

// newMeterTest is newTest with a clock moved by hand and a meter line that
// draws only when the test calls tick: its goroutine gets no ticks.
func newMeterTest(o Options) (*Printer, *bytes.Buffer, *bytes.Buffer, *fakeClock) {
	c := &fakeClock{t: fixedNow}
	p, out, errb := newTest(c.opts(o))
	p.meter.ticks = func() (<-chan time.Time, func()) { return nil, func() {} }
	return p, out, errb, c
}

// tick draws the meter line as the drawing goroutine does on a tick.
func tick(p *Printer) {
	p.mu.Lock()
	stop := p.meter.stop
	p.mu.Unlock()
	if stop != nil {
		p.drawMeters(stop)
	}
}

// takeString returns what b holds and empties it.
func takeString(b *bytes.Buffer) string {
	s := b.String()
	b.Reset()
	return s
}

// TestMeterUnits: sizes and rates in binary units with one decimal, and
// the time left rounded up to the second.
func TestMeterUnits(t *testing.T) {
	t.Parallel()
	size := func(n int64) string { return string(appendBytes(nil, n)) }
	left := func(secs float64) string { return string(appendLeft(nil, secs)) }
	for i, c := range []struct{ got, want string }{
		{size(0), "0 B"},
		{size(1023), "1023 B"},
		{size(1024), "1.0 KiB"},
		{size(1536), "1.5 KiB"},
		{size(1<<20 - 1), "1.0 MiB"},        // not 1024.0 KiB
		{size(1023*1024 + 1000), "1.0 MiB"}, // 1023.98 KiB
		{size(12_900_000), "12.3 MiB"},
		{size(200 << 20), "200.0 MiB"},
		{size(5 << 30), "5.0 GiB"},
		{size(1<<63 - 1), "8.0 EiB"},
		{left(0.2), "1s"},
		{left(45), "45s"},
		{left(59.5), "1m00s"},
		{left(125), "2m05s"},
		{left(3599), "59m59s"},
		{left(3600), "1h00m"},
		{left(3720.5), "1h02m"},
	} {
		if c.got != c.want {
			t.Errorf("case %d: %q, want %q", i, c.got, c.want)
		}
	}
}

// TestMeterDrawsOnTicksOnly: adding bytes writes nothing, however many
// writes a transfer makes; each tick draws one line, over the last.
func TestMeterDrawsOnTicksOnly(t *testing.T) {
	t.Parallel()
	p, _, errb, clock := newMeterTest(Options{})
	m := p.Meter("sending big.bin", 200<<20, 0)
	defer m.Done()
	for range 200 { // 12.5 MiB in 64 KiB pieces
		m.Add(64 << 10)
	}
	if errb.Len() != 0 {
		t.Fatalf("adding drew %q: only ticks draw", errb.String())
	}
	clock.step(time.Second)
	tick(p)
	want := "\rsending big.bin: 12.5 MiB of 200.0 MiB (6%), 12.5 MiB/s, 15s left\x1b[K"
	if got := takeString(errb); got != want {
		t.Fatalf("first tick drew\n%q, want\n%q", got, want)
	}
	m.Add(25 << 20)
	clock.step(time.Second)
	tick(p)
	want = "\rsending big.bin: 37.5 MiB of 200.0 MiB (18%), 18.8 MiB/s, 9s left\x1b[K"
	if got := takeString(errb); got != want {
		t.Fatalf("second tick drew\n%q, want\n%q", got, want)
	}
}

// TestMeterWithoutTotal shows bytes and rate only, and no rate before any
// time has passed.
func TestMeterWithoutTotal(t *testing.T) {
	t.Parallel()
	p, _, errb, clock := newMeterTest(Options{})
	m := p.Meter("receiving message 3", 0, 1<<20)
	defer m.Done()
	tick(p)
	if got, want := takeString(errb), "\rreceiving message 3: 1.0 MiB\x1b[K"; got != want {
		t.Fatalf("at once: %q, want %q", got, want)
	}
	m.Add(2 << 20)
	clock.step(500 * time.Millisecond)
	tick(p)
	if got, want := takeString(errb), "\rreceiving message 3: 3.0 MiB, 4.0 MiB/s\x1b[K"; got != want {
		t.Fatalf("after 0.5 s: %q, want %q", got, want)
	}
}

// TestMeterRateWindow: the rate is that of the last two seconds, so a
// transfer that slows down shows it, and the time left follows; one that
// has stalled shows 0 B/s, and no time left.
func TestMeterRateWindow(t *testing.T) {
	t.Parallel()
	p, _, errb, clock := newMeterTest(Options{})
	m := p.Meter("sending stdin", 100<<20, 0)
	defer m.Done()
	for range 30 { // 3 s at 10 MiB/s
		m.Add(1 << 20)
		clock.step(100 * time.Millisecond)
		tick(p)
	}
	for range 30 { // 3 s at 1 MiB/s
		m.Add(100 << 10)
		clock.step(100 * time.Millisecond)
		tick(p)
	}
	if got, want := lastLine(errb), "\rsending stdin: 32.9 MiB of 100.0 MiB (32%), 1000.0 KiB/s, 1m09s left\x1b[K"; got != want {
		t.Fatalf("slowed down: %q, want %q", got, want)
	}
	for range 20 { // 2 s stalled
		clock.step(100 * time.Millisecond)
		tick(p)
	}
	if got, want := lastLine(errb), "\rsending stdin: 32.9 MiB of 100.0 MiB (32%), 0 B/s\x1b[K"; got != want {
		t.Fatalf("stalled: %q, want %q", got, want)
	}
}

// lastLine is the last meter line drawn on b.
func lastLine(b *bytes.Buffer) string { return b.String()[strings.LastIndex(b.String(), "\r"):] }

// TestMeterDone erases the line, and nothing is drawn after: the next
// line starts on a clean line at column 0.
func TestMeterDone(t *testing.T) {
	t.Parallel()
	p, _, errb, _ := newMeterTest(Options{})
	m := p.Meter("sending big.bin", 4<<20, 0)
	tick(p)
	m.Done()
	m.Done() // a second Done does nothing
	tick(p)
	p.Status("closed")
	want := "\rsending big.bin: 0 B of 4.0 MiB (0%)\x1b[K" + "\r\x1b[K" + "closed\n"
	if got := errb.String(); got != want {
		t.Fatalf("stderr %q, want %q", got, want)
	}
}

// TestMeterNotDrawnNotErased: a meter done before its first tick writes
// nothing at all.
func TestMeterNotDrawnNotErased(t *testing.T) {
	t.Parallel()
	p, _, errb, _ := newMeterTest(Options{})
	p.Meter("sending big.bin", 4<<20, 0).Done()
	p.Status("closed")
	if got := errb.String(); got != "closed\n" {
		t.Fatalf("stderr %q, want only the status line", got)
	}
}

// TestMeterLineErasedForStderrLines: another stderr line while the meter
// shows comes on a clean line of its own (the meter's erased first, in the
// same write), and the next tick draws the meter again below it.
func TestMeterLineErasedForStderrLines(t *testing.T) {
	t.Parallel()
	p, _, errb, _ := newMeterTest(Options{Verbose: true})
	m := p.Meter("sending big.bin", 4<<20, 1<<20)
	defer m.Done()
	tick(p)
	takeString(errb)
	w := &writeLog{w: errb}
	p.err = w
	p.Warn("slow server")
	p.Control("ping", In, []byte("x"), 0)
	tick(p)
	want := []string{
		"\r\x1b[Kwsx: warning: slow server\n",
		"< ping \"x\"\n",
		"\rsending big.bin: 1.0 MiB of 4.0 MiB (25%)\x1b[K",
	}
	if !slices.Equal(w.writes, want) {
		t.Fatalf("stderr writes %q, want %q", w.writes, want)
	}
}

// writeLog keeps each write apart.
type writeLog struct {
	w      io.Writer
	writes []string
}

func (l *writeLog) Write(b []byte) (int, error) {
	l.writes = append(l.writes, string(b))
	return l.w.Write(b)
}

// TestMeterAndStdout: a message on stdout, when stdout is the terminal,
// erases the meter first; on a pipe it leaves the meter alone.
func TestMeterAndStdout(t *testing.T) {
	t.Parallel()
	for _, tty := range []bool{true, false} {
		p, out, errb, _ := newMeterTest(Options{Mode: Raw, StdoutTTY: tty})
		m := p.Meter("receiving message 2", 0, 2<<20)
		tick(p)
		takeString(errb)
		must(t, p.Message(In, false, []byte("hello")))
		must(t, p.Queue(In, false, []byte("again")))
		want := ""
		if tty {
			want = "\r\x1b[K"
		}
		if got := takeString(errb); got != want {
			t.Errorf("stdout tty %v: stderr %q, want %q", tty, got, want)
		}
		m.Done()
		must(t, p.Flush())
		if got := out.String(); got != "hello\nagain\n" {
			t.Errorf("stdout tty %v: %q", tty, got)
		}
	}
}

// TestMeterWaitsForOpenStdoutLine: a message streaming to the terminal
// leaves its line open between writes; the meter does not draw into it,
// and draws again once the line has ended.
func TestMeterWaitsForOpenStdoutLine(t *testing.T) {
	t.Parallel()
	p, out, errb, _ := newMeterTest(Options{Mode: Raw, StdoutTTY: true})
	m := p.Meter("receiving message 1", 0, 2<<20)
	defer m.Done()
	must(t, p.writeStream([]byte("part of a line")))
	tick(p)
	if errb.Len() != 0 {
		t.Fatalf("drew %q into an open stdout line", errb.String())
	}
	must(t, p.writeStream([]byte(" and its end\n")))
	tick(p)
	if got, want := errb.String(), "\rreceiving message 1: 2.0 MiB\x1b[K"; got != want {
		t.Fatalf("after the line ended: %q, want %q", got, want)
	}
	if out.String() != "part of a line and its end\n" {
		t.Fatalf("stdout %q", out.String())
	}
}

// TestMetersShareTheLine: transfers at once (a file sent, its echo
// received) share one line, in the order they started.
func TestMetersShareTheLine(t *testing.T) {
	t.Parallel()
	p, _, errb, _ := newMeterTest(Options{})
	a := p.Meter("sending big.bin", 8<<20, 3<<20)
	b := p.Meter("receiving message 1", 0, 2<<20)
	tick(p)
	a.Done()
	tick(p)
	b.Done()
	want := "\rsending big.bin: 3.0 MiB of 8.0 MiB (37%) | receiving message 1: 2.0 MiB\x1b[K" +
		"\r\x1b[K" + "\rreceiving message 1: 2.0 MiB\x1b[K" + "\r\x1b[K"
	if got := errb.String(); got != want {
		t.Fatalf("stderr\n%q, want\n%q", got, want)
	}
}

// TestMeterFitsTheTerminal: the line is cut one column short of the
// terminal's width, at a rune, so that it never wraps.
func TestMeterFitsTheTerminal(t *testing.T) {
	t.Parallel()
	p, _, errb, _ := newMeterTest(Options{})
	p.meter.width = func() int { return 20 }
	m := p.Meter("sending é-file.bin", 8<<20, 0)
	defer m.Done()
	tick(p)
	if got, want := errb.String(), "\rsending é-file.bin:\x1b[K"; got != want {
		t.Fatalf("stderr %q, want %q", got, want)
	}
}

// TestMeterGoroutine: the real drawing goroutine draws on its ticks and has
// ended, its ticker stopped, when the last meter is done.
func TestMeterGoroutine(t *testing.T) {
	t.Parallel()
	errb := wstest.NewSyncBuffer()
	clock := &fakeClock{t: fixedNow}
	p := New(io.Discard, errb, clock.opts(Options{}))
	ticks, stopped := make(chan time.Time), make(chan struct{})
	p.meter.ticks = func() (<-chan time.Time, func()) { return ticks, func() { close(stopped) } }
	m := p.Meter("sending big.bin", 4<<20, 0)
	ticks <- fixedNow
	errb.Wait(t, "\rsending big.bin: 0 B of 4.0 MiB (0%)\x1b[K")
	m.Done()
	select {
	case <-stopped:
	default:
		t.Fatal("Done returned before the drawing goroutine stopped its ticker")
	}
	if !strings.HasSuffix(errb.String(), "\r\x1b[K") {
		t.Fatalf("stderr %q does not end erased", errb.String())
	}
}

// TestMeterAddAllocates nothing: it is on the path of every write.
func TestMeterAddAllocates(t *testing.T) {
	p, _, _, _ := newMeterTest(Options{})
	m := p.Meter("sending big.bin", 4<<20, 0)
	defer m.Done()
	r := m.Reader(bytes.NewReader(make([]byte, 64<<10)))
	buf := make([]byte, 64<<10)
	if n := testing.AllocsPerRun(100, func() { m.Add(64 << 10); r.Read(buf) }); n != 0 {
		t.Fatalf("Add and Read allocate %v times", n)
	}
}
