package cmd

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/wsx-cli/wsx/format"
)

// secretHeaders are redacted in verbose output unless --show-secrets.
var secretHeaders = map[string]bool{"Authorization": true, "Proxy-Authorization": true, "Cookie": true, "Set-Cookie": true}

func redact(name, value string, show bool) string {
	if show || !secretHeaders[http.CanonicalHeaderKey(name)] {
		return value
	}
	if scheme, _, ok := strings.Cut(value, " "); ok && http.CanonicalHeaderKey(name) != "Cookie" {
		return scheme + " [redacted]"
	}
	return "[redacted]"
}

// showRequest prints the upgrade request as written, with -v.
func (d *dialConfig) showRequest(out *format.Printer, raw []byte) {
	lines := strings.Split(strings.TrimRight(string(raw), "\r\n"), "\r\n")
	for i, line := range lines {
		if i > 0 {
			if name, value, ok := strings.Cut(line, ":"); ok {
				line = name + ": " + redact(name, strings.TrimSpace(value), d.showSecrets)
			}
		}
		out.Verbose("> %s", line)
	}
}

// showResponse prints the upgrade response's status and headers, with -v.
func showResponse(out *format.Printer, resp *http.Response, show bool) {
	out.Verbose("< %s %s", resp.Proto, resp.Status)
	names := make([]string, 0, len(resp.Header))
	for name := range resp.Header {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		for _, v := range resp.Header[name] {
			out.Verbose("< %s: %s", name, redact(name, v, show))
		}
	}
}

// refusedError shows why the server said no: status, the headers that
// explain it, the start of the body, and a hint.
func refusedError(resp *http.Response) error {
	var msg strings.Builder
	fmt.Fprintf(&msg, "upgrade refused: HTTP %s", printable(resp.Status))
	for _, name := range []string{"Location", "WWW-Authenticate", "Retry-After"} {
		if v := resp.Header.Get(name); v != "" {
			fmt.Fprintf(&msg, "\n  %s: %s", name, printable(v))
		}
	}
	if body := bodyStart(resp); body != "" {
		fmt.Fprintf(&msg, "\n  body: %s", body)
	}
	e := errorf(ExitUpgrade, "%s", msg.String())
	switch code := resp.StatusCode; {
	case code >= 300 && code < 400:
		e.hint("wsx does not follow redirects; try the Location above")
	case code == 401:
		e.hint("the server wants credentials: -u USER:PASS, or -H 'Authorization: Bearer TOKEN'")
	case code == 403:
		e.hint("the server refuses this client: check the credentials, the Origin (--origin URL) and the path")
	case code == 404:
		e.hint("check the path in the URL")
	case code == 429 || code == 503:
		e.hint("the server is busy: retry later (see Retry-After)")
	case code == 200 || code == 400 || code == 426:
		e.hint("the server may not speak WebSocket at this URL")
	}
	return e
}

// bodyStart is the first 200 bytes of the body (of the 1024 gorilla keeps),
// Go-quoted when it is not plain text on one line.
func bodyStart(resp *http.Response) string {
	var buf bytes.Buffer
	buf.ReadFrom(http.MaxBytesReader(nil, resp.Body, 1024))
	b := bytes.TrimSpace(buf.Bytes())
	if len(b) > 200 {
		b = append(b[:200:200], "..."...)
	}
	return printable(string(b))
}

// printable is s, or s Go-quoted when it holds anything but printable text
// and spaces (control characters, invalid UTF-8): bytes from a server or a
// proxy never reach the terminal as controls.
func printable(s string) string {
	if !utf8.ValidString(s) || strings.IndexFunc(s, func(r rune) bool { return r != ' ' && !unicode.IsPrint(r) }) >= 0 {
		return strconv.Quote(s)
	}
	return s
}
