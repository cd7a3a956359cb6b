package dial

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/wsx-cli/wsx/internal/exit"
	"golang.org/x/net/http/httpproxy"
	"golang.org/x/net/proxy"
)

// proxyFor picks the proxy: --proxy, which always applies (loopback too),
// else one from the environment (envProxy).
func proxyFor(flag string, t *Target, getenv func(string) string) (*url.URL, error) {
	raw, from := flag, "--proxy"
	if raw == "" {
		var err error
		if raw, from, err = envProxy(t, getenv); raw == "" || err != nil {
			return nil, err
		}
	}
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" || (u.Port() != "" && !validPort(u.Port())) {
		return nil, exit.Usagef("invalid proxy URL in %s", from)
	}
	switch u.Scheme {
	case "http", "socks5", "socks5h":
		return u, nil
	}
	return nil, exit.Usagef("proxy scheme %q in %s is not supported: use http://, socks5:// or socks5h://", u.Scheme, from)
}

// chosen stands for the proxy in what httpproxy is told: wsx parses the
// variable itself, to refuse a bad value (httpproxy drops it unsaid).
const chosen = "http://chosen.invalid"

// envProxy reads the proxy variables as curl does: https_proxy (wss) or
// http_proxy (ws), else all_proxy, each also in upper case (the lower case
// first), unless no_proxy (NO_PROXY) names the host. It returns the value
// and the variable's name, or "" for a direct connection. Whether a proxy
// applies is x/net's httpproxy's answer, as for Go's net/http: NO_PROXY
// holds names (with their subdomains; .name for the subdomains only), IP
// addresses and CIDR blocks, each with or without :port, or *; loopback
// hosts are never proxied; and under CGI (REQUEST_METHOD set) HTTP_PROXY
// may come from a client's Proxy header (httpoxy), so it is refused.
func envProxy(t *Target, getenv func(string) string) (raw, from string, err error) {
	if IsLoopback(t.URL.Hostname()) { // httpproxy knows localhost, not *.localhost
		return "", "", nil
	}
	u := *t.URL
	u.Scheme, from = "http", "HTTP_PROXY"
	if t.URL.Scheme == "wss" {
		u.Scheme, from = "https", "HTTPS_PROXY"
	}
	cgi := getenv("REQUEST_METHOD") != "" && u.Scheme == "http"
	if from, raw = env(getenv, from); raw == "" {
		from, raw = env(getenv, "ALL_PROXY")
		cgi = false // httpproxy does not know ALL_PROXY; no header sets it
	}
	if raw == "" {
		return "", "", nil
	}
	_, noProxy := env(getenv, "NO_PROXY")
	cfg := httpproxy.Config{HTTPProxy: chosen, HTTPSProxy: chosen, NoProxy: noProxy, CGI: cgi}
	switch p, err := cfg.ProxyFunc()(&u); {
	case err != nil:
		return "", "", exit.Usagef("not using %s under CGI (REQUEST_METHOD is set): a client may have set it", from).
			Hint("see https://go.dev/s/cgihttpproxy; give the proxy with --proxy")
	case p == nil:
		return "", "", nil
	}
	return raw, from, nil
}

// env reads a variable in lower case, else in upper case, as curl and
// httpproxy do; it returns the name it read.
func env(getenv func(string) string, name string) (string, string) {
	lower := strings.ToLower(name)
	if v := getenv(lower); v != "" {
		return lower, v
	}
	return name, getenv(name)
}

// dialProxy opens a tunnel to addr through an http://, socks5:// or
// socks5h:// proxy.
func dialProxy(ctx context.Context, p *url.URL, addr string) (net.Conn, error) {
	port := p.Port()
	if port == "" {
		port = "1080"
		if p.Scheme == "http" {
			port = "80"
		}
	}
	proxyAddr := net.JoinHostPort(p.Hostname(), port)
	var d net.Dialer
	if p.Scheme != "http" {
		return dialSOCKS5(ctx, d.DialContext, p, proxyAddr, addr)
	}
	c, err := d.DialContext(ctx, "tcp", proxyAddr)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if err := connectHTTP(c, p, addr); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func connectHTTP(c net.Conn, p *url.URL, addr string) error {
	req := "CONNECT " + addr + " HTTP/1.1\r\nHost: " + addr + "\r\n"
	if p.User != nil {
		pass, _ := p.User.Password()
		req += "Proxy-Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(p.User.Username()+":"+pass)) + "\r\n"
	}
	if _, err := io.WriteString(c, req+"\r\n"); err != nil {
		return err
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil {
		return fmt.Errorf("bad answer to CONNECT: %w", err)
	}
	// RFC 9110 §9.3.6: a 2xx answer has no body, whatever its headers say;
	// what follows is the tunnel's, so the body is neither read nor closed.
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("CONNECT %s refused: %s", addr, printable(resp.Status))
	}
	if br.Buffered() > 0 {
		return errors.New("proxy sent data before the tunnel was used")
	}
	return nil
}

// dialFunc dials TCP: net.Dialer.DialContext, or a test's.
type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// dialSOCKS5 opens a tunnel to addr through the SOCKS5 proxy at proxyAddr
// (RFC 1928, with RFC 1929 user name and password), reached with dial,
// using x/net's client. As in curl, socks5:// sends an address: wsx
// resolves the name; socks5h:// sends the name, for the proxy to resolve.
// It returns the connection to the proxy, the tunnel from then on.
func dialSOCKS5(ctx context.Context, dial dialFunc, p *url.URL, proxyAddr, addr string) (net.Conn, error) {
	auth, err := socksAuth(p.User)
	if err != nil {
		return nil, err
	}
	if p.Scheme == "socks5" {
		if addr, err = resolveHere(ctx, p, addr); err != nil {
			return nil, err
		}
	}
	fw := &socksForward{dial: dial, auth: auth != nil}
	d, _ := proxy.SOCKS5("tcp", proxyAddr, auth, fw) // its error is always nil
	if _, err := d.(proxy.ContextDialer).DialContext(ctx, "tcp", addr); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err() // x/net ends a cancelled handshake with a deadline: say why
		}
		return nil, fw.explain(err, addr)
	}
	return fw.conn.Conn, nil
}

// socksAuth is the user name and password to offer, if any.
func socksAuth(u *url.Userinfo) (*proxy.Auth, error) {
	if u == nil {
		return nil, nil
	}
	pass, hasPass := u.Password()
	switch name := u.Username(); {
	case name == "" && !hasPass: // socks5://@host
		return nil, nil
	case name == "":
		return nil, errors.New("socks5 needs a user name with the password")
	case len(name) > 255 || len(pass) > 255:
		return nil, errors.New("socks5 user name or password too long")
	}
	return &proxy.Auth{User: u.Username(), Password: pass}, nil
}

// resolveHere is addr with its host name resolved, for socks5://: the
// first address the resolver gives, as curl takes.
func resolveHere(ctx context.Context, p *url.URL, addr string) (string, error) {
	host, port, _ := net.SplitHostPort(addr)
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err == nil && len(ips) > 0 {
		return net.JoinHostPort(ips[0].Unmap().WithZone("").String(), port), nil
	}
	if err == nil {
		err = &net.AddrError{Err: "no address found", Addr: host}
	}
	if ctx.Err() != nil || isTimeout(err) {
		return "", err // dialError says the time ran out
	}
	why := err.Error()
	var dns *net.DNSError
	var bad *net.AddrError
	if errors.As(err, &dns) {
		why = dns.Err
	} else if errors.As(err, &bad) {
		why = bad.Err
	}
	return "", exit.Errorf(exit.Connect, "proxy %s: cannot resolve %s: %s", p.Redacted(), host, why).
		Hint("socks5:// resolves host names on this machine; socks5h:// leaves that to the proxy")
}

// socksForward reaches the SOCKS5 proxy for x/net's client (it is a
// proxy.ContextDialer) and keeps the connection.
type socksForward struct {
	dial dialFunc
	auth bool // credentials are offered
	conn *socksConn
}

func (f *socksForward) Dial(network, addr string) (net.Conn, error) {
	return f.DialContext(context.Background(), network, addr)
}

func (f *socksForward) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := f.dial(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	f.conn = &socksConn{Conn: c, auth: f.auth}
	return f.conn, nil
}

// errMethod is a proxy's choice of a method wsx did not offer.
var errMethod = errors.New("socks5 proxy chose an authentication method not offered")

// socksConn is the connection to the proxy during the handshake. It counts
// the messages sent, to name the step that failed, and keeps the method
// the proxy chose. Offered no credentials, x/net takes any method but
// "none acceptable" and goes on unauthenticated; wsx offered only "no
// authentication", and refuses the others (RFC 1928 §3).
type socksConn struct {
	net.Conn
	auth   bool
	sent   int // messages written
	read   int // bytes read
	method byte
}

func (c *socksConn) Write(b []byte) (int, error) {
	c.sent++
	return c.Conn.Write(b)
}

func (c *socksConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if c.read < 2 && c.read+n >= 2 { // the method reply's second byte
		c.method = b[1-c.read]
		if !c.auth && c.method != 0 && c.method != 0xff {
			return 0, errMethod
		}
	}
	c.read += n
	return n, err
}

// explain puts a failed handshake in wsx's words, on one line: x/net's
// name neither the step nor the address.
func (f *socksForward) explain(err error, addr string) error {
	var op *net.OpError
	if errors.As(err, &op) && strings.HasPrefix(op.Op, "socks") {
		err = op.Err // "socks connect tcp proxy->addr: ": wsx names the proxy itself
	}
	if f.conn == nil {
		return err // the proxy was not reached
	}
	msg, rest := err.Error(), ""
	is := func(theirs string) (ok bool) {
		rest, ok = strings.CutPrefix(msg, theirs)
		return ok
	}
	switch {
	case errors.Is(err, errMethod), is("no acceptable authentication methods"), is("unsupported authentication method "):
		return errors.New("socks5 proxy refused our authentication method")
	case is("username/password authentication failed"), is("invalid username/password version"):
		return errors.New("socks5 proxy refused the user name and password")
	case is("unexpected protocol version "):
		return fmt.Errorf("socks5 proxy sent a bad reply (version %s)", rest)
	case is("unknown address type "):
		return fmt.Errorf("socks5 proxy sent a bad reply (address type %s)", rest)
	case is("non-zero reserved field"):
		return errors.New("socks5 proxy sent a bad reply (reserved byte not 0)")
	case is("unknown error "):
		return fmt.Errorf("socks5 proxy could not connect to %s: %s", addr, rest)
	case is("FQDN too long"):
		return errors.New("socks5: the host name is longer than 255 bytes")
	}
	step := "connect"
	switch {
	case f.conn.sent <= 1:
		step = "greeting"
	case f.conn.sent == 2 && f.conn.method == 2:
		step = "auth"
	}
	return fmt.Errorf("socks5 %s: %w", step, err)
}
