package dial

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Fuzz targets for what wsx reads from a proxy (proxy.go): the answer to
// CONNECT (read with net/http, judged by wsx) and the SOCKS5 replies (RFC
// 1928, RFC 1929), read by x/net's client under wsx's checks.

// tunnelData stands for the first bytes through the tunnel. A WebSocket
// client speaks first, so in real life they arrive only after the upgrade
// request; here they are there at once, to show when the proxy code reads
// into the tunnel.
const tunnelData = "HTTP/1.1 101 Switching Protocols\r\n"

// fuzzConn is a net.Conn that returns the proxy's answer, then the
// tunnel's bytes (each in one Read, or less when the buffer is smaller),
// then io.EOF; it keeps what is written.
type fuzzConn struct {
	net.Conn // nil: only Read, Write and Close are used
	answer   []byte
	tunnel   []byte
	tunneled int // tunnel bytes read
	written  bytes.Buffer
}

func newFuzzConn(answer []byte) *fuzzConn {
	return &fuzzConn{answer: answer, tunnel: []byte(tunnelData)}
}

func (c *fuzzConn) Read(b []byte) (int, error) {
	if len(c.answer) > 0 {
		n := copy(b, c.answer)
		c.answer = c.answer[n:]
		return n, nil
	}
	if c.tunneled < len(c.tunnel) {
		n := copy(b, c.tunnel[c.tunneled:])
		c.tunneled += n
		return n, nil
	}
	return 0, io.EOF
}

func (c *fuzzConn) Write(b []byte) (int, error)      { return c.written.Write(b) }
func (c *fuzzConn) Close() error                     { return nil }
func (c *fuzzConn) SetDeadline(time.Time) error      { return nil } // x/net's SOCKS5 client bounds its reads
func (c *fuzzConn) SetReadDeadline(time.Time) error  { return nil }
func (c *fuzzConn) SetWriteDeadline(time.Time) error { return nil }

// fuzzAddr is the address to tunnel to: the one ParseTarget gives for
// rawURL, or a fixed one when rawURL is refused or its host is not a name
// or an IP address (FuzzParseTarget's concern) or has an IPv6 zone.
func fuzzAddr(rawURL string) string {
	if tg, err := ParseTarget(rawURL); err == nil && validHost(tg.URL.Hostname()) && !strings.Contains(tg.URL.Hostname(), "%") {
		if _, _, err := net.SplitHostPort(tg.HostPort()); err == nil {
			return tg.HostPort()
		}
	}
	return "example.org:443"
}

// wholeHeader reports whether answer is exactly one complete HTTP response
// head, with nothing after its blank line.
func wholeHeader(answer []byte) bool {
	br := bufio.NewReader(bytes.NewReader(answer))
	_, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	return err == nil && br.Buffered() == 0
}

// FuzzConnectHTTP: the CONNECT request wsx writes is one well-formed HTTP
// request for the address, with the proxy's credentials in Basic form; wsx
// takes the tunnel only when the proxy answered 200; it never reads into
// the tunnel: once the proxy's answer is complete, the bytes after it
// belong to the WebSocket handshake; and its error is one line with no
// control characters from the proxy.
//
// BUG(issue 7): fails today, in two ways (the fuzzer found neither in 2
// minutes; both inputs fail at once as seeds):
//   - the answer "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n" (or with
//     "Transfer-Encoding: chunked"): connectHTTP calls resp.Body.Close,
//     which reads and drops the "body" from the tunnel. RFC 9110 §9.3.6: a
//     client MUST ignore Content-Length and Transfer-Encoding in a 2xx answer
//     to CONNECT. As the server sends nothing before the upgrade request,
//     wsx waits there until --connect-timeout. Proposed fix: do not close
//     (drain) the body of a 200 answer.
//   - the answer "HTTP/1.1 407 \x1b[2Jx\r\n\r\n": "CONNECT … refused: %s"
//     prints the proxy's status text raw. Proposed fix: print it through
//     the quoting function proposed for FuzzRefusedError.
func FuzzConnectHTTP(f *testing.F) {
	f.Add("wss://example.org/", "", "", []byte("HTTP/1.1 200 Connection established\r\n\r\n"))
	f.Add("ws://10.0.0.1:8080/", "user", "p@ss:w", []byte("HTTP/1.0 200 OK\r\nProxy-Agent: x\r\n\r\n"))
	f.Add("ws://[::1]:80/", "", "", []byte("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n"))
	f.Add("ws://h/", "", "", []byte("HTTP/1.1 200 OK\r\n\r\nearly"))
	f.Add("ws://h/", "", "", []byte("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
	f.Add("ws://h/", "", "", []byte("HTTP/1.1 200 OK\r\n"))
	f.Add("ws://h/", "", "", []byte("SSH-2.0-OpenSSH\r\n"))
	f.Add("ws://h/", "", "", []byte(""))
	f.Fuzz(func(t *testing.T, rawURL, user, pass string, answer []byte) {
		addr := fuzzAddr(rawURL)
		p := &url.URL{Scheme: "http", Host: "proxy:3128"}
		if user != "" || pass != "" {
			p.User = url.UserPassword(user, pass)
		}
		c := newFuzzConn(bytes.Clone(answer))
		err := connectHTTP(c, p, addr)

		req, rerr := http.ReadRequest(bufio.NewReader(bytes.NewReader(c.written.Bytes())))
		if rerr != nil || req.Method != http.MethodConnect || req.RequestURI != addr || req.Host != addr {
			t.Fatalf("CONNECT request %q for %s: %v", c.written.Bytes(), addr, rerr)
		}
		if !bytes.HasSuffix(c.written.Bytes(), []byte("\r\n\r\n")) || bytes.Count(c.written.Bytes(), []byte("\r\n\r\n")) != 1 {
			t.Fatalf("CONNECT request %q is not one request", c.written.Bytes())
		}
		wantAuth := ""
		if p.User != nil {
			wantAuth = "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
		}
		if got := req.Header.Get("Proxy-Authorization"); got != wantAuth {
			t.Fatalf("Proxy-Authorization %q, want %q", got, wantAuth)
		}

		if err != nil {
			if msg := err.Error(); msg == "" || strings.ContainsAny(msg, "\r\n") || hasControl(msg) {
				t.Fatalf("connectHTTP error %q is not one line of text", msg)
			}
		}
		if wholeHeader(answer) && c.tunneled > 0 {
			t.Fatalf("answer %q: wsx read %d bytes of the tunnel (err %v)", answer, c.tunneled, err)
		}
		if err != nil {
			return
		}
		resp, rerr := http.ReadResponse(bufio.NewReader(bytes.NewReader(answer)), &http.Request{Method: http.MethodConnect})
		if rerr != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("connectHTTP took the tunnel after the answer %q", answer)
		}
	})
}

// socksRequest is what wsx asked a SOCKS5 proxy: auth and address.
type socksRequest struct {
	user, pass string
	host       string
	port       int
}

// readSOCKSRequest parses what wsx wrote, by RFC 1928 and RFC 1929, for a
// proxy that chose method: the greeting (offering "no authentication",
// and "user name and password" too with credentials), the credentials if
// the proxy chose those, and CONNECT. ok is false when it is not well
// formed or has bytes left over.
func readSOCKSRequest(b []byte, auth bool, method byte) (r socksRequest, ok bool) {
	take := func(n int) []byte {
		if n > len(b) {
			ok = false
			return make([]byte, n)
		}
		out := b[:n]
		b = b[n:]
		return out
	}
	ok = true
	want := []byte{5, 1, 0}
	if auth {
		want = []byte{5, 2, 0, 2}
	}
	if !bytes.Equal(take(len(want)), want) {
		return r, false
	}
	if method == 2 {
		if take(1)[0] != 1 {
			return r, false
		}
		r.user = string(take(int(take(1)[0])))
		r.pass = string(take(int(take(1)[0])))
	}
	h := take(4)
	if h[0] != 5 || h[1] != 1 || h[2] != 0 {
		return r, false
	}
	host, known := socksHost(h[3], take)
	if !known {
		return r, false
	}
	r.host = host
	r.port = int(binary.BigEndian.Uint16(take(2)))
	return r, ok && len(b) == 0
}

// socksHost reads the address of a SOCKS5 request or reply of type atyp
// (1 IPv4, 3 a name, 4 IPv6) with take; known is false for another type.
func socksHost(atyp byte, take func(int) []byte) (host string, known bool) {
	switch atyp {
	case 1:
		return net.IP(take(4)).String(), true
	case 4:
		return net.IP(take(16)).String(), true
	case 3:
		return string(take(int(take(1)[0]))), true
	}
	return "", false
}

// socksReplies reads a proxy's replies as RFC 1928 and RFC 1929 define
// them: the method reply (VER 5, a method offered: 0, or 2 when wsx has
// credentials), the auth status (VER 1, 0 is success) if the method is 2,
// then the CONNECT reply (VER 5, REP 0, RSV 0, ATYP 1, 3 or 4, the
// address, the port). It returns the method, how many bytes the replies
// take, whether they grant the tunnel, whether they get as far as CONNECT
// (wsx then has written it), and whether answer holds all the bytes a
// reader needs to decide.
func socksReplies(a []byte, auth bool) (method byte, n int, granted, connects, complete bool) {
	if len(a) < 2 {
		return 0, 0, false, false, false
	}
	method = a[1]
	if a[0] != 5 || method != 0 && !(auth && method == 2) {
		return method, 2, false, false, true
	}
	off := 2
	if method == 2 {
		switch {
		case len(a) < 4:
			return method, 0, false, false, false
		case a[2] != 1 || a[3] != 0:
			return method, 4, false, false, true
		}
		off = 4
	}
	if len(a) < off+4 {
		return method, 0, false, true, false
	}
	if a[off] != 5 || a[off+1] != 0 || a[off+2] != 0 {
		return method, off + 4, false, true, true
	}
	var addrLen int
	switch a[off+3] {
	case 1:
		addrLen = 4
	case 4:
		addrLen = 16
	case 3:
		if len(a) < off+5 {
			return method, 0, false, true, false
		}
		addrLen = 1 + int(a[off+4])
	default:
		return method, off + 4, false, true, true // no way to know where the reply ends
	}
	if n = off + 4 + addrLen + 2; len(a) < n {
		return method, 0, false, true, false
	}
	return method, n, true, true, true
}

// FuzzSOCKS5Reply: the SOCKS5 handshake (x/net's client, under wsx's
// checks) never panics or hangs; wsx's requests are well formed and name
// the address to reach (an IP address through socks5://, the name through
// socks5h://); the tunnel is taken only when the proxy's replies are well
// formed and say yes (a method offered, auth status 0, CONNECT reply 0);
// exactly the replies are read, nothing of the tunnel after them; and an
// error is one line, without the password.
//
// The address is an IP address (socks5://, sent as it is) or a name
// (socks5h://): no DNS look-up here.
func FuzzSOCKS5Reply(f *testing.F) {
	ok4 := []byte{5, 0, 0, 1, 10, 0, 0, 1, 0x1f, 0x90}
	f.Add("ws://example.org/", false, []byte("\x05\x00"), ok4)
	f.Add("ws://127.0.0.1:8765/", true, []byte("\x05\x02\x01\x00"), ok4)
	f.Add("ws://[::1]:80/", false, []byte("\x05\x00"), append([]byte{5, 0, 0, 4}, make([]byte, 18)...))
	f.Add("ws://h/", false, []byte("\x05\x00"), []byte("\x05\x00\x00\x03\x04host\x00\x50"))
	f.Add("ws://h/", false, []byte("\x05\xff"), []byte{})
	f.Add("ws://h/", true, []byte("\x05\x02\x01\x01"), []byte{})
	f.Add("ws://h/", false, []byte("\x05\x00"), []byte{5, 5, 0, 1, 0, 0, 0, 0, 0, 0})
	f.Add("ws://h/", false, []byte("\x05"), []byte{})
	f.Add("ws://h/", true, []byte("\x05\x00"), ok4)                                   // credentials offered, not needed
	f.Add("ws://h/", false, []byte("\x05\x02"), ok4)                                  // a method not offered
	f.Add("ws://h/", false, []byte("\x05\x00"), []byte{5, 0, 1, 1, 0, 0, 0, 0, 0, 0}) // RSV not 0
	f.Add("ws://h/", false, []byte("\x05\x00"), []byte("\x07\x00\x09\x00\x00\x00"))
	f.Add("ws://"+strings.Repeat("a", 300)+"/", false, []byte("\x05\x00"), ok4)
	f.Fuzz(func(t *testing.T, rawURL string, auth bool, greeting, reply []byte) {
		addr := fuzzAddr(rawURL)
		host, port, _ := net.SplitHostPort(addr)
		p := &url.URL{Scheme: "socks5h", Host: "proxy:1080"}
		if ip := net.ParseIP(host); ip != nil {
			p.Scheme, host = "socks5", ip.String()
		}
		user, pass := "", ""
		if auth {
			user, pass = "user", "s3cret"
			p.User = url.UserPassword(user, pass)
		}
		answer := slices.Concat(greeting, reply)
		method, n, granted, connects, complete := socksReplies(answer, auth)
		c := newFuzzConn(bytes.Clone(answer))
		if !complete {
			c.tunnel = nil // the proxy says no more; the client does not speak
		}
		dial := func(context.Context, string, string) (net.Conn, error) { return c, nil }
		type result struct {
			conn net.Conn
			err  error
		}
		done := make(chan result, 1)
		go func() {
			conn, err := dialSOCKS5(t.Context(), dial, p, "proxy:1080", addr)
			done <- result{conn, err}
		}()
		var res result
		select {
		case res = <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("replies %q (auth %v): the handshake hangs", answer, auth)
		}
		err := res.err
		consumed := len(answer) - len(c.answer)

		if len(host) > 255 { // a SOCKS5 name has a one-byte length
			if err == nil || bytes.Contains(c.written.Bytes(), []byte(host)) {
				t.Fatalf("host name of %d bytes: err %v, request %q", len(host), err, c.written.Bytes())
			}
			return
		}
		if connects { // wsx wrote its CONNECT
			req, ok := readSOCKSRequest(c.written.Bytes(), auth, method)
			if !ok || req.host != host || strconv.Itoa(req.port) != port || method == 2 && (req.user != user || req.pass != pass) {
				t.Fatalf("socks5 request %q for %s (auth %v) reads as %+v, %v", c.written.Bytes(), addr, auth, req, ok)
			}
		}
		if c.tunneled > 0 {
			t.Fatalf("replies %q: read %d bytes of the tunnel (err %v)", answer, c.tunneled, err)
		}
		if err != nil {
			if msg := err.Error(); msg == "" || strings.ContainsAny(msg, "\r\n") || hasControl(msg) || auth && !strings.Contains(addr, pass) && strings.Contains(msg, pass) {
				t.Fatalf("socks5 error %q is not one line of text, or shows the password", msg)
			}
			if granted {
				t.Fatalf("replies %q grant the tunnel, but: %v", answer, err)
			}
			return
		}
		if !granted {
			t.Fatalf("took the tunnel after the replies %q (auth %v), which do not grant it (complete %v)", answer, auth, complete)
		}
		if consumed != n || res.conn != c {
			t.Fatalf("replies %q: read %d bytes of them, want %d; conn %T", answer, consumed, n, res.conn)
		}
	})
}
