package send

import (
	"io"
	"os"
	"sync"
	"sync/atomic"

	"github.com/wsx-cli/wsx/format"
)

// meterAbove is the size from which a transfer shows a meter (when the
// writer has Progress): a message over it as it is sent, stdin once more
// than it has been read. Smaller ones are over too soon to need one.
const meterAbove = 1 << 20

// Metered is a Source that reads a stream, stdin, whose progress a meter
// can show.
type Metered interface {
	// MeterInput shows on p's meter line how much of the stream has been
	// read, once that is over 1 MiB, and of what size when the stream is
	// a regular file. The meter ends with the stream, or when end is
	// called, which may be from any goroutine.
	MeterInput(p *format.Printer) (end func())
}

// MeterInput is src's MeterInput when src is Metered; otherwise there is
// no meter, and end does nothing.
func MeterInput(src Source, p *format.Printer) (end func()) {
	if m, ok := src.(Metered); ok {
		return m.MeterInput(p)
	}
	return func() {}
}

// MeterInput shows the progress of the input beneath Paced.
func (p *Paced) MeterInput(pr *format.Printer) (end func()) { return MeterInput(p.Source, pr) }

// input is a source's stream, counted as it is read, with a meter once
// one is wanted and more than meterAbove has been read. Read runs on the
// source's goroutine; MeterInput and end may come from others.
type input struct {
	r     io.Reader
	label string
	n     int64 // bytes read; the reading goroutine's own

	meter atomic.Pointer[format.Meter] // the meter under way, if any
	want  atomic.Pointer[format.Printer]
	mu    sync.Mutex // orders a meter's start against its end
	sized bool       // size was looked up; under mu
	size  int64      // the stream's size, 0 when not known; under mu
}

// newInput counts r; label names the meter ("sending stdin").
func newInput(r io.Reader, label string) *input { return &input{r: r, label: label} }

func (in *input) Read(b []byte) (int, error) {
	k, err := in.r.Read(b)
	in.n += int64(k)
	if m := in.meter.Load(); m != nil {
		m.Add(k)
	} else if in.n > meterAbove && in.want.Load() != nil {
		in.start()
	}
	if err != nil { // the end of the stream, or of reading it
		in.end()
	}
	return k, err
}

// MeterInput wants a meter on p from now on; see Metered.
func (in *input) MeterInput(p *format.Printer) (end func()) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if !in.sized {
		in.sized, in.size = true, streamSize(in.r)
	}
	in.want.Store(p)
	return in.end
}

// start starts the meter, unless it was ended meanwhile.
func (in *input) start() {
	in.mu.Lock()
	defer in.mu.Unlock()
	if p := in.want.Load(); p != nil && in.meter.Load() == nil {
		in.meter.Store(p.Meter(in.label, in.size, in.n))
	}
}

// end ends the meter, and wants no other until MeterInput is called again.
func (in *input) end() {
	in.mu.Lock()
	in.want.Store(nil)
	m := in.meter.Swap(nil)
	in.mu.Unlock()
	if m != nil {
		m.Done()
	}
}

// streamSize is what is left to read of r when it is a regular file (stdin
// redirected from one), or 0 when that is not known.
func streamSize(r io.Reader) int64 {
	f, ok := r.(*os.File)
	if !ok {
		return 0
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return 0
	}
	at, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0
	}
	return max(st.Size()-at, 0)
}
