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

// socks5 answers one RFC 1928 CONNECT without authentication.
func socks5(c net.Conn, br *bufio.Reader) (string, bool) {
	head := make([]byte, 2)
	if _, err := io.ReadFull(br, head); err != nil {
		return "", false
	}
	io.ReadFull(br, make([]byte, head[1]))
	c.Write([]byte{5, 0})
	req := make([]byte, 4)
	if _, err := io.ReadFull(br, req); err != nil || req[3] != 1 {
		return "", false
	}
	addr := make([]byte, 6)
	io.ReadFull(br, addr)
	c.Write([]byte{5, 0, 0, 1, 0, 0, 0, 0, 0, 0})
	return net.JoinHostPort(net.IP(addr[:4]).String(), strconv.Itoa(int(binary.BigEndian.Uint16(addr[4:])))), true
}

func TestProxies(t *testing.T) {
	_, target, _ := startServer(t, serve.Options{})
	for _, p := range []struct {
		scheme string
		handle func(net.Conn, *bufio.Reader) (string, bool)
	}{{"http", httpConnect}, {"socks5", socks5}} {
		addr, tunnels := startProxy(t, p.handle)
		r := runWsx(&Env{Stdin: strings.NewReader("via proxy\n")}, "connect", "--proxy", p.scheme+"://"+addr, target)
		if r.code != 0 || r.stdout.String() != "via proxy\n" || tunnels.Load() != 1 {
			t.Errorf("%s proxy: exit %d, stdout %q, tunnels %d; stderr:\n%s", p.scheme, r.code, r.stdout, tunnels.Load(), r.stderr)
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
