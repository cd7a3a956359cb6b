// Helpers for cmd's tests: wsx run in-process, the servers it talks to, and reading what it wrote.

package cmd

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wsx-cli/wsx/internal/wstest"
	"github.com/wsx-cli/wsx/serve"
)

// startServer runs a serve.Server on loopback for one test; log receives
// its per-connection lines.
func startServer(t *testing.T, o serve.Options) (*serve.Server, string, *wstest.SyncBuffer) {
	t.Helper()
	log := wstest.NewSyncBuffer()
	if o.CloseAfter == 0 {
		o.CloseAfter = -1
	}
	if o.DropAfter == 0 {
		o.DropAfter = -1
	}
	o.Log = log
	srv := serve.New(o)
	url, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, url, log
}

// result is one in-process run of wsx.
type result struct {
	stdout, stderr *wstest.SyncBuffer
	code           int
}

// runWsx runs Main in-process with the given stdin and signals.
func runWsx(env *Env, args ...string) result {
	r := result{stdout: wstest.NewSyncBuffer(), stderr: wstest.NewSyncBuffer()}
	env.Stdout, env.Stderr = r.stdout, r.stderr
	if env.Stdin == nil {
		env.Stdin = strings.NewReader("")
	}
	r.code = Main(args, env)
	return r
}

// startWsx runs Main in the background; the channel yields its result.
func startWsx(env *Env, args ...string) (stdout, stderr *wstest.SyncBuffer, done <-chan int) {
	stdout, stderr = wstest.NewSyncBuffer(), wstest.NewSyncBuffer()
	env.Stdout, env.Stderr = stdout, stderr
	ch := make(chan int, 1)
	go func() { ch <- Main(args, env) }()
	return stdout, stderr, ch
}

func waitExit(t *testing.T, done <-chan int) int {
	t.Helper()
	select {
	case code := <-done:
		return code
	case <-time.After(15 * time.Second):
		t.Fatal("wsx did not exit within 15s")
		return -1
	}
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := t.TempDir() + "/" + name
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// The tests against servers that misbehave (wstest.RawServer) run wsx
// in-process against a server that breaks the protocol in one way, and
// check the exit status, the stderr line, that nothing sent was lost, and
// that the run ends within its bound: wsx's own flags bound it, the failsafe
// waits (waitExit, waitExitWithin) catch a hang.

// waitExitWithin is waitExit with a failsafe bound of its own, for runs that
// a flag must end well before waitExit would give up.
func waitExitWithin(t *testing.T, done <-chan int, d time.Duration) int {
	t.Helper()
	select {
	case code := <-done:
		return code
	case <-time.After(d):
		t.Fatalf("wsx did not exit within %v", d)
		return -1
	}
}

// hasLine reports whether text holds line as a whole line.
func hasLine(text, line string) bool {
	return strings.Contains("\n"+text, "\n"+line+"\n")
}

// endlessInput is stdin that never ends: numbered lines "1\n2\n3\n...", like
// `seq 1 inf` (or `yes`, with an order the server can check). With width,
// each number is zero-padded to that many digits.
type endlessInput struct {
	n     int
	width int
	rest  []byte
}

func (e *endlessInput) Read(p []byte) (int, error) {
	total := 0
	for total < len(p) {
		if len(e.rest) == 0 {
			e.n++
			num := strconv.Itoa(e.n)
			e.rest = append(append(e.rest[:0], strings.Repeat("0", max(e.width-len(num), 0))...), num...)
			e.rest = append(e.rest, '\n')
		}
		n := copy(p[total:], e.rest)
		e.rest = e.rest[n:]
		total += n
	}
	return total, nil
}

// nextConnStats waits (at most 10s) for the next connection of srv to end and
// returns what the server saw.
func nextConnStats(t *testing.T, srv *serve.Server) serve.Stats {
	t.Helper()
	select {
	case st, ok := <-srv.Done():
		if !ok {
			t.Fatal("server closed before a connection ended")
		}
		return st
	case <-time.After(10 * time.Second):
		t.Fatal("no connection ended within 10s")
	}
	return serve.Stats{}
}

// startFloodServer serves numbered text messages ("1", "2", ...) to each client
// as fast as it can, until the client's close frame comes (it echoes it) or
// the connection fails. closes receives, per connection, the code of the
// client's close frame, or 1006 when none came.
func startFloodServer(t *testing.T) (url string, closes <-chan int) {
	t.Helper()
	ch := make(chan int, 16)
	var mu sync.Mutex
	var conns []*websocket.Conn
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
		code := websocket.CloseAbnormalClosure
		c.SetCloseHandler(func(cc int, _ string) error {
			code = cc
			c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(cc, ""), time.Now().Add(time.Second))
			return nil
		})
		stop := make(chan struct{})
		go func() { // the reader runs the close handler
			defer close(stop)
			for {
				if _, _, err := c.NextReader(); err != nil {
					return
				}
			}
		}()
		for i := 1; ; i++ {
			c.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if c.WriteMessage(websocket.TextMessage, strconv.AppendInt(nil, int64(i), 10)) != nil {
				break // the close was echoed (ErrCloseSent), or the client is gone
			}
		}
		c.NetConn().Close() // ends the reader if the client is gone but not the connection
		<-stop
		ch <- code
	}))
	t.Cleanup(func() {
		mu.Lock()
		for _, c := range conns {
			c.NetConn().Close()
		}
		mu.Unlock()
		srv.Close()
	})
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/", ch
}

// floodClose waits (at most 10s) for a flood connection to end.
func floodClose(t *testing.T, closes <-chan int) int {
	t.Helper()
	select {
	case code := <-closes:
		return code
	case <-time.After(10 * time.Second):
		t.Fatal("the flood connection did not end within 10s")
		return 0
	}
}

// countingLines reports whether text is the lines "1", "2", ... "n" (n >= 1),
// each ended by a newline: nothing lost, nothing reordered.
func countingLines(text string) (n int, ok bool) {
	lines := strings.Split(text, "\n")
	if len(lines) < 2 || lines[len(lines)-1] != "" {
		return 0, false
	}
	for i, l := range lines[:len(lines)-1] {
		if l != strconv.Itoa(i+1) {
			return i, false
		}
	}
	return len(lines) - 1, true
}

// sessionEvents is what wsx's jsonl output says: how many messages went out, the data
// of those that came in, and the close event.
type sessionEvents struct {
	out   int
	in    []string
	close map[string]any
}

func readSessionEvents(t *testing.T, text string) sessionEvents {
	t.Helper()
	var ev sessionEvents
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		var e struct {
			Event string          `json:"event"`
			Dir   string          `json:"dir"`
			Data  json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("not a jsonl event: %q: %v", line, err)
		}
		switch {
		case e.Event == "message" && e.Dir == "out":
			ev.out++
		case e.Event == "message" && e.Dir == "in":
			ev.in = append(ev.in, string(e.Data))
		case e.Event == "close":
			json.Unmarshal([]byte(line), &ev.close)
		}
	}
	return ev
}

var cleanCloseLine = regexp.MustCompile(`(?m)^closed by client: 1000 \(normal closure\); server echoed 1000$`)
