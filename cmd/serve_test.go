// wsx serve: its URL, per-connection log, stdin relayed to clients, Ctrl-C, and its usage errors.

package cmd

import (
	"io"
	"os"
	"strings"
	"testing"

	"github.com/wsx-cli/wsx/internal/exit"
)

// wsx serve prints its URL, logs each connection, relays stdin lines to
// every client, and stops on Ctrl-C.
func TestServeCommand(t *testing.T) {
	stdin, feed := io.Pipe()
	defer feed.Close()
	sig := make(chan os.Signal, 1)
	stdout, stderr, done := startWsx(&Env{Stdin: stdin, Signals: sig}, "serve", "127.0.0.1:0", "--send", "welcome")
	stdout.Wait(t, "\n")
	url := strings.TrimSpace(stdout.String())
	if !strings.HasPrefix(url, "ws://127.0.0.1:") {
		t.Fatalf("stdout %q, want the URL", url)
	}
	stderr.Wait(t, "serving echo on "+url)

	clientIn, clientFeed := io.Pipe()
	defer clientFeed.Close()
	cout, cerr, cdone := startWsx(&Env{Stdin: clientIn}, "connect", "--count", "3", url)
	cout.Wait(t, "welcome\n")
	io.WriteString(clientFeed, "echo me\n")
	cout.Wait(t, "echo me\n")
	stderr.Wait(t, "conn 1: open from 127.0.0.1:")
	io.WriteString(feed, "to everyone\n") // serve's stdin goes to every client
	if code := waitExit(t, cdone); code != 0 {
		t.Fatalf("client exit %d; stderr:\n%s", code, cerr)
	}
	if got := cout.String(); got != "welcome\necho me\nto everyone\n" {
		t.Errorf("client stdout %q", got)
	}
	stderr.Wait(t, "conn 1: closed by client: 1000; received 1 message, 7 bytes, in order")

	sig <- os.Interrupt
	if code := waitExit(t, done); code != exit.Interrupt {
		t.Fatalf("serve exit %d, want 130", code)
	}
}

func TestServeUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--mode", "chat"}, `wsx: error: invalid --mode "chat": want echo, broadcast, sink, stall or order`},
		{[]string{"serve", "--reject", "101"}, "wsx: error: invalid --reject 101: want an HTTP status from 200 to 599"},
		{[]string{"serve", "--close-code", "bogus"}, `wsx: error: invalid --close-code: unknown close code "bogus"`},
		{[]string{"serve", "--send", "@/nonexistent/file"}, "wsx: error: cannot read message file: open /nonexistent/file: no such file or directory"},
		{[]string{"serve", "a:1", "b:2"}, `wsx: error: serve takes one address, got "a:1", "b:2"`},
	} {
		r := runWsx(&Env{}, c.args...)
		if r.code != exit.Usage || !strings.HasPrefix(r.stderr.String(), c.want+"\n") {
			t.Errorf("%v: exit %d, stderr:\n%s\nwant %s", c.args, r.code, r.stderr, c.want)
		}
	}
}
