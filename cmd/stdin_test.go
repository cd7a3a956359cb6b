// Stdin that ends at once or never ends: a clean close, and --count and --timeout end endless input.

package cmd

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/wsx-cli/wsx/internal/exit"
	"github.com/wsx-cli/wsx/serve"
)

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
