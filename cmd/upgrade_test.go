// Servers that fail the upgrade: no answer, an answer that is not a 101, a wrong accept key, a drop mid-answer.

package cmd

import (
	"io"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wsx-cli/wsx/internal/exit"
	"github.com/wsx-cli/wsx/internal/wstest"
)

// A server that accepts TCP and never answers the upgrade: exit 3 once
// --connect-timeout passes (the 8s failsafe is under the 10s default, so
// the flag is what ended the run), with a line that says what happened.
func TestMisbehaveNoUpgradeAnswer(t *testing.T) {
	addr := silentServer(t)
	stdout, stderr, done := startWsx(&Env{Stdin: strings.NewReader("hi\n")}, "connect", "--connect-timeout", "1s", "ws://"+addr+"/")
	code := waitExitWithin(t, done, 8*time.Second)
	want := "wsx: error: no upgrade response from " + addr + " within 1s\n" +
		"wsx: hint: the server accepted TCP but did not answer the WebSocket upgrade; is it a WebSocket server?\n"
	if code != exit.Connect || stderr.String() != want || stdout.String() != "" {
		t.Errorf("exit %d, want 3; stdout %q; stderr:\n%s\nwant:\n%s", code, stdout, stderr, want)
	}
}

// A server that answers the upgrade with something other than a 101: an
// HTTP 200 page, or bytes that are not HTTP at all. Exit 4, with the status
// and body, or the start of the garbage.
func TestMisbehaveNotWebSocket(t *testing.T) {
	for _, c := range []struct {
		name   string
		answer string
		want   string
	}{{
		"http 200",
		"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 12\r\n\r\n<h1>hi</h1>\n",
		"wsx: error: upgrade refused: HTTP 200 OK\n  body: <h1>hi</h1>\nwsx: hint: the server may not speak WebSocket at this URL\n",
	}, {
		"ssh banner",
		"SSH-2.0-OpenSSH_9.6\r\n",
		"wsx: error: upgrade failed: malformed HTTP response \"SSH-2.0-OpenSSH_9.6\"\nwsx: hint: the server did not answer with HTTP; is it a WebSocket server?\n",
	}, {
		"binary garbage",
		"\x00\xff\x16\x03garbage\r\n",
		"wsx: error: upgrade failed: malformed HTTP response \"\\x00\\xff\\x16\\x03garbage\"\nwsx: hint: the server did not answer with HTTP; is it a WebSocket server?\n",
	}} {
		t.Run(c.name, func(t *testing.T) {
			srv := wstest.StartRawServer(t, func(rc *wstest.RawConn) {
				if _, err := rc.ReadRequest(); err != nil {
					return
				}
				io.WriteString(rc, c.answer)
				rc.Wait() // the server stays: wsx must not wait for more
			})
			stdout, stderr, done := startWsx(&Env{Stdin: strings.NewReader("hi\n")}, "connect", "--connect-timeout", "5s", srv.URL())
			code := waitExit(t, done)
			if code != exit.Upgrade || stderr.String() != c.want || stdout.String() != "" {
				t.Errorf("exit %d, want 4; stdout %q; stderr:\n%s\nwant:\n%s", code, stdout, stderr, c.want)
			}
		})
	}
}

// A 101 whose Sec-WebSocket-Accept is wrong is not an upgrade (RFC 6455
// §4.1: the client must fail the connection): exit 4, and the line must say
// what was wrong, not "upgrade refused: HTTP 101 Switching Protocols".
func TestMisbehaveBadAcceptKey(t *testing.T) {
	srv := wstest.StartRawServer(t, func(rc *wstest.RawConn) {
		if _, err := rc.ReadRequest(); err != nil {
			return
		}
		io.WriteString(rc, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: bm90IHRoZSBrZXk=\r\n\r\n")
		rc.Wait()
	})
	stdout, stderr, done := startWsx(&Env{Stdin: strings.NewReader("hi\n")}, "connect", "--connect-timeout", "5s", srv.URL())
	code := waitExit(t, done)
	re := regexp.MustCompile(`\Awsx: error: upgrade failed: HTTP 101 Switching Protocols but the Sec-WebSocket-Accept header is wrong or missing\n`)
	if code != exit.Upgrade || !re.MatchString(stderr.String()) || stdout.String() != "" {
		t.Errorf("exit %d, want 4; stdout %q; stderr:\n%s", code, stdout, stderr)
	}
}

// A server that closes the connection before its answer to the upgrade is
// whole: after part of the headers, before any byte, or with a reset. There
// was no answer, so this is "could not connect" (exit 3), like a server that
// never answers: exit 4 means the server answered, and said no.
func TestMisbehaveDropDuringUpgrade(t *testing.T) {
	for _, c := range []struct {
		name   string
		answer string
		reset  bool
	}{
		{"after part of the headers", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n", false},
		{"before any byte", "", false},
		{"reset after the status line", "HTTP/1.1 101 Switching Protocols\r\n", true}, // seen as a reset or an EOF, as the kernel has it
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := wstest.StartRawServer(t, func(rc *wstest.RawConn) {
				if _, err := rc.ReadRequest(); err != nil {
					return
				}
				io.WriteString(rc, c.answer)
				if c.reset {
					rc.Conn.(*net.TCPConn).SetLinger(0)
				}
				rc.Close()
			})
			stdout, stderr, done := startWsx(&Env{Stdin: strings.NewReader("hi\n")}, "connect", "--connect-timeout", "5s", srv.URL())
			code := waitExit(t, done)
			re := regexp.MustCompile(`\Awsx: error: connection to 127\.0\.0\.1:\d+ lost during the upgrade: (unexpected EOF|.*connection reset by peer)\n`)
			if code != exit.Connect || !re.MatchString(stderr.String()) || stdout.String() != "" {
				t.Errorf("exit %d, want 3; stdout %q; stderr:\n%s", code, stdout, stderr)
			}
		})
	}
}
