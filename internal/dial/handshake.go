package dial

import (
	"net/http"
	"strings"

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

// showHead prints a request (dir Out) or response head as it was on the
// wire, with -v or --trace: its lines in their order and case, secrets
// redacted unless --show-secrets.
func showHead(out *format.Printer, dir format.Dir, raw []byte, show bool) {
	if len(raw) == 0 {
		return
	}
	lines := headLines(raw)
	for i, line := range lines[1:] {
		if name, value, ok := strings.Cut(line, ":"); ok {
			if r := redact(name, strings.TrimSpace(value), show); r != strings.TrimSpace(value) {
				lines[i+1] = name + ": " + r
			}
		}
	}
	out.HandshakeHead(dir, lines)
}

// headLines splits an HTTP head as the tap kept it into its lines: the
// request or status line first, then the header lines as they came.
func headLines(raw []byte) []string {
	return strings.Split(strings.TrimSuffix(string(raw), "\r\n\r\n"), "\r\n")
}
