package listen

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/wsx-cli/wsx/format"
	"github.com/wsx-cli/wsx/internal/wstest"
)

// pausedServer sends one message of first+rest in two frames, waiting
// between them until resume is closed, then closes with 1000.
func pausedServer(t *testing.T, op byte, first, rest []byte, resume <-chan struct{}) string {
	t.Helper()
	s := wstest.StartRawServer(t, func(c *wstest.RawConn) {
		if c.Upgrade() != nil || c.WriteFrame(false, op, first) != nil {
			return
		}
		select {
		case <-resume:
		case <-c.Done():
			return
		}
		if c.WriteFrame(true, wstest.OpCont, rest) == nil && c.WriteFrame(true, wstest.OpClose, wstest.CloseBody(1000, "")) == nil {
			c.Wait()
		}
	})
	return s.URL()
}

// meterLines matches what the meter of a received message writes: its
// line drawn over and over, then erased.
var meterLines = regexp.MustCompile(`^(\rreceiving message 1: [0-9.]+ (B|KiB|MiB)(, [0-9.]+ (B|KiB|MiB)/s)?\x1b\[K)+\r\x1b\[K$`)

// TestReaderProgress: a message over 1 MiB shows a meter while it arrives,
// held whole or streamed, and the meter is erased when it has; without
// Progress nothing of it is written.
func TestReaderProgress(t *testing.T) {
	t.Parallel()
	first, rest := bytes.Repeat([]byte("a"), 3<<19), bytes.Repeat([]byte("b"), 1<<19) // 1.5 MiB, then 0.5 MiB
	for _, tc := range []struct {
		name     string
		op       byte
		progress bool
	}{
		{"held", wstest.OpText, true},
		{"streamed", wstest.OpBinary, true},
		{"off", wstest.OpText, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resume := make(chan struct{})
			ws, tap := dialTap(t, pausedServer(t, tc.op, first, rest, resume))
			var out bytes.Buffer
			errs := wstest.NewSyncBuffer()
			p := format.New(&out, errs, format.Options{Mode: format.Raw, BinaryAs: format.BinaryRaw})
			r := NewReader(ws, tap, p, Options{Progress: tc.progress})
			done := make(chan Result, 1)
			go func() { done <- r.Run() }()
			if tc.progress {
				errs.Wait(t, "\rreceiving message 1: 1.5 MiB") // the first frame is in, the rest waits
			}
			close(resume)
			res := wstest.Receive(t, done)
			if res.Messages != 1 || res.Output != nil || res.Invalid != nil {
				t.Fatalf("Result %+v, want one message", res)
			}
			if want := string(first) + string(rest); strings.TrimSuffix(out.String(), "\n") != want {
				t.Fatalf("stdout holds %d bytes, want the %d of the message", out.Len(), len(want))
			}
			got := errs.String()
			if tc.progress && !meterLines.MatchString(got) {
				t.Fatalf("stderr %q: not a meter, drawn and then erased", got)
			}
			if !tc.progress && got != "" {
				t.Fatalf("stderr %q without Progress", got)
			}
		})
	}
}

// TestReaderProgressSmall: messages of up to 1 MiB show no meter.
func TestReaderProgressSmall(t *testing.T) {
	t.Parallel()
	resume := make(chan struct{})
	close(resume)
	ws, tap := dialTap(t, pausedServer(t, wstest.OpText, bytes.Repeat([]byte("a"), 1<<19), bytes.Repeat([]byte("b"), 1<<19), resume))
	var out, errs bytes.Buffer
	p := format.New(&out, &errs, format.Options{Mode: format.Raw})
	if res := NewReader(ws, tap, p, Options{Progress: true}).Run(); res.Messages != 1 {
		t.Fatalf("Result %+v, want one message", res)
	}
	if out.Len() != 1<<20+1 || errs.Len() != 0 {
		t.Fatalf("stdout %d bytes, stderr %q: want the message and no meter", out.Len(), errs.String())
	}
}
