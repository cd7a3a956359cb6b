package cmd

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/wsx-cli/wsx/closecodes"
	"github.com/wsx-cli/wsx/listen"
	"github.com/wsx-cli/wsx/send"
)

// Fuzz targets for what a server sends that wsx judges and prints: the
// refusal of an upgrade (cmd/handshake.go), its close frame (listen's tap,
// judged by violation in cmd/finish.go), and probe's --expect.

// tapClose passes the upgrade answer and one unmasked close frame with
// payload through a listen.Tap, and returns the frame the tap kept.
func tapClose(t *testing.T, payload []byte) *listen.CloseFrame {
	t.Helper()
	frame := []byte{0x88}
	if n := len(payload); n < 126 {
		frame = append(frame, byte(n))
	} else {
		frame = binary.BigEndian.AppendUint16(append(frame, 126), uint16(n))
	}
	c := newFuzzConn(slices.Concat([]byte("HTTP/1.1 101 Switching Protocols\r\n\r\n"), frame, payload))
	c.tunnel = nil
	tap := listen.NewTap(c)
	if _, err := io.Copy(io.Discard, struct{ io.Reader }{tap}); err != nil {
		t.Fatal(err)
	}
	f := tap.CloseFrame()
	if f == nil {
		t.Fatalf("the tap kept no close frame for the payload %q", payload)
	}
	return f
}

// keptClosePayload is how much of an oversized close payload the tap keeps
// (listen's maxClosePayload): enough to report it, bounded.
const keptClosePayload = 4096

// closeValid is RFC 6455's rule for a close payload (§5.5, §5.5.1, §7.4,
// and the IANA registry for 1012–1014): empty, or a code that may be sent
// and a UTF-8 reason of at most 123 bytes.
func closeValid(payload []byte) bool {
	switch {
	case len(payload) == 0:
		return true
	case len(payload) == 1 || len(payload) > 125:
		return false
	}
	code := binary.BigEndian.Uint16(payload)
	sendable := code >= 1000 && code <= 1003 || code >= 1007 && code <= 1014 || code >= 3000 && code <= 4999
	return sendable && utf8.Valid(payload[2:])
}

// FuzzCloseFrame: the close frame wsx reports is the one the server sent:
// the tap keeps its code and reason as they were (the first 4096 bytes of
// an oversized payload); wsx calls it a protocol
// violation exactly when RFC 6455 does, in one line; and a close payload
// wsx builds itself (send.Payload), read back, is the same code and reason
// and is a violation only when the code may not be sent or the reason is
// not UTF-8.
func FuzzCloseFrame(f *testing.F) {
	for _, s := range []string{
		"", "\x03", "\x03\xe8", "\x03\xe8bye", "\x0f\xa1token expired", "\x03\xee", "\x03\xed", "\x03\xef",
		"\x03\xec", "\x03\xf6", "\x03\xf7", "\x0b\xb8", "\x13\x87", "\x13\x88", "\x00\x00", "\xff\xff",
		"\x03\xe8\xff", "\x03\xe8caf\xc3\xa9", "\x03\xe8" + strings.Repeat("r", 123), "\x03\xe8" + strings.Repeat("r", 124),
	} {
		f.Add([]byte(s), uint16(1000), "")
	}
	f.Add([]byte{}, uint16(1014), "bad gateway")
	f.Add([]byte{}, uint16(4001), strings.Repeat("é", 70))
	f.Add([]byte{}, uint16(1005), "")
	f.Add([]byte{}, uint16(3000), "\xff")
	f.Fuzz(func(t *testing.T, payload []byte, code uint16, reason string) {
		fr := tapClose(t, payload)
		switch {
		case len(payload) == 0 && (fr.HasCode || fr.Short || len(fr.Reason) > 0):
			t.Fatalf("empty payload read as %+v", fr)
		case len(payload) == 1 && (!fr.Short || fr.HasCode):
			t.Fatalf("1-byte payload read as %+v", fr)
		case len(payload) >= 2 && (!fr.HasCode || fr.Code != binary.BigEndian.Uint16(payload) || !bytes.Equal(fr.Reason, payload[2:min(len(payload), keptClosePayload)])):
			t.Fatalf("payload %q read as %+v", payload, fr)
		}
		v := violation(fr)
		if (v == "") != closeValid(payload) {
			t.Fatalf("payload %q: violation %q, but RFC 6455 says valid %v", payload, v, closeValid(payload))
		}
		if v != "" && (strings.ContainsAny(v, "\r\n") || !unicode.IsLower([]rune(v)[0])) {
			t.Fatalf("violation %q is not one line in lower case", v)
		}

		p := send.Payload(code, true, reason)
		fr = tapClose(t, p)
		if !fr.HasCode || fr.Code != code || !bytes.Equal(fr.Reason, p[2:]) {
			t.Fatalf("send.Payload(%d, %q) = %q, read back as %+v", code, reason, p, fr)
		}
		ok := closecodes.Code(code).Sendable() && utf8.Valid(p[2:])
		if v := violation(fr); (v == "") != ok {
			t.Fatalf("wsx's own close %d %q: violation %q", code, p[2:], v)
		}
	})
}

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

		var e *Error
		if err := refusedError(resp); !errors.As(err, &e) || e.Code != ExitUpgrade {
			t.Fatalf("refusedError = %v, want exit %d", err, ExitUpgrade)
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

// FuzzParseExpectation: probe's --expect is TEXT (a substring), re:REGEX
// or json:FILTER. It is refused exactly when the regexp or the filter is,
// with a usage error naming it in one line, and it matches a reply exactly
// as the substring, the regexp or listen's filter does.
//
// BUG(issue 7): the one-line check fails today on --expect "re:(\n": the
// regexp package's error quotes the pattern raw, newline included, so the
// error takes two lines. listen.ParseFilter already avoids this for =~
// (filterRegexpError). Proposed fix: in parseExpectation, word a
// *syntax.Error as listen does: fmt.Sprintf("%s: %q", se.Code, se.Expr).
func FuzzParseExpectation(f *testing.F) {
	for _, s := range []struct{ expect, msg string }{
		{"pong", `{"op":"pong"}`},
		{"re:^\\{\"op\"", `{"op":"pong"}`},
		{"json:op==pong", `{"op":"pong"}`},
		{"json:data.n>=3", `{"data":{"n":2}}`},
		{"re:(", "x"},
		{"json:a>x", "{}"},
		{"json:", "{}"},
		{"re:", ""},
		{"RE:x", "RE:x"},
		{"", "anything"},
	} {
		f.Add(s.expect, []byte(s.msg))
	}
	f.Fuzz(func(t *testing.T, s string, msg []byte) {
		e, err := parseExpectation(s)
		var want func([]byte) bool
		var wantErr error
		if pat, ok := strings.CutPrefix(s, "re:"); ok {
			re, rerr := regexp.Compile(pat)
			wantErr = rerr
			if rerr == nil {
				want = re.Match
			}
		} else if expr, ok := strings.CutPrefix(s, "json:"); ok {
			flt, ferr := listen.ParseFilter(expr)
			wantErr = ferr
			if ferr == nil {
				want = flt.Match
			}
		} else {
			want = func(b []byte) bool { return bytes.Contains(b, []byte(s)) }
		}
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("parseExpectation(%q) = %v, but the pattern's own parser says %v", s, err, wantErr)
		}
		if err != nil {
			checkUsage(t, err, "invalid --expect "+strconv.Quote(s)+": ")
			return
		}
		if got := e.match(msg); got != want(msg) {
			t.Fatalf("--expect %q on %q: %v, want %v", s, msg, got, want(msg))
		}
	})
}
