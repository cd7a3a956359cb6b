package dial

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/wsx-cli/wsx/internal/exit"
)

// hasControl reports whether s holds a control character: C0 (but no
// newline here), DEL, or C1, which a terminal may act on.
func hasControl(s string) bool {
	for _, r := range s {
		if r < ' ' || r == 0x7f || r >= 0x80 && r < 0xa0 {
			return true
		}
	}
	return false
}

// FuzzRefusedError: when the server refuses the upgrade, wsx's error is
// the status, then one indented line per explaining header and the start
// of the body, then hints; it exits 4; and none of the server's bytes
// reach the terminal as control characters: what is not plain text is
// quoted.
//
// BUG(issue 7): fails today: the status text is printed as the server sent
// it ("HTTP/1.1 403 \x1b]0;owned\x07Forbidden" sets the terminal's title,
// "\x1b[2J" clears it, "HTTP/1.1 403 \rx" writes over the line), and
// bodyStart quotes only \n, \r, \t and ESC, letting "\b", "\v", "\x00",
// DEL and C1 controls such as U+009B (CSI) through, as it does a Location
// header holding U+009B. Proposed fix: print resp.Status, header values
// and the body through one function that Go-quotes a string holding any
// rune for which !unicode.IsPrint (other than space); hasControl here is
// the minimum it must catch.
func FuzzRefusedError(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 403 Forbidden\r\nContent-Length: 9\r\n\r\nforbidden",
		"HTTP/1.1 302 Found\r\nLocation: https://example.org/ws\r\n\r\n",
		"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"x\"\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 120\r\n\r\nbusy\nline two",
		"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html>\t<body>hi</body></html>",
		"HTTP/1.1 404 Not Found\r\n\r\n" + strings.Repeat("x", 300),
		"HTTP/1.1 400 Bad Request\r\nContent-Length: 4\r\n\r\n\xff\xfe\x1b[",
		"HTTP/1.0 426 Upgrade Required\r\nUpgrade: websocket\r\n\r\n",
		"HTTP/1.1 999 Whatever\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(raw)), &http.Request{Method: http.MethodGet})
		if err != nil || resp.StatusCode == http.StatusSwitchingProtocols {
			return
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024)) // what gorilla keeps
		resp.Body = io.NopCloser(bytes.NewReader(body))

		var e *exit.Error
		if err := refusedError(resp); !errors.As(err, &e) || e.Code != exit.Upgrade {
			t.Fatalf("refusedError = %v, want exit %d", err, exit.Upgrade)
		}
		lines := strings.Split(e.Msg, "\n")
		if !strings.HasPrefix(lines[0], "upgrade refused: HTTP ") || !strings.Contains(lines[0], resp.Status[:3]) { // the code as sent ("+00" reads as 0)
			t.Fatalf("first line %q", lines[0])
		}
		for _, l := range lines[1:] {
			if !startsWithAny(l, "  Location: ", "  WWW-Authenticate: ", "  Retry-After: ", "  body: ") {
				t.Fatalf("line %q of %q: want an indented header or body line", l, e.Msg)
			}
			if len(l) > 1024 {
				t.Fatalf("line of %d bytes: the body should be cut at 200", len(l))
			}
		}
		if b := bytes.TrimSpace(body); len(b) > 0 && !strings.Contains(e.Msg, "\n  body: ") {
			t.Fatalf("body %q not shown in %q", b, e.Msg)
		}
		for _, l := range append(lines, e.Hints...) {
			if hasControl(l) {
				t.Fatalf("refusedError line %q holds a control character from the server", l)
			}
		}
	})
}

func startsWithAny(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
