package dial

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/wsx-cli/wsx/internal/exit"
)

// Target is a normalised WebSocket URL with its credentials taken out.
type Target struct {
	URL      *url.URL // ws:// or wss://, no userinfo
	user     string
	password string
	hasAuth  bool
}

// ParseTarget reads a URL as users type it: ws:// and wss://, http:// and
// https:// (mapped to them), or a bare host:port/path meaning ws://.
func ParseTarget(raw string) (*Target, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return nil, exit.Usagef("missing URL").Hint("give a URL such as ws://127.0.0.1:8765/ ('wsx serve' starts a local server)")
	}
	if !strings.Contains(s, "://") {
		s = "ws://" + s
	}
	u, err := url.Parse(s)
	raw = RedactURL(raw)                        // errors below quote the URL: never its password
	if err != nil && strings.Contains(s, "@") { // the parser's words may quote the password
		return nil, exit.Usagef("invalid URL %q", raw).
			Hint("a user name or password holding /, ?, # or @ must be percent-encoded (%%2F, %%3F, %%23, %%40), or given with -u")
	}
	if err != nil {
		return nil, exit.Usagef("invalid URL %q: %s", raw, unwrapURLError(err))
	}
	switch strings.ToLower(u.Scheme) {
	case "ws", "http":
		u.Scheme = "ws"
	case "wss", "https":
		u.Scheme = "wss"
	default:
		return nil, exit.Usagef("invalid URL %q: scheme %q is not ws, wss, http or https", raw, u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, exit.Usagef("invalid URL %q: no host", raw)
	}
	if h := u.Hostname(); strings.Contains(h, ":") && !strings.HasPrefix(u.Host, "[") {
		return nil, exit.Usagef("invalid URL %q: an IPv6 address goes in brackets, as in ws://[::1]:8765/", raw)
	} else if !strings.Contains(h, ":") && strings.IndexFunc(h, badNameRune) >= 0 {
		return nil, exit.Usagef("invalid URL %q: bad host %q", raw, h)
	}
	if p := u.Port(); p != "" && !validPort(p) {
		return nil, exit.Usagef("invalid URL %q: bad port %q", raw, p)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	u.Fragment, u.RawFragment = "", ""
	// the query is kept as typed: white space in it would end the request
	// line, and at its end be trimmed away when the URL is read again
	u.RawQuery = escapeSpace(u.RawQuery)
	t := &Target{URL: u}
	if u.User != nil {
		t.user = u.User.Username()
		t.password, _ = u.User.Password()
		t.hasAuth = true
		u.User = nil
	}
	if _, err := url.Parse(u.String()); err != nil { // e.g. a zone with bytes that cannot be escaped back
		return nil, exit.Usagef("invalid URL %q: bad host %q", raw, u.Hostname())
	}
	return t, nil
}

// escapeSpace percent-encodes the white space in q (as strings.TrimSpace
// sees it), byte by byte.
func escapeSpace(q string) string {
	if strings.IndexFunc(q, unicode.IsSpace) < 0 {
		return q
	}
	var b strings.Builder
	for _, r := range q {
		if !unicode.IsSpace(r) {
			b.WriteRune(r)
			continue
		}
		for _, c := range []byte(string(r)) {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// urlScheme finds a URL's scheme, compiled on first use: compiling it in
// every run's package init cost about a tenth of a millisecond of start-up.
var urlScheme = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\s*[A-Za-z][A-Za-z0-9+.-]*://`) })

// RedactURL hides the password of a URL, even one that does not parse: what
// lies between the first ":" after the user name and the last "@", so that a
// password holding /, ?, # or @ is hidden whole. A URL without a scheme
// (host:port/path) is read the same way.
func RedactURL(s string) string {
	if !strings.Contains(s, "@") {
		return s // no user name, so no password
	}
	start := len(urlScheme().FindString(s))
	rest := s[start:]
	colon, at := strings.Index(rest, ":"), strings.LastIndex(rest, "@")
	if colon < 0 || at < colon || strings.ContainsAny(rest[:colon], "/?#@") {
		return s
	}
	return s[:start] + rest[:colon] + ":xxxxx" + rest[at:]
}

// badNameRune reports whether r may not stand in a host name (RFC 3986
// reg-name: unreserved, sub-delims, and percent-encoded bytes, here decoded).
func badNameRune(r rune) bool {
	return r < 0x80 && !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("-._~!$&'()*+,;=%", r))
}

func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

func validPort(p string) bool {
	if len(p) > 5 {
		return false
	}
	n := 0
	for _, c := range p {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n > 0 && n < 65536
}

// hostPort is the address to dial, with the scheme's default port.
func (t *Target) HostPort() string {
	port := t.URL.Port()
	if port == "" {
		port = "80"
		if t.URL.Scheme == "wss" {
			port = "443"
		}
	}
	return net.JoinHostPort(t.URL.Hostname(), port)
}

// IsLoopback reports whether host names this machine.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// QuoteArgs lists arguments for an error, with passwords in URLs hidden.
func QuoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = strconv.Quote(RedactURL(a))
	}
	return strings.Join(q, ", ")
}
