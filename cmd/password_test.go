package cmd

import (
	"bytes"
	"encoding/base64"
	"io"
	"testing"

	"github.com/creack/pty"
	"golang.org/x/term"

	"github.com/wsx-cli/wsx/internal/wstest"
)

// TestPasswordPrompt runs `wsx send -u alice URL hi` with stdin a terminal
// (a pty): wsx asks for the password on stderr, reads it without echo, and
// sends alice and that password as basic auth.
func TestPasswordPrompt(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pty here: %v", err)
	}
	defer ptmx.Close()
	auth := make(chan string, 1)
	srv := wstest.StartRawServer(t, func(c *wstest.RawConn) {
		req, err := c.ReadRequest()
		if err != nil {
			return
		}
		auth <- req.Header.Get("Authorization")
		io.WriteString(c, "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n")
	})
	stderr := wstest.NewSyncBuffer()
	env := &Env{
		Stdin: tty, Stdout: io.Discard, Stderr: stderr, StdinTTY: true,
		ReadPassword: func() ([]byte, error) { return term.ReadPassword(int(tty.Fd())) },
	}
	done := make(chan int, 1)
	go func() { done <- Main([]string{"send", "-u", "alice", srv.URL(), "hi"}, env) }()
	stderr.Wait(t, "Enter host password for user 'alice': ")
	if _, err := io.WriteString(ptmx, "s3cret\n"); err != nil {
		t.Fatal(err)
	}
	code := <-done
	tty.Close() // the terminal's output ends: what it echoed can be read whole
	echoed, _ := io.ReadAll(ptmx)
	if want := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:s3cret")); <-auth != want {
		t.Errorf("Authorization is not %q", want)
	}
	if bytes.Contains(echoed, []byte("s3cret")) {
		t.Errorf("the terminal echoed the password: %q", echoed)
	}
	if code != 4 { // the server refused the upgrade, as it was made to
		t.Errorf("exit status %d, want 4; stderr:\n%s", code, stderr)
	}
}
