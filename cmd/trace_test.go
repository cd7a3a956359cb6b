// The raw-frame servers of the testscripts (wsraw) and the masking of what
// varies from run to run in a trace (mask).

package cmd

import (
	"bytes"
	"os"
	"regexp"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/wsx-cli/wsx/internal/wstest"
)

// rawScripts are the conversations wsraw can play, by name.
var rawScripts = map[string]func(c *wstest.RawConn){
	// conversation: the client's message, then a text, a binary, a
	// fragmented text message with a ping between its fragments (sent once
	// the client answered the ping, so the order is fixed), and a close.
	"conversation": func(c *wstest.RawConn) {
		if c.Upgrade() != nil {
			return
		}
		if f, err := c.ReadFrame(); err != nil || f.Op != 1 {
			return
		}
		c.WriteFrame(true, 1, []byte("hello"))
		c.WriteFrame(true, 2, []byte{0x00, 0xff, 0x01})
		c.WriteFrame(false, 1, []byte("frag"))
		c.WriteFrame(true, 9, []byte("p1"))
		if f, err := c.ReadFrame(); err != nil || f.Op != 10 {
			return
		}
		c.WriteFrame(true, 0, []byte("ment"))
		c.WriteFrame(true, 8, wstest.CloseBody(1000, "bye"))
		c.ReadUntilClose()
	},
	// unauthorized: a 401 whose headers a canonicalising client would
	// rewrite and reorder.
	"unauthorized": func(c *wstest.RawConn) {
		if _, err := c.ReadRequest(); err != nil {
			return
		}
		c.Write([]byte("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"wsx\"\r\nx-request-id: abc\r\nContent-Length: 13\r\nConnection: close\r\n\r\ntoken needed\n"))
	},
	// rsvclose: a text message, then a close frame with RSV1 and code 4001.
	"rsvclose": func(c *wstest.RawConn) {
		if c.Upgrade() != nil {
			return
		}
		c.WriteFrame(true, 1, []byte("hi"))
		c.Write(append([]byte{0x80 | 0x40 | 8, 5}, wstest.CloseBody(4001, "bye")...))
		c.ReadUntilClose()
	},
	// shortclose: a close frame whose payload is one byte.
	"shortclose": func(c *wstest.RawConn) {
		if c.Upgrade() != nil {
			return
		}
		c.WriteFrame(true, 8, []byte{3})
		c.ReadUntilClose()
	},
	// badopcode: a frame with the reserved opcode 3.
	"badopcode": func(c *wstest.RawConn) {
		if c.Upgrade() != nil {
			return
		}
		c.WriteFrame(true, 3, nil)
		c.ReadUntilClose()
	},
	// bigbadtext: a 2 MiB text message whose last byte is not UTF-8.
	"bigbadtext": func(c *wstest.RawConn) {
		if c.Upgrade() != nil {
			return
		}
		msg := append(bytes.Repeat([]byte("x"), 2<<20-1), 0xff)
		c.WriteFrame(true, 1, msg)
		c.ReadUntilClose()
	},
}

// cmdRaw starts a raw-frame server in the test process: `wsraw [as=NAME]
// SCRIPT`, SCRIPT one of rawScripts. It sets $NAME (default RAW) to its URL.
func cmdRaw(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: wsraw [as=NAME] SCRIPT")
	}
	name := "RAW"
	if n, ok := strings.CutPrefix(args[0], "as="); ok {
		name, args = n, args[1:]
	}
	if len(args) != 1 || rawScripts[args[0]] == nil {
		ts.Fatalf("wsraw: unknown script %q", args)
	}
	srv, err := wstest.ListenRaw(rawScripts[args[0]])
	ts.Check(err)
	ts.Defer(srv.Close)
	ts.Setenv(name, srv.URL())
}

// traceMasks replace what changes from run to run in a trace: times, the
// port, the handshake's key and accept values, durations.
var traceMasks = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`(?m)^[0-9]+\.[0-9]{6} `), "T "},
	{regexp.MustCompile(`127\.0\.0\.1:[0-9]+`), "127.0.0.1:PORT"},
	{regexp.MustCompile(`(?m)^(. Sec-WebSocket-(Key|Accept)): .*$`), "$1: X"},
	{regexp.MustCompile(`"t":[0-9.]+`), `"t":T`},
	{regexp.MustCompile(`"time":"[^"]*"`), `"time":"T"`},
	{regexp.MustCompile(`\b[0-9.]+(µs|ms|s)\b`), "DUR"},
}

// cmdMask writes a copy of a file with the parts of a trace that vary
// masked: `mask FILE OUT` (FILE may be stdout or stderr).
func cmdMask(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: mask FILE OUT")
	}
	text := ts.ReadFile(args[0])
	for _, m := range traceMasks {
		text = m.re.ReplaceAllString(text, m.with)
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(text), 0o600))
}
