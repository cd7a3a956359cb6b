package dial

import (
	"net/http"
	"slices"
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

// showRequest prints the upgrade request as written, with -v.
func (d *Config) showRequest(out *format.Printer, raw []byte) {
	lines := strings.Split(strings.TrimRight(string(raw), "\r\n"), "\r\n")
	for i, line := range lines {
		if i > 0 {
			if name, value, ok := strings.Cut(line, ":"); ok {
				line = name + ": " + redact(name, strings.TrimSpace(value), d.ShowSecrets)
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
