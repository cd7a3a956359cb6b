package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wsx-cli/wsx/internal/exit"
	"github.com/wsx-cli/wsx/internal/wstest"
	"github.com/wsx-cli/wsx/serve"
)

// Users who misbehave: stdin that ends at once or never ends, and stdout
// that is closed early (| head -1).

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

// headStdout is stdout after `| head -1`: the first write goes through, then
// the reader is gone and every later write fails with EPIPE, as a pipe's
// does.
type headStdout struct {
	mu     sync.Mutex
	first  []byte
	closed bool
}

func (h *headStdout) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return 0, &os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.EPIPE}
	}
	h.first, h.closed = append([]byte(nil), p...), true
	return len(p), nil
}

func (h *headStdout) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return string(h.first)
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

// stdin that ends at once: wsx connects, sends nothing, closes with 1000 and
// exits 0. (usage_order.txtar and send_stdin.txtar have this for a file;
// users_stdin.txtar for a closed descriptor.)
func TestStdinEndsAtOnce(t *testing.T) {
	srv, url, _ := startServer(t, serve.Options{})
	for _, args := range [][]string{{"connect", url}, {"send", url}} {
		stdout, stderr, done := startWsx(&Env{Stdin: strings.NewReader("")}, args...)
		if code := waitExit(t, done); code != 0 {
			t.Fatalf("%s: exit %d, want 0; stderr:\n%s", args[0], code, stderr)
		}
		st := nextConnStats(t, srv)
		if st.ClosedBy != "client" || st.CloseCode != 1000 || st.Messages != 0 {
			t.Errorf("%s: the server saw %+v, want a close 1000 by the client and no message", args[0], st)
		}
		if stdout.String() != "" || !cleanCloseLine.MatchString(stderr.String()) || strings.Contains(stderr.String(), "wsx: error") {
			t.Errorf("%s: stdout %q; stderr:\n%s", args[0], stdout, stderr)
		}
		if args[0] == "send" && !strings.Contains(stderr.String(), "sent 0 messages (0 bytes), received 0 messages (0 bytes)\n") {
			t.Errorf("send: no summary; stderr:\n%s", stderr)
		}
	}
}

// `yes | wsx connect --count 1 URL`: the count ends the session however
// much input is left: a clean close with 1000, exit 0, one message printed,
// and every message wsx says it sent (jsonl "out" events) reached the server.
// The lines here and below are 1 KiB, so that the backlog the server echoes
// before its close echo (bounded by the socket buffers) is short in messages.
func TestEndlessStdinConnectCount(t *testing.T) {
	srv, url, _ := startServer(t, serve.Options{})
	stdout, stderr, done := startWsx(&Env{Stdin: &endlessInput{width: 1024}}, "connect", "--count", "1", "-f", "jsonl", url)
	if code := waitExit(t, done); code != 0 {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, stderr)
	}
	st := nextConnStats(t, srv)
	ev := readSessionEvents(t, stdout.String())
	if len(ev.in) != 1 || ev.in[0] != `"`+strings.Repeat("0", 1023)+`1"` {
		t.Errorf("incoming %q, want only the first echo", ev.in)
	}
	if st.ClosedBy != "client" || st.CloseCode != 1000 || !st.InOrder || st.Messages != ev.out || ev.out == 0 {
		t.Errorf("the server saw %+v; wsx sent %d messages", st, ev.out)
	}
	if !cleanCloseLine.MatchString(stderr.String()) || strings.Contains(stderr.String(), "wsx: error") {
		t.Errorf("stderr:\n%s", stderr)
	}
}

// `yes | wsx send --count 1 URL`: README says send's --count waits for N
// replies "after everything is sent", so with endless input the goal is the
// end of the input, which never comes: --timeout ends it with exit 6, after
// a clean close, and every message counted as sent reached the server.
func TestEndlessStdinSendCount(t *testing.T) {
	srv, url, _ := startServer(t, serve.Options{})
	stdout, stderr, done := startWsx(&Env{Stdin: &endlessInput{width: 1024}}, "send", "--count", "1", "--timeout", "1s", url)
	if code := waitExit(t, done); code != exit.Timeout {
		t.Fatalf("exit %d, want 6; stderr:\n%s", code, stderr)
	}
	st := nextConnStats(t, srv)
	if !cleanCloseLine.MatchString(stderr.String()) {
		t.Errorf("no clean close; stderr:\n%s", stderr)
	}
	m := regexp.MustCompile(`(?m)^sent (\d+) messages \((\d+) bytes\), received \d+ messages \(\d+ bytes\)$`).FindStringSubmatch(stderr.String())
	if m == nil || m[1] != strconv.Itoa(st.Messages) || m[2] != strconv.FormatInt(st.Bytes, 10) || !st.InOrder || st.CloseCode != 1000 {
		t.Errorf("the server saw %+v; stderr:\n%s", st, stderr)
	}
	if stdout.String() != strings.Repeat("0", 1023)+"1\n" {
		t.Errorf("stdout %.40q, want only the first reply", stdout)
	}
	errLine := regexp.MustCompile(`(?m)^wsx: error: timed out after 1s waiting for the end of the input( \(.*\))?$`)
	if !errLine.MatchString(stderr.String()) {
		t.Errorf("the timeout line must name the unmet goal, the end of the input; stderr:\n%s", stderr)
	}
}

// stdout closed early (`wsx listen URL | head -1`): wsx stops, closes the
// socket with a close frame (1000) and exits 0 without an error line. This
// is what cmd/finish.go means by "a normal end". In-process, stdout returns
// EPIPE as a pipe with no reader does.
func TestStdoutClosedEarly(t *testing.T) {
	flood, closes := startFloodServer(t)
	srv, echo, _ := startServer(t, serve.Options{})
	var noLine []string
	for _, c := range []struct {
		name  string
		stdin *endlessInput
		args  []string
	}{
		{"listen", nil, []string{"listen", flood}},
		{"connect", &endlessInput{width: 1024}, []string{"connect", echo}},
		{"send", &endlessInput{width: 1024}, []string{"send", echo}},
	} {
		out := &headStdout{}
		env := &Env{Stdout: out, Stderr: wstest.NewSyncBuffer(), Stdin: strings.NewReader("")}
		if c.stdin != nil {
			env.Stdin = c.stdin
		}
		stderr := env.Stderr.(*wstest.SyncBuffer)
		done := make(chan int, 1)
		go func() { done <- Main(c.args, env) }()
		if code := waitExit(t, done); code != 0 {
			t.Errorf("%s: exit %d, want 0; stderr:\n%s", c.name, code, stderr)
		}
		if c.name == "listen" {
			if code := floodClose(t, closes); code != 1000 {
				t.Errorf("%s: the server saw close code %d, want 1000", c.name, code)
			}
		} else if st := nextConnStats(t, srv); st.ClosedBy != "client" || st.CloseCode != 1000 || !st.InOrder {
			t.Errorf("%s: the server saw %+v, want a close 1000 by the client", c.name, st)
		}
		if first := strings.TrimLeft(out.String(), "0"); !strings.HasPrefix(first, "1\n") {
			t.Errorf("%s: first write %.40q, want the first message", c.name, out)
		}
		if strings.Contains(stderr.String(), "wsx: error") {
			t.Errorf("%s: stderr:\n%s", c.name, stderr)
		}
		if !cleanCloseLine.MatchString(stderr.String()) {
			noLine = append(noLine, c.name+":\n"+stderr.String())
		}
	}
	if noLine != nil && !t.Failed() {
		t.Errorf("the close wsx made is not reported on stderr (README: whoever closes, one stderr line):\n%s", strings.Join(noLine, "\n"))
	}
}

// The real process behind `| head -1`: a Go program that writes to a closed
// pipe on stdout is killed by SIGPIPE unless it asks for the signal, so it
// never gets the EPIPE that TestStdoutClosedEarly shows it handles. Right:
// exit 0 and a close frame, as in-process.
func TestStdoutClosedEarlyProcess(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("needs sh")
	}
	flood, closes := startFloodServer(t)
	srv, echo, _ := startServer(t, serve.Options{})
	line := strings.Repeat("y", 1024) + "\n" // long lines: a short backlog to echo before the close
	var bugs []string
	for _, c := range []struct{ name, script, url string }{
		{"listen", `{ wsx listen "$0"; echo "wsx exit $?" >&2; } | head -1`, flood},
		{"connect", `{ yes "$1" | wsx connect "$0"; echo "wsx exit $?" >&2; } | head -1`, echo},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		var stdout, stderr bytes.Buffer
		cmd := exec.CommandContext(ctx, "sh", "-c", c.script, c.url, line[:len(line)-1])
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		cancel()
		if err != nil {
			t.Fatalf("%s: %v (the run is bounded by 20s); stderr:\n%s", c.name, err, stderr.String())
		}
		if want := map[string]string{"listen": "1\n", "connect": line}[c.name]; stdout.String() != want {
			t.Errorf("%s: stdout %.40q, want the first message", c.name, stdout.String())
		}
		code := 1006
		if c.name == "listen" {
			code = floodClose(t, closes)
		} else if st := nextConnStats(t, srv); st.ClosedBy == "client" {
			code = st.CloseCode
		}
		if code != 1000 || !strings.Contains(stderr.String(), "wsx exit 0\n") {
			bugs = append(bugs, fmt.Sprintf("%s: the server saw close code %d; stderr:\n%s", c.name, code, stderr.String()))
			continue
		}
		if !cleanCloseLine.MatchString(stderr.String()) || strings.Contains(stderr.String(), "wsx: error") {
			t.Errorf("%s: stderr:\n%s", c.name, stderr.String())
		}
	}
	if bugs != nil && !t.Failed() {
		t.Errorf("stdout closed early must not kill wsx by SIGPIPE (exit 141) without a close frame:\n%s", strings.Join(bugs, "\n"))
	}
}
