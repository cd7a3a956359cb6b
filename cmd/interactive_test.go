// The interactive connect session at a terminal: messages, slash commands, /quit and Ctrl-C.

package cmd

import (
	"io"
	"testing"
	"time"

	"github.com/wsx-cli/wsx/closecodes"
	"github.com/wsx-cli/wsx/format"
	"github.com/wsx-cli/wsx/internal/dial"
	"github.com/wsx-cli/wsx/internal/exit"
	"github.com/wsx-cli/wsx/internal/session"
	"github.com/wsx-cli/wsx/internal/wstest"
	"github.com/wsx-cli/wsx/send"
	"github.com/wsx-cli/wsx/serve"
	"golang.org/x/term"
)

// terminal is an interactive connect session driven through a real
// term.Terminal over pipes, as a user at a terminal would drive it.
type terminal struct {
	keys   io.WriteCloser
	screen *wstest.SyncBuffer
	done   chan error
}

func startTerminal(t *testing.T, url string) *terminal {
	t.Helper()
	dc, err := dial.New(dial.Options{URL: url, ConnectTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	in, keys := io.Pipe()
	screen := wstest.NewSyncBuffer()
	kw := send.NewKeyWatcher(in)
	tm := term.NewTerminal(struct {
		io.Reader
		io.Writer
	}{kw, screen}, "> ")
	out := format.New(tm, tm, format.Options{Mode: format.Pretty, StdoutTTY: true, StderrTTY: true, Color: format.ColorNever, Prompt: "< "})
	so := session.Options{CloseTimeout: 3 * time.Second, CloseCode: closecodes.NormalClosure,
		ExpectClose: map[closecodes.Code]bool{1000: true, 1001: true}, Interactive: true}
	prompt := send.NewPrompt(tm, kw, func(msg string) { out.Warn("%s", msg) })
	term := &terminal{keys: keys, screen: screen, done: make(chan error, 1)}
	go func() { term.done <- session.DialAndRun(dc, so, out, prompt) }()
	t.Cleanup(func() { keys.Close() })
	return term
}

func (tm *terminal) typeLine(s string) { io.WriteString(tm.keys, s+"\r") }

func (tm *terminal) exit(t *testing.T) error {
	t.Helper()
	select {
	case err := <-tm.done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatalf("session did not end; screen:\n%s", tm.screen)
		return nil
	}
}

func TestInteractiveSession(t *testing.T) {
	_, url, log := startServer(t, serve.Options{Greet: []serve.Message{{Data: []byte(`{"hello":"you"}`)}}})
	tm := startTerminal(t, url)
	tm.screen.Wait(t, `< { "hello": "you" }`)
	tm.typeLine("ping me")
	tm.screen.Wait(t, "< ping me")
	tm.typeLine("//slash") // "//" sends a line that starts with "/"
	tm.screen.Wait(t, "< /slash")
	tm.typeLine("/nope")
	tm.screen.Wait(t, "wsx: warning: /nope: unknown command")
	tm.typeLine("/ping abc")
	tm.screen.Wait(t, `< pong "abc" (rtt `)
	tm.typeLine("/close 4000 all done")
	if err := tm.exit(t); err != nil {
		t.Fatalf("session: %v; screen:\n%s", err, tm.screen)
	}
	log.Wait(t, `closed by client: 4000 "all done"; received 2 messages`)
	tm.screen.Wait(t, `closed by client: 4000 (private use) "all done"; server echoed 4000`)
}

func TestInteractiveQuitAndCtrlC(t *testing.T) {
	_, url, log := startServer(t, serve.Options{})
	tm := startTerminal(t, url)
	tm.screen.Wait(t, "connected to")
	tm.typeLine("/quit")
	if err := tm.exit(t); err != nil {
		t.Fatalf("/quit: %v", err)
	}
	log.Wait(t, "closed by client: 1000")

	tm = startTerminal(t, url)
	tm.screen.Wait(t, "connected to")
	tm.keys.Write([]byte{3}) // Ctrl-C in raw mode is a byte, not a signal
	if code := exit.Status(tm.exit(t)); code != exit.Interrupt {
		t.Fatalf("Ctrl-C: exit %d, want 130", code)
	}
	log.Wait(t, "conn 2: closed by client: 1000")

	tm = startTerminal(t, url)
	tm.screen.Wait(t, "connected to")
	tm.keys.Write([]byte{4}) // Ctrl-D on an empty line ends the input
	if err := tm.exit(t); err != nil {
		t.Fatalf("Ctrl-D: %v", err)
	}
	log.Wait(t, "conn 3: closed by client: 1000")
}
