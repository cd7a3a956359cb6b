package dial

import (
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/wsx-cli/wsx/internal/wstest"
)

// Fuzz targets for URLs: the target URL (cmd/url.go), the redaction of
// passwords in what wsx prints, and the proxy URL (cmd/proxy.go).

// FuzzParseTarget: a URL wsx accepts becomes ws:// or wss:// (http:// and
// https:// mapped to them, no scheme meaning ws://) with a host, a valid
// port or none, a path, no fragment and no credentials in it; the address
// to dial is host:port with the scheme's default port; and the normalised
// URL, read again, gives itself. A refused URL is a usage error.
//
// BUG(issue 7): the host check fails today: url.Parse accepts hosts that
// are neither names nor addresses, and so does ParseTarget. An IPv6
// address without brackets, "::1" or "ws://::1/", is read as the host ":"
// and the port 1 (url.Parse checks only what follows the last colon); "::"
// gives the host ":"; "]" the host "]" (and the address "]:80", which
// net.SplitHostPort refuses); "ws://a<b>/" the host "a<b>". wsx then fails
// to connect (exit 3) where a bad URL is a usage error (exit 2). Proposed
// fix: in ParseTarget, refuse a host holding ":" that was not in brackets
// ("an IPv6 address goes in brackets, as in ws://[::1]:8765/") and a name
// holding a byte RFC 3986 does not allow in one ("bad host %q").
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{
		"ws://127.0.0.1:8765/", "wss://example.org/feed?x=1#frag", "http://h", "HTTPS://H:443/a b",
		"127.0.0.1:8765", "localhost", "[::1]:80/p", "ws://[fe80::1%25eth0]/", "ws://user:pass@h/",
		"user:pass@h:99999", "ftp://h/", "ws://:80/", "ws://h:0/", "ws://h:65536", "ws://h:00080",
		"ws://u:p%zz@h/", "ws:/x", "  ws://h  ", "", "ws://h/%zz", "ws://héllo/", "//h/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		tg, err := ParseTarget(raw)
		if err != nil {
			wstest.CheckUsage(t, err, "")
			return
		}
		u := tg.URL
		if u.Scheme != "ws" && u.Scheme != "wss" {
			t.Fatalf("ParseTarget(%q): scheme %q", raw, u.Scheme)
		}
		if want := targetScheme(raw); u.Scheme != want {
			t.Fatalf("ParseTarget(%q): scheme %q, want %q", raw, u.Scheme, want)
		}
		if !validHost(u.Hostname()) {
			t.Fatalf("ParseTarget(%q): host %q is neither a name nor an IP address", raw, u.Hostname())
		}
		if u.Hostname() == "" || u.User != nil || u.Fragment != "" || u.RawFragment != "" || u.Path == "" || u.Opaque != "" {
			t.Fatalf("ParseTarget(%q) = %#v: want a host, a path, no user and no fragment", raw, u)
		}
		if p := u.Port(); p != "" && !validPort(p) {
			t.Fatalf("ParseTarget(%q): port %q", raw, p)
		}
		host, port, err := net.SplitHostPort(tg.HostPort())
		n, perr := strconv.Atoi(port)
		if err != nil || host != u.Hostname() || perr != nil || n < 1 || n > 65535 {
			t.Fatalf("ParseTarget(%q): address %q to dial", raw, tg.HostPort())
		}
		if u.Port() == "" && n != map[string]int{"ws": 80, "wss": 443}[u.Scheme] {
			t.Fatalf("ParseTarget(%q): default port %d for %s", raw, n, u.Scheme)
		}
		if tg.password != "" && !tg.hasAuth {
			t.Fatalf("ParseTarget(%q): a password without credentials", raw)
		}
		s := u.String()
		again, err := ParseTarget(s)
		if err != nil || again.URL.String() != s || again.hasAuth {
			t.Fatalf("ParseTarget(%q) = %q, but that reads as %v, %v", raw, s, again, err)
		}
	})
}

// validHost reports whether h, a URL's Hostname, is an IP address or a
// name: an IPv6 address (with or without a zone) is the only host with a
// colon, and a name holds only what RFC 3986 allows in one (letters,
// digits, -._~!$&'()*+,;= and percent-encoded bytes, which url.Parse has
// decoded; non-ASCII for international names).
func validHost(h string) bool {
	if strings.Contains(h, ":") {
		addr, _, _ := strings.Cut(h, "%")
		return net.ParseIP(addr) != nil
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case c >= 0x80, 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-._~!$&'()*+,;=%", c) >= 0:
		default:
			return false
		}
	}
	return h != ""
}

// targetScheme is the scheme the README says a URL gets.
func targetScheme(raw string) string {
	scheme, _, found := strings.Cut(strings.TrimSpace(raw), "://")
	if !found {
		return "ws"
	}
	switch strings.ToLower(scheme) {
	case "wss", "https":
		return "wss"
	}
	return "ws"
}

// FuzzRedactURL: wsx never prints the password of a URL it was given:
// neither RedactURL, nor quoteArgs (arguments in a usage error), nor an
// error of ParseTarget, whether the URL parses or not. The URL is built as
// a user types one: an optional scheme, user:password@, then the rest.
//
// BUG(issue 7): fails today, in two ways:
//   - a URL without "//" (the bare host form the README documents): RedactURL
//     does not match it. `wsx connect 'user:secret@host:99999'` prints
//     `wsx: error: invalid URL "user:secret@host:99999": bad port "99999"`,
//     and `wsx connect user:secret@host extra` prints the password in
//     `connect takes one URL, got 2 arguments: "user:secret@host", "extra"`.
//   - a password holding # or ? (which ParseTarget's own hint anticipates)
//     or @: `wsx connect 'ws://user:pa#ss@host/'` prints
//     `wsx: error: invalid URL "ws://user:pa#ss@host/"`, and
//     'ws://u:a@secretpart@host:99999/' prints "ws://u:xxxxx@secretpart@...".
//
// Proposed fix: match the user part at the start of the string too, and
// take the password up to the last @: in url.go,
// `regexp.MustCompile(`((?:^|//)[^/@:?#]*):.*@`)`. It may hide a little more
// than the password (a path holding @ after a port), which an error message
// can afford; a printed password cannot be taken back.
func FuzzRedactURL(f *testing.F) {
	f.Add("ws://", "user", "secret", "host/")
	f.Add("wss://", "u", "p4ssw0rd", "example.org:99999/x")
	f.Add("http://", "", "only-pass", "h/")
	f.Add("ftp://", "user", "s3cr3t!", "h/")
	f.Add("ws://", "a b", "pa ss", "h/")
	f.Add("ws://", "user", "pa/ss", "h:99999/")
	f.Fuzz(func(t *testing.T, scheme, user, pass, rest string) {
		if len(pass) < 4 || strings.ContainsAny(user, ":/@?#") || scheme != "" && !typedScheme.MatchString(scheme) {
			return // a short password may be found anywhere; a user with : ends early; no scheme is "" or "name://"
		}
		raw := scheme + user + ":" + pass + "@" + rest
		q := strconv.Quote(pass)
		leaks := func(s string) bool { return strings.Contains(s, pass) || strings.Contains(s, q[1:len(q)-1]) }
		if alt := scheme + user + ":xxxxx@" + rest; leaks(alt) || leaks(strconv.Quote(alt)) || leaks(redactText) {
			return // the password is also elsewhere in the URL, as it is or quoted, or in wsx's words
		}
		if out := RedactURL(raw); leaks(out) {
			t.Fatalf("RedactURL(%q) = %q, which shows the password", raw, out)
		}
		if out := QuoteArgs([]string{raw, "x"}); leaks(out) {
			t.Fatalf("QuoteArgs(%q) = %q, which shows the password", raw, out)
		}
		if _, err := ParseTarget(raw); err != nil {
			e := wstest.CheckUsage(t, err, "")
			for _, line := range append([]string{e.Msg}, e.Hints...) {
				if leaks(line) {
					t.Fatalf("ParseTarget(%q): %q shows the password", raw, line)
				}
			}
		}
	})
}

// typedScheme is a scheme and "://", as a user types one before user:pass@.
var typedScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://$`)

// redactText is the fixed text around a URL in ParseTarget's errors and
// hints: a password found in it was not leaked.
const redactText = `missing URL give a URL such as ws://127.0.0.1:8765/ ('wsx serve' starts a local server)
invalid URL a user name or password holding /, ?, # or @ must be percent-encoded (%2F, %3F, %23, %40), or given with -u
: scheme is not ws, wss, http or https no host bad port xxxxx ", "x"`

// FuzzProxyFor: a proxy, from --proxy or the environment, is http://,
// socks5:// or socks5h:// with a host and a valid port or none; the
// environment never proxies loopback hosts or hosts NO_PROXY names (as
// noProxyModel reads it), and proxies the others, while --proxy always
// applies; and no error shows the proxy URL, which may hold a password.
// host may carry a port, for NO_PROXY's host:port entries.
func FuzzProxyFor(f *testing.F) {
	f.Add("", "http://proxy:3128", "example.org", "")
	f.Add("socks5://u:secretpw@proxy:1080", "", "example.org", "")
	f.Add("", "proxy:8080", "127.0.0.1", "")
	f.Add("", "http://proxy", "api.example.org", ".example.org")
	f.Add("", "http://proxy", "example.org", "*")
	f.Add("https://u:secretpw@proxy", "", "h", "")
	f.Add("http://u:secretpw@proxy:99999", "", "h", "")
	f.Add("", "socks5h://[::1]:1080", "h", "other.org, example.org:443")
	f.Add("", "socks5://proxy", "10.1.2.3:8443", "10.0.0.0/8")
	f.Add("", "http://proxy", "example.org:8443", "example.org:8443")
	f.Add("", "http://proxy", "example.org", "example.org:8443")
	f.Add("", "http://proxy", "[2001:db8::7]", "2001:db8::/32")
	f.Add("", "http://proxy", "svc.intra", "*.intra")
	f.Fuzz(func(t *testing.T, flag, envProxy, host, noProxyList string) {
		tg, err := ParseTarget("wss://" + host + "/")
		if err != nil {
			return
		}
		host, port := tg.URL.Hostname(), tg.URL.Port()
		if port == "" {
			port = "443"
		}
		getenv := func(name string) string {
			switch name {
			case "HTTPS_PROXY":
				return envProxy
			case "NO_PROXY":
				return noProxyList
			}
			return ""
		}
		p, err := proxyFor(flag, tg, getenv)
		if err != nil {
			e := wstest.CheckUsage(t, err, "")
			for _, raw := range []string{flag, envProxy} {
				if !strings.Contains(raw, "://") {
					raw = "http://" + raw
				}
				if u, perr := url.Parse(raw); perr == nil && u.User != nil {
					if pw, ok := u.User.Password(); ok && len(pw) >= 4 && strings.Contains(e.Msg, pw) {
						t.Fatalf("proxy error %q shows the password", e.Msg)
					}
				}
			}
			return
		}
		excluded, known := noProxyModel(noProxyList, host, port)
		if p == nil {
			if flag != "" {
				t.Fatalf("--proxy %q was not used", flag)
			}
			if envProxy != "" && !IsLoopback(host) && known && !excluded {
				t.Fatalf("HTTPS_PROXY %q was not used for %s port %s (NO_PROXY %q)", envProxy, host, port, noProxyList)
			}
			return
		}
		if flag == "" && (IsLoopback(host) || known && excluded) {
			t.Fatalf("the environment proxied %s port %s (NO_PROXY %q)", host, port, noProxyList)
		}
		switch p.Scheme {
		case "http", "socks5", "socks5h":
		default:
			t.Fatalf("proxy %q: scheme %q", p, p.Scheme)
		}
		if p.Hostname() == "" || p.Port() != "" && !validPort(p.Port()) {
			t.Fatalf("proxy %q: host %q, port %q", p, p.Hostname(), p.Port())
		}
	})
}

// noProxyName is a name in a NO_PROXY entry, with a leading "." or "*."
// for the subdomains only.
var noProxyName = regexp.MustCompile(`^(\*?\.)?([a-z0-9_-]+(?:\.[a-z0-9_-]+)*)$`)

// noProxyModel says whether a NO_PROXY list names host on port, by the
// rules the README gives (those of Go's net/http): * names every host; a
// CIDR block its addresses; an IP address itself; a name itself and its
// subdomains, .name and *.name the subdomains only; names match names and
// addresses addresses; an entry with a :port only that port. Case does not
// matter. known is false when the list or host holds something else
// (non-ASCII, an IPv6 zone, another form): then the model does not say.
func noProxyModel(list, host, port string) (excluded, known bool) {
	host = strings.ToLower(host)
	if strings.ContainsFunc(host+list, func(r rune) bool { return r >= 0x80 }) || strings.Contains(host, "%") {
		return false, false
	}
	hostIP := net.ParseIP(host)
	known = true
	for _, e := range strings.Split(strings.ToLower(list), ",") {
		e = strings.TrimSpace(e)
		if _, block, err := net.ParseCIDR(e); err == nil {
			excluded = excluded || hostIP != nil && block.Contains(hostIP)
			continue
		}
		name, entryPort := e, ""
		if h, p, err := net.SplitHostPort(e); err == nil {
			name, entryPort = h, p
			if _, err := strconv.ParseUint(p, 10, 16); err != nil {
				known = false
				continue
			}
		}
		ip, m := net.ParseIP(name), noProxyName.FindStringSubmatch(name)
		switch {
		case e == "":
		case e == "*":
			return true, true
		case ip == nil && m == nil:
			known = false
		case entryPort != "" && entryPort != port:
		case ip != nil:
			excluded = excluded || ip.Equal(hostIP)
		case hostIP == nil:
			excluded = excluded || strings.HasSuffix(host, "."+m[2]) || m[1] == "" && host == m[2]
		}
	}
	return excluded, known
}
