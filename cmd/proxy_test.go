package cmd

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/wsx-cli/wsx/internal/exit"
	"github.com/wsx-cli/wsx/serve"
)

// tunnel copies both ways between a and b until either side ends.
func tunnel(a, b net.Conn) {
	done := make(chan struct{}, 2)
	go func() { io.Copy(a, b); done <- struct{}{} }()
	go func() { io.Copy(b, a); done <- struct{}{} }()
	<-done
	a.Close()
	b.Close()
	<-done
}

// startProxy accepts connections on loopback and hands each to handle; it
// returns the address and how many tunnels were opened.
func startProxy(t *testing.T, handle func(c net.Conn, br *bufio.Reader) (target string, ok bool)) (string, *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var tunnels atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				br := bufio.NewReader(c)
				target, ok := handle(c, br)
				if !ok {
					c.Close()
					return
				}
				up, err := net.Dial("tcp", target)
				if err != nil {
					c.Close()
					return
				}
				tunnels.Add(1)
				tunnel(c, up)
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ln.Addr().String(), &tunnels
}

// httpConnect answers one CONNECT request.
func httpConnect(c net.Conn, br *bufio.Reader) (string, bool) {
	req, err := http.ReadRequest(br)
	if err != nil || req.Method != http.MethodConnect {
		return "", false
	}
	io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n")
	return req.Host, true
}

// socks5 answers one RFC 1928 CONNECT without authentication, to an IPv4
// address or a name; asked, when not nil, gets the host it was asked for.
func socks5(asked chan<- string) func(c net.Conn, br *bufio.Reader) (string, bool) {
	return func(c net.Conn, br *bufio.Reader) (string, bool) {
		head := make([]byte, 2)
		if _, err := io.ReadFull(br, head); err != nil {
			return "", false
		}
		io.ReadFull(br, make([]byte, head[1]))
		c.Write([]byte{5, 0})
		req := make([]byte, 4)
		if _, err := io.ReadFull(br, req); err != nil {
			return "", false
		}
		var host string
		switch req[3] {
		case 1:
			ip := make([]byte, 4)
			io.ReadFull(br, ip)
			host = net.IP(ip).String()
		case 3:
			n, _ := br.ReadByte()
			name := make([]byte, n)
			io.ReadFull(br, name)
			host = string(name)
		default:
			return "", false
		}
		port := make([]byte, 2)
		io.ReadFull(br, port)
		if asked != nil {
			asked <- host
		}
		c.Write([]byte{5, 0, 0, 1, 0, 0, 0, 0, 0, 0})
		return net.JoinHostPort(host, strconv.Itoa(int(binary.BigEndian.Uint16(port)))), true
	}
}

// socks5NoMethod refuses every authentication method offered.
func socks5NoMethod(c net.Conn, br *bufio.Reader) (string, bool) {
	head := make([]byte, 2)
	io.ReadFull(br, head)
	io.ReadFull(br, make([]byte, head[1]))
	c.Write([]byte{5, 0xff})
	return "", false
}

// socks5WrongPassword asks for a user name and password (RFC 1929), reads
// them and refuses them.
func socks5WrongPassword(c net.Conn, br *bufio.Reader) (string, bool) {
	head := make([]byte, 2)
	io.ReadFull(br, head)
	io.ReadFull(br, make([]byte, head[1]))
	c.Write([]byte{5, 2})
	br.ReadByte() // the version
	for range 2 { // the user name, then the password
		n, _ := br.ReadByte()
		io.ReadFull(br, make([]byte, n))
	}
	c.Write([]byte{1, 1})
	return "", false
}

func TestProxies(t *testing.T) {
	_, target, _ := startServer(t, serve.Options{})
	port := target[strings.LastIndex(target, ":")+1 : len(target)-1]
	asked := make(chan string, 1)
	for _, p := range []struct {
		scheme, target string
		handle         func(net.Conn, *bufio.Reader) (string, bool)
		asked          string // what the socks5 proxy must be asked for
	}{
		{"http", target, httpConnect, ""},
		{"socks5", target, socks5(asked), "127.0.0.1"},
		{"socks5", "ws://localhost:" + port + "/", socks5(asked), "127.0.0.1"},  // wsx resolves the name
		{"socks5h", "ws://localhost:" + port + "/", socks5(asked), "localhost"}, // the proxy does
	} {
		addr, tunnels := startProxy(t, p.handle)
		r := runWsx(&Env{Stdin: strings.NewReader("via proxy\n")}, "connect", "--proxy", p.scheme+"://"+addr, p.target)
		if r.code != 0 || r.stdout.String() != "via proxy\n" || tunnels.Load() != 1 {
			t.Errorf("%s proxy to %s: exit %d, stdout %q, tunnels %d; stderr:\n%s", p.scheme, p.target, r.code, r.stdout, tunnels.Load(), r.stderr)
		}
		if p.asked == "" {
			continue
		}
		select {
		case got := <-asked:
			if got != p.asked {
				t.Errorf("%s proxy to %s was asked for %s, want %s", p.scheme, p.target, got, p.asked)
			}
		default:
			t.Errorf("%s proxy to %s was asked nothing", p.scheme, p.target)
		}
	}
}

func TestProxyRefused(t *testing.T) {
	_, target, _ := startServer(t, serve.Options{})
	addr, _ := startProxy(t, func(c net.Conn, br *bufio.Reader) (string, bool) {
		http.ReadRequest(br)
		io.WriteString(c, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
		return "", false
	})
	r := runWsx(&Env{}, "connect", "--proxy", "http://"+addr, target)
	want := "wsx: error: proxy http://" + addr + ": CONNECT " + strings.TrimSuffix(strings.TrimPrefix(target, "ws://"), "/") + " refused: 403 Forbidden\n"
	if r.code != exit.Connect || r.stderr.String() != want {
		t.Fatalf("exit %d; stderr:\n%s\nwant:\n%s", r.code, r.stderr, want)
	}
}

// A refused proxy is named as the proxy, not as the target.
func TestProxyConnectionRefused(t *testing.T) {
	r := runWsx(&Env{}, "connect", "--proxy", "http://127.0.0.1:1", "ws://127.0.0.1:9/")
	want := "wsx: error: proxy http://127.0.0.1:1: dial tcp 127.0.0.1:1: connect: connection refused\n"
	if r.code != exit.Connect || r.stderr.String() != want {
		t.Errorf("exit %d; stderr %q, want %q", r.code, r.stderr, want)
	}
}
