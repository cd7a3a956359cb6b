package send

import (
	"strings"
	"testing"
)

// TestWriterHeldAfterWriteError: the message whose write failed is held.
func TestWriterHeldAfterWriteError(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, sink())
	ws, _ := dial(t, url)
	ws.NetConn().Close()
	res := NewWriter(ws).Run(NewLines(strings.NewReader("a\nb\n"), false))
	if res.Write == nil || len(res.Held) != 1 || string(res.Held[0].Data) != "a" {
		t.Errorf("Result = %+v, want a write error with \"a\" held", res)
	}
	ok := NewWriter(ws)
	if res := ok.Run(NewLines(strings.NewReader(""), false)); len(res.Held) > 0 {
		t.Errorf("a clean end holds %+v", res.Held)
	}
}
