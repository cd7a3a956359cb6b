package cmd

import (
	"bytes"
	"encoding/base64"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/term"

	"github.com/wsx-cli/wsx/internal/wstest"
	"github.com/wsx-cli/wsx/serve"
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

// TestMeterOnTerminal sends 32 MiB to a server that reads none of it, with
// stderr a terminal (a pty) as the process sees it (filesEnv): the meter
// shows the file, how far it got of its size and the percentage, drawn over
// itself, and is erased before the close line. With -q there is none.
func TestMeterOnTerminal(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big.bin")
	if err := os.WriteFile(big, make([]byte, 32<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	_, url, _ := startServer(t, serve.Options{Mode: serve.Stall})
	for _, quiet := range []bool{false, true} {
		drawn := onTerminal(t, func(tty *os.File) int {
			env := filesEnv(tty, devNull(t), tty)
			args := []string{"send", "-b", "--timeout", "400ms", "--close-timeout", "200ms", url, "@" + big}
			if quiet {
				args = append(args[:1], append([]string{"-q"}, args[1:]...)...)
			}
			return Main(args, env)
		}, 6) // --timeout ended the send, as it was made to
		meter := regexp.MustCompile(`\rsending \S*big\.bin: [0-9.]+ [KM]iB of 32\.0 MiB \([0-9]+%\)`)
		erased := regexp.MustCompile(`\r\x1b\[K(\x1b\[[0-9;]*m)*closed by client:`) // in colour: a terminal
		switch {
		case quiet && (strings.Contains(drawn, "sending") || strings.Contains(drawn, "\x1b[K")):
			t.Errorf("-q: the terminal shows a meter:\n%q", drawn)
		case !quiet && !meter.MatchString(drawn):
			t.Errorf("no meter on the terminal:\n%q", drawn)
		case !quiet && !erased.MatchString(drawn):
			t.Errorf("the meter is not erased before the close line:\n%q", drawn)
		}
	}
}

// onTerminal runs run with a pty's terminal end, reading all the terminal
// shows meanwhile (a pty whose output nobody reads blocks its writer), and
// checks run's exit status.
func onTerminal(t *testing.T, run func(tty *os.File) int, want int) string {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pty here: %v", err)
	}
	defer ptmx.Close()
	shown := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(ptmx) // until the terminal end closes (EIO on Linux)
		shown <- b
	}()
	code := run(tty)
	tty.Close()
	var drawn string
	select {
	case b := <-shown:
		drawn = string(b)
	case <-time.After(wstest.Failsafe): // a guard: the close above ends the read
		t.Fatal("the terminal's output did not end after its terminal end closed")
	}
	if code != want {
		t.Fatalf("exit status %d, want %d; the terminal showed:\n%q", code, want, drawn)
	}
	return drawn
}

// devNull is /dev/null opened for writing, closed when the test ends.
func devNull(t *testing.T) *os.File {
	t.Helper()
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}
