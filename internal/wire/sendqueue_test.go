package wire

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"io"
	"math/big"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"
)

// SendQueue against a peer that does not read: the queue fills, then drains
// once the peer reads.

// queued is more than a loopback peer that does not read takes in (its
// receive buffer and the sender's send buffer together), so some of it
// stays in the sender's queue.
const queued = 4 << 20

// failsafe bounds every wait; the tests pass in far less.
const failsafe = 10 * time.Second

func skipUnsupported(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skipf("SendQueue has no kernel counter on %s", runtime.GOOS)
	}
}

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	server, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close() })
	return client, server
}

// waitQueue polls SendQueue(c) until want holds of it: the count is a kernel
// counter nothing announces a change of, so polling, bounded by the
// failsafe, is the only way to watch it.
func waitQueue(t *testing.T, c net.Conn, what string, want func(int) bool) int {
	t.Helper()
	deadline := time.Now().Add(failsafe)
	for {
		n, ok := SendQueue(c)
		if !ok {
			t.Fatalf("SendQueue(%T) = %d, false; want a count", c, n)
		}
		if want(n) {
			return n
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v the send queue is %d bytes, not %s", failsafe, n, what)
		}
		time.Sleep(time.Millisecond)
	}
}

// fillAndDrain writes queued bytes to client while server reads nothing,
// sees them wait in client's send queue, then has server read them all and
// sees the queue empty.
func fillAndDrain(t *testing.T, client, server net.Conn) {
	t.Helper()
	if n := waitQueue(t, client, "0 before any write", func(n int) bool { return n == 0 }); n != 0 {
		t.Fatalf("idle send queue = %d", n)
	}
	// The write blocks once the buffers are full; the deadline ends it
	// should the test fail before the server reads.
	if err := client.SetWriteDeadline(time.Now().Add(failsafe)); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var werr error
	wg.Go(func() { _, werr = client.Write(make([]byte, queued)) })
	defer wg.Wait()

	full := waitQueue(t, client, "above 0 while the peer does not read", func(n int) bool { return n > 0 })
	t.Logf("%d bytes queued while the peer does not read", full)

	if err := server.SetReadDeadline(time.Now().Add(failsafe)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(server, make([]byte, queued)); err != nil {
		t.Fatalf("server read: %v", err)
	}
	wg.Wait()
	if werr != nil {
		t.Fatalf("client write: %v", werr)
	}
	waitQueue(t, client, "0 once the peer has read everything", func(n int) bool { return n == 0 })
}

func TestSendQueueTCP(t *testing.T) {
	skipUnsupported(t)
	client, server := tcpPair(t)
	fillAndDrain(t, client, server)
}

// TestSendQueueTLS: a *tls.Conn is unwrapped through NetConn to its socket,
// whose queue holds the records.
func TestSendQueueTLS(t *testing.T) {
	skipUnsupported(t)
	rawClient, rawServer := tcpPair(t)
	client := tls.Client(rawClient, &tls.Config{InsecureSkipVerify: true})
	server := tls.Server(rawServer, &tls.Config{Certificates: []tls.Certificate{testCertificate(t)}})
	for _, c := range []net.Conn{rawClient, rawServer} {
		if err := c.SetDeadline(time.Now().Add(failsafe)); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	var serr error
	wg.Go(func() { serr = server.Handshake() })
	cerr := client.Handshake()
	wg.Wait()
	if cerr != nil || serr != nil {
		t.Fatalf("handshake: client %v, server %v", cerr, serr)
	}
	fillAndDrain(t, client, server)
}

// testCertificate is a throwaway self-signed certificate; the client does
// not check it.
func testCertificate(t *testing.T) tls.Certificate {
	t.Helper()
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// selfWrapper hands back itself from NetConn; unwrapping must still end.
type selfWrapper struct{ net.Conn }

func (w selfWrapper) NetConn() net.Conn { return w }

// TestSendQueueNoSocket: connections without a socket under them give
// ok=false, on every system.
func TestSendQueueNoSocket(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	closed, _ := tcpPair(t)
	closed.Close()
	for name, c := range map[string]net.Conn{
		"net.Pipe":               a,
		"tls.Client over a pipe": tls.Client(a, &tls.Config{}),
		"nil":                    nil,
		"NetConn giving nil":     tls.Client(nil, &tls.Config{}),
		"NetConn giving itself":  selfWrapper{a},
		"closed *net.TCPConn":    closed,
	} {
		if n, ok := SendQueue(c); ok || n != 0 {
			t.Errorf("SendQueue(%s) = %d, %v; want 0, false", name, n, ok)
		}
	}
}
