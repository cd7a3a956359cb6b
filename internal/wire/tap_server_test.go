package wire

import (
	"testing"

	"github.com/wsx-cli/wsx/internal/wstest"
)

// A server's tap follows the client's request and masked frames: a close
// code gorilla refuses is rewritten, masked, in what gorilla reads, and the
// client's real code is kept; whatever the chunks the bytes come in.
func TestServerTap(t *testing.T) {
	t.Parallel()
	mask := []byte{0x12, 0x34, 0x56, 0x78}
	request := []byte("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n")
	data := wstest.Frame(wstest.OpText, []byte("hi"), wstest.LenAuto, mask)
	whole := wstest.Cat(request, data, wstest.Frame(wstest.OpClose, wstest.CloseBody(1014, "gw"), wstest.LenAuto, mask))
	want := wstest.Cat(request, data, wstest.Frame(wstest.OpClose, wstest.CloseBody(1011, "gw"), wstest.LenAuto, mask))
	for _, size := range []int{1, 2, 3, 7, len(whole)} {
		tap := NewServerTap(wstest.NewScriptConn(chunksOf(whole, size)...))
		got := wstest.ReadAll(t, tap, 4096)
		checkBytes(t, got, want, whole)
		checkClose(t, tap.CloseFrame(), &CloseFrame{HasCode: true, Code: 1014, Reason: []byte("gw")})
	}
	// a client tap still takes a request-like answer for a refused upgrade
	tap := NewTap(wstest.NewScriptConn(whole))
	wstest.ReadAll(t, tap, 4096)
	if f := tap.CloseFrame(); f != nil {
		t.Errorf("a client tap parsed frames after a non-101 answer: %+v", f)
	}
}
