package dial

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/wsx-cli/wsx/internal/exit"
	"golang.org/x/net/http/httpproxy"
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
	return nil, exit.Usagef("proxy scheme %q in %s is not supported: use http:// or socks5://", u.Scheme, from)
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

// dialProxy opens a tunnel to addr through an http:// or socks5:// proxy.
func dialProxy(ctx context.Context, p *url.URL, addr string) (net.Conn, error) {
	port := p.Port()
	if port == "" {
		port = "1080"
		if p.Scheme == "http" {
			port = "80"
		}
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(p.Hostname(), port))
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if p.Scheme == "http" {
		err = connectHTTP(c, p, addr)
	} else {
		err = connectSOCKS5(c, p, addr)
	}
	if err != nil {
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

// connectSOCKS5 speaks RFC 1928 (with RFC 1929 username/password auth).
func connectSOCKS5(c net.Conn, p *url.URL, addr string) error {
	methods := []byte{5, 1, 0}
	if p.User != nil {
		methods = []byte{5, 1, 2}
	}
	if _, err := c.Write(methods); err != nil {
		return err
	}
	var reply [2]byte
	if _, err := io.ReadFull(c, reply[:]); err != nil {
		return fmt.Errorf("socks5 greeting: %w", err)
	}
	if reply[0] != 5 || reply[1] != methods[2] {
		return errors.New("socks5 proxy refused our authentication method")
	}
	if p.User != nil {
		if err := socksAuth(c, p.User); err != nil {
			return err
		}
	}
	return socksConnect(c, addr)
}

func socksAuth(c net.Conn, u *url.Userinfo) error {
	name, pass := u.Username(), ""
	pass, _ = u.Password()
	if len(name) > 255 || len(pass) > 255 {
		return errors.New("socks5 user name or password too long")
	}
	msg := append([]byte{1, byte(len(name))}, name...)
	msg = append(append(msg, byte(len(pass))), pass...)
	if _, err := c.Write(msg); err != nil {
		return err
	}
	var reply [2]byte
	if _, err := io.ReadFull(c, reply[:]); err != nil {
		return fmt.Errorf("socks5 auth: %w", err)
	}
	if reply[1] != 0 {
		return errors.New("socks5 proxy refused the user name and password")
	}
	return nil
}

func socksConnect(c net.Conn, addr string) error {
	host, portStr, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(portStr)
	msg := []byte{5, 1, 0}
	if ip := net.ParseIP(host); ip != nil && ip.To4() != nil {
		msg = append(append(msg, 1), ip.To4()...)
	} else if ip != nil {
		msg = append(append(msg, 4), ip.To16()...)
	} else if len(host) <= 255 {
		msg = append(append(msg, 3, byte(len(host))), host...)
	} else {
		return errors.New("socks5: the host name is longer than 255 bytes")
	}
	msg = binary.BigEndian.AppendUint16(msg, uint16(port))
	if _, err := c.Write(msg); err != nil {
		return err
	}
	var head [4]byte
	if _, err := io.ReadFull(c, head[:]); err != nil {
		return fmt.Errorf("socks5 connect: %w", err)
	}
	if head[0] != 5 {
		return fmt.Errorf("socks5 proxy sent a bad reply (version %d)", head[0])
	}
	if head[1] != 0 {
		return fmt.Errorf("socks5 proxy could not connect to %s (reply %d)", addr, head[1])
	}
	var skip int
	switch head[3] {
	case 1:
		skip = 4
	case 4:
		skip = 16
	case 3:
		var l [1]byte
		if _, err := io.ReadFull(c, l[:]); err != nil {
			return err
		}
		skip = int(l[0])
	default:
		return fmt.Errorf("socks5 proxy sent a bad reply (address type %d)", head[3])
	}
	_, err := io.CopyN(io.Discard, c, int64(skip+2))
	return err
}
