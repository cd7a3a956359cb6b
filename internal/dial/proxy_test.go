package dial

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wsx-cli/wsx/internal/exit"
	"github.com/wsx-cli/wsx/internal/wstest"
)

// proxyCase is a URL and the proxy wsx must take for it ("" for none).
type proxyCase struct{ url, want string }

// checkProxies runs proxyFor with --proxy flag and the environment env on
// each case.
func checkProxies(t *testing.T, flag string, env map[string]string, cases []proxyCase) {
	t.Helper()
	getenv := func(k string) string { return env[k] }
	for _, c := range cases {
		tg, err := ParseTarget(c.url)
		if err != nil {
			t.Fatal(err)
		}
		got, err := proxyFor(flag, tg, getenv)
		if err != nil {
			t.Errorf("%s (env %v): %v", c.url, env, err)
			continue
		}
		if (got == nil && c.want != "") || (got != nil && got.String() != c.want) {
			t.Errorf("%s (env %v): proxy %v, want %q", c.url, env, got, c.want)
		}
	}
}

func TestProxyFromEnvironment(t *testing.T) {
	env := map[string]string{"HTTPS_PROXY": "http://secure:3128", "http_proxy": "plain:3128", "NO_PROXY": "internal.example,.corp"}
	checkProxies(t, "", env, []proxyCase{
		{"wss://example.com/", "http://secure:3128"},
		{"ws://example.com/", "http://plain:3128"},
		{"ws://internal.example/", ""},
		{"ws://api.internal.example/", ""}, // a name covers its subdomains
		{"ws://db.corp/", ""},
		{"ws://corp/", "http://plain:3128"}, // .corp: the subdomains only
		{"ws://127.0.0.1:9/", ""},           // loopback is never proxied from the environment
		{"ws://[::1]:9/", ""},
		{"ws://localhost/", ""},
		{"ws://app.localhost/", ""},
	})
	tg, _ := ParseTarget("ws://127.0.0.1/")
	getenv := func(k string) string { return env[k] }
	if got, _ := proxyFor("socks5://p:1080", tg, getenv); got == nil || got.Scheme != "socks5" {
		t.Errorf("--proxy must apply to loopback too, got %v", got)
	}
	tg, _ = ParseTarget("ws://db.corp/")
	if got, _ := proxyFor("socks5h://p:1080", tg, getenv); got == nil || got.Scheme != "socks5h" {
		t.Errorf("--proxy must apply whatever NO_PROXY says, got %v", got)
	}
	if _, err := proxyFor("https://p:443", tg, getenv); err == nil {
		t.Error("https:// proxies are not supported and must be refused")
	}
}

// ALL_PROXY is the fallback for both schemes, as in curl; the lower-case
// name is read before the upper-case one.
func TestProxyAllProxy(t *testing.T) {
	checkProxies(t, "", map[string]string{"ALL_PROXY": "socks5h://all:1080", "HTTPS_PROXY": "http://secure:3128"}, []proxyCase{
		{"wss://example.com/", "http://secure:3128"},
		{"ws://example.com/", "socks5h://all:1080"},
		{"ws://localhost:8765/", ""},
	})
	checkProxies(t, "", map[string]string{"all_proxy": "socks5://all:1080", "NO_PROXY": "example.com"}, []proxyCase{
		{"wss://example.org/", "socks5://all:1080"},
		{"ws://example.org/", "socks5://all:1080"},
		{"ws://www.example.com/", ""},
	})
	checkProxies(t, "", map[string]string{"https_proxy": "http://lower:1", "HTTPS_PROXY": "http://upper:1", "no_proxy": "a.example", "NO_PROXY": "b.example"}, []proxyCase{
		{"wss://example.org/", "http://lower:1"},
		{"wss://a.example/", ""},
		{"wss://b.example/", "http://lower:1"},
	})
}

// NO_PROXY entries as httpproxy (and Go's net/http) reads them: CIDR
// blocks, IP addresses, names, each with or without a port, and *.
func TestNoProxyForms(t *testing.T) {
	env := map[string]string{
		"HTTP_PROXY": "http://p:3128", "HTTPS_PROXY": "http://p:3128",
		"NO_PROXY": "10.0.0.0/8, 192.168.1.7, [2001:db8::1]:8443, fd00::/8, *.intra, EXAMPLE.org:8443, plain.example:80",
	}
	checkProxies(t, "", env, []proxyCase{
		{"ws://10.1.2.3/", ""},
		{"wss://10.255.0.1:9000/", ""},
		{"ws://11.0.0.1/", "http://p:3128"},
		{"ws://192.168.1.7:8080/", ""},
		{"ws://192.168.1.8/", "http://p:3128"},
		{"wss://[2001:db8::1]:8443/", ""},
		{"wss://[2001:db8::1]/", "http://p:3128"}, // the entry's port is 8443, this is 443
		{"ws://[fd00::5]/", ""},
		{"ws://svc.intra/", ""},
		{"ws://intra/", "http://p:3128"}, // *.intra: the subdomains only
		{"wss://example.org:8443/", ""},
		{"wss://api.example.org:8443/", ""},
		{"wss://example.org/", "http://p:3128"},
		{"ws://example.org:8443/", ""},
		{"ws://plain.example/", ""}, // ws:// is port 80 when none is given
		{"wss://plain.example/", "http://p:3128"},
		{"ws://10.example/", "http://p:3128"}, // a CIDR block matches addresses, not names
	})
	checkProxies(t, "", map[string]string{"HTTPS_PROXY": "http://p:3128", "no_proxy": "*"}, []proxyCase{{"wss://example.org/", ""}})
}

// Bad proxy variables are usage errors that name the variable: httpproxy
// alone would drop them and connect directly.
func TestProxyEnvironmentErrors(t *testing.T) {
	tg, _ := ParseTarget("wss://example.org/")
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"HTTPS_PROXY": "http://u:s3cret@:99999"}, "invalid proxy URL in HTTPS_PROXY"},
		{map[string]string{"https_proxy": "http://%zz"}, "invalid proxy URL in https_proxy"},
		{map[string]string{"ALL_PROXY": "ftp://p:21"}, `proxy scheme "ftp" in ALL_PROXY is not supported: use http://, socks5:// or socks5h://`},
	} {
		_, err := proxyFor("", tg, func(k string) string { return c.env[k] })
		if e := wstest.CheckUsage(t, err, c.want); strings.Contains(e.Msg, "s3cret") {
			t.Errorf("%v: %q shows the password", c.env, e.Msg)
		}
	}
}

// Under CGI (REQUEST_METHOD set) HTTP_PROXY may come from a client's Proxy
// header (httpoxy): as in Go's net/http it is refused, not used. HTTPS_PROXY
// and ALL_PROXY cannot come from a header, and still apply.
func TestProxyCGI(t *testing.T) {
	getenv := func(k string) string {
		return map[string]string{"REQUEST_METHOD": "GET", "HTTP_PROXY": "http://evil:3128"}[k]
	}
	tg, _ := ParseTarget("ws://example.org/")
	_, err := proxyFor("", tg, getenv)
	wstest.CheckUsage(t, err, "not using HTTP_PROXY under CGI (REQUEST_METHOD is set): a client may have set it")
	if p, err := proxyFor("http://mine:3128", tg, getenv); err != nil || p.Host != "mine:3128" {
		t.Errorf("--proxy under CGI: %v, %v", p, err)
	}
	checkProxies(t, "", map[string]string{"REQUEST_METHOD": "GET", "HTTPS_PROXY": "http://s:1", "ALL_PROXY": "socks5://a:1"}, []proxyCase{
		{"wss://example.org/", "http://s:1"},
		{"ws://example.org/", "socks5://a:1"},
	})
}

// socksServer is a SOCKS5 proxy for tests. It wants user and pass when
// user is set, refuses every method when refuse is, and answers CONNECT
// with reply (0: granted) followed by early, the tunnel's first bytes;
// then it echoes what the client sends. Each CONNECT it reads goes to got.
type socksServer struct {
	user, pass string
	refuse     bool
	reply      byte
	early      string
	got        chan socksAsked
}

// socksAsked is what a client sent a socksServer.
type socksAsked struct {
	atyp       byte // 1 IPv4, 3 a name, 4 IPv6
	host       string
	port       int
	user, pass string
}

// start serves on 127.0.0.1 and returns the address.
func (s *socksServer) start(t *testing.T) string {
	s.got = make(chan socksAsked, 1)
	return serveTCP(t, s.handle)
}

func (s *socksServer) handle(c net.Conn) {
	var a socksAsked
	read := func(n int) []byte {
		b := make([]byte, n)
		if _, err := io.ReadFull(c, b); err != nil {
			return make([]byte, n)
		}
		return b
	}
	methods := read(int(read(2)[1]))
	switch {
	case s.refuse:
		c.Write([]byte{5, 0xff})
		return
	case s.user != "" && bytes.IndexByte(methods, 2) >= 0:
		c.Write([]byte{5, 2})
		read(1)
		a.user = string(read(int(read(1)[0])))
		a.pass = string(read(int(read(1)[0])))
		if a.user != s.user || a.pass != s.pass {
			c.Write([]byte{1, 1})
			return
		}
		c.Write([]byte{1, 0})
	case s.user != "":
		c.Write([]byte{5, 0xff})
		return
	default:
		c.Write([]byte{5, 0})
	}
	a.atyp = read(4)[3]
	a.host, _ = socksHost(a.atyp, read)
	a.port = int(binary.BigEndian.Uint16(read(2)))
	s.got <- a
	c.Write(append([]byte{5, s.reply, 0, 1, 127, 0, 0, 1, 0, 80}, s.early...))
	if s.reply == 0 {
		io.Copy(c, c)
	}
}

// asked is what the server was asked, or fails if it was asked nothing.
func (s *socksServer) asked(t *testing.T) socksAsked {
	t.Helper()
	select {
	case a := <-s.got:
		return a
	default:
		t.Fatal("the proxy got no CONNECT")
	}
	return socksAsked{}
}

// checkTunnel reads the early bytes from c, then sends a line and reads it
// back: the tunnel starts where the proxy's reply ends.
func checkTunnel(t *testing.T, c net.Conn, early string) {
	t.Helper()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	want := early + "through\n"
	io.WriteString(c, "through\n")
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != want {
		t.Fatalf("tunnel: read %q, %v; want %q", got, err, want)
	}
}

// socks5:// resolves the name here and sends the address; socks5h://
// sends the name, for the proxy to resolve (curl's meanings). An IP
// address goes as it is either way.
func TestSOCKS5Resolution(t *testing.T) {
	s := &socksServer{early: "early:"}
	addr := s.start(t)
	for _, c := range []struct {
		scheme, target string
		atyp           byte
		host           string
	}{
		{"socks5", "localhost:8765", 1, "127.0.0.1"},
		{"socks5h", "localhost:8765", 3, "localhost"},
		{"socks5h", "wsx-test.example:443", 3, "wsx-test.example"},
		{"socks5", "10.1.2.3:80", 1, "10.1.2.3"},
		{"socks5h", "[2001:db8::1]:80", 4, "2001:db8::1"},
	} {
		conn, err := dialProxy(t.Context(), &url.URL{Scheme: c.scheme, Host: addr}, c.target)
		if err != nil {
			t.Fatalf("%s to %s: %v", c.scheme, c.target, err)
		}
		a := s.asked(t)
		if a.atyp != c.atyp || a.host != c.host || strconv.Itoa(a.port) != c.target[strings.LastIndex(c.target, ":")+1:] {
			t.Errorf("%s to %s: the proxy was asked for %+v, want type %d host %s", c.scheme, c.target, a, c.atyp, c.host)
		}
		checkTunnel(t, conn, "early:")
		conn.Close()
	}
}

// Credentials go as RFC 1929 says; a refusal is said in one line that does
// not show the password.
func TestSOCKS5Auth(t *testing.T) {
	s := &socksServer{user: "pu", pass: "s3cret-pw"}
	addr := s.start(t)
	conn, err := dialProxy(t.Context(), &url.URL{Scheme: "socks5h", Host: addr, User: url.UserPassword("pu", "s3cret-pw")}, "h.example:80")
	if err != nil {
		t.Fatal(err)
	}
	if a := s.asked(t); a.user != "pu" || a.pass != "s3cret-pw" {
		t.Errorf("the proxy got user %q password %q", a.user, a.pass)
	}
	checkTunnel(t, conn, "")
	conn.Close()

	for _, c := range []struct {
		user *url.Userinfo
		want string
	}{
		{url.UserPassword("pu", "wrong-s3cret"), "socks5 proxy refused the user name and password"},
		{nil, "socks5 proxy refused our authentication method"},
		{url.UserPassword("", "s3cret"), "socks5 needs a user name with the password"},
		{url.UserPassword("pu", strings.Repeat("s3cret", 50)), "socks5 user name or password too long"},
	} {
		_, err := dialProxy(t.Context(), &url.URL{Scheme: "socks5h", Host: addr, User: c.user}, "h.example:80")
		if err == nil || err.Error() != c.want {
			t.Errorf("user %v: %v, want %q", c.user, err, c.want)
		}
	}
}

// What the proxy says no with is named, on one line.
func TestSOCKS5Refusals(t *testing.T) {
	for _, c := range []struct {
		s    *socksServer
		want string
	}{
		{&socksServer{refuse: true}, "socks5 proxy refused our authentication method"},
		{&socksServer{reply: 5}, "socks5 proxy could not connect to h.example:80: connection refused"},
		{&socksServer{reply: 2}, "socks5 proxy could not connect to h.example:80: connection not allowed by ruleset"},
	} {
		addr := c.s.start(t)
		if _, err := dialProxy(t.Context(), &url.URL{Scheme: "socks5h", Host: addr}, "h.example:80"); err == nil || err.Error() != c.want {
			t.Errorf("%+v: %v, want %q", c.s, err, c.want)
		}
	}
	closed := serveTCP(t, func(c net.Conn) { io.ReadFull(c, make([]byte, 3)) }) // reads the greeting, hangs up
	if _, err := dialProxy(t.Context(), &url.URL{Scheme: "socks5h", Host: closed}, "h.example:80"); err == nil || err.Error() != "socks5 greeting: EOF" {
		t.Errorf("a proxy that hangs up: %v", err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	refused := ln.Addr().String()
	ln.Close()
	if _, err := dialProxy(t.Context(), &url.URL{Scheme: "socks5", Host: refused}, "10.0.0.1:80"); !errors.Is(err, syscall.ECONNREFUSED) || strings.Contains(err.Error(), "socks") {
		t.Errorf("a proxy that is not there: %v, want the dial's error", err)
	}
}

// A name socks5:// cannot resolve is said so, with the way out: socks5h://.
func TestSOCKS5ResolveFails(t *testing.T) {
	s := &socksServer{}
	addr := s.start(t)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	p := &url.URL{Scheme: "socks5", Host: addr, User: url.UserPassword("pu", "s3cret")}
	_, err := dialProxy(ctx, p, "wsx-test.onion:80") // .onion is never looked up (RFC 7686)
	var e *exit.Error
	if !errors.As(err, &e) || e.Code != exit.Connect || !strings.HasPrefix(e.Msg, "proxy socks5://pu:xxxxx@"+addr+": cannot resolve wsx-test.onion: ") || len(e.Hints) != 1 {
		t.Fatalf("%v (%T)", err, err)
	}
	conn, err := dialProxy(ctx, &url.URL{Scheme: "socks5h", Host: addr}, "wsx-test.onion:80")
	if err != nil || s.asked(t).host != "wsx-test.onion" {
		t.Fatalf("socks5h:// must leave the name to the proxy: %v", err)
	}
	conn.Close()
}

// A cancel (Ctrl-C) or the connect timeout ends a handshake the proxy
// does not answer, with the context's error.
func TestSOCKS5Cancel(t *testing.T) {
	greeted := make(chan struct{})
	addr := serveTCP(t, func(c net.Conn) {
		io.ReadFull(c, make([]byte, 3))
		close(greeted)
		io.Copy(io.Discard, c) // until the client hangs up
	})
	ctx, cancel := context.WithCancel(t.Context())
	go func() { <-greeted; cancel() }()
	if _, err := dialProxy(ctx, &url.URL{Scheme: "socks5h", Host: addr}, "h.example:80"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	ctx, cancel = context.WithDeadline(t.Context(), time.Now())
	defer cancel()
	if _, err := dialProxy(ctx, &url.URL{Scheme: "socks5h", Host: addr}, "h.example:80"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("past the deadline: %v", err)
	}
}
