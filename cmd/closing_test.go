// wsx's own close: how long it waits for the server's echo, and the warning when none comes.

package cmd

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wsx-cli/wsx/internal/exit"
	"github.com/wsx-cli/wsx/serve"
)

// slowCloser is a server that, when the client closes, goes on sending
// `more` messages, one every `every`, before it echoes the close; with
// more < 0 it never stops.
func slowCloser(t *testing.T, more int, every time.Duration) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		closed := make(chan struct{})
		c.SetCloseHandler(func(int, string) error { close(closed); return nil })
		go func() {
			for {
				if _, _, err := c.ReadMessage(); err != nil {
					return
				}
			}
		}()
		<-closed
		for i := 1; more < 0 || i <= more; i++ {
			time.Sleep(every) // the server is slow: this is its pace, not a wait for wsx
			if err := c.WriteMessage(websocket.TextMessage, fmt.Appendf(nil, "late %d", i)); err != nil {
				return
			}
		}
		c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(1000, ""), time.Now().Add(time.Second))
	}))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

// A server still sending after wsx's close (working through a long input)
// is waited for: --close-timeout counts from the last thing it sent.
func TestCloseWaitWhileServerSends(t *testing.T) {
	url := slowCloser(t, 12, 100*time.Millisecond)
	r := runWsx(&Env{}, "send", "--close-timeout", "1s", url, "hi")
	if r.code != exit.OK {
		t.Fatalf("exit %d; stderr:\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr.String(), "closed by client: 1000 (normal closure); server echoed 1000") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	if !strings.HasSuffix(r.stdout.String(), "late 11\nlate 12\n") {
		t.Errorf("stdout %q: the late messages are missing", r.stdout)
	}
}

// A server that never stops sending is not waited for forever: the wait
// ends after ten times --close-timeout, with the missing echo a warning.
func TestCloseWaitBounded(t *testing.T) {
	url := slowCloser(t, -1, 20*time.Millisecond)
	r := runWsx(&Env{}, "send", "-q", "--close-timeout", "200ms", url, "hi")
	if r.code != exit.OK {
		t.Fatalf("exit %d; stderr:\n%s", r.code, r.stderr)
	}
	if got := r.stderr.String(); got != "closed by client: 1000 (normal closure); no close echo from server\n" {
		t.Errorf("stderr %q", got)
	}
}

// A server that never answers our close: a warning after --close-timeout.
func TestMissingCloseEcho(t *testing.T) {
	_, url, _ := startServer(t, serve.Options{NoCloseEcho: true})
	r := runWsx(&Env{Stdin: strings.NewReader("hi\n")}, "connect", "--close-timeout", "100ms", url)
	if r.code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr.String(), "closed by client: 1000 (normal closure); no close echo from server") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	// It is a warning: -q does not hide it.
	r = runWsx(&Env{Stdin: strings.NewReader("hi\n")}, "connect", "-q", "--close-timeout", "100ms", url)
	if r.code != 0 || r.stderr.String() != "closed by client: 1000 (normal closure); no close echo from server\n" {
		t.Errorf("-q: exit %d; stderr:\n%s", r.code, r.stderr)
	}
}
