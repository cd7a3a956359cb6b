package dial

import (
	"sync"
	"time"

	"github.com/wsx-cli/wsx/closecodes"
	"github.com/wsx-cli/wsx/format"
	"github.com/wsx-cli/wsx/internal/wire"
)

// tracer hands what the tap and the coalescer see to the printer, with
// --trace: the handshake as it goes, then each frame with its time since
// the upgrade (the response head read).
type tracer struct {
	out  *format.Printer
	show bool // --show-secrets

	mu       sync.Mutex
	upgraded time.Time
}

func (t *tracer) Handshake(out bool, head []byte) {
	dir := format.In
	if out {
		dir = format.Out
	} else {
		t.mu.Lock()
		t.upgraded = time.Now()
		t.mu.Unlock()
	}
	showHead(t.out, dir, head, t.show)
}

func (t *tracer) Frame(f wire.Frame) {
	t.mu.Lock()
	at := time.Since(t.upgraded)
	t.mu.Unlock()
	ff := format.Frame{
		At: at, Dir: format.In, Opcode: f.Opcode, Fin: f.Fin, RSV: f.RSV, Masked: f.Masked,
		Length: f.Length, Payload: f.Payload, Text: f.Text,
	}
	if f.Out {
		ff.Dir = format.Out
	}
	if f.Opcode == 8 {
		c := f.Close()
		ff.Close = &format.Close{Code: closecodes.Code(c.Code), HasCode: c.HasCode, Reason: c.Reason, Violation: c.Violation()}
	}
	if m := f.Message; m != nil {
		ff.Message = &format.FrameMessage{Text: m.Text, Frames: m.Frames, Length: m.Length, Start: m.Start}
	}
	t.out.Frame(ff)
}
