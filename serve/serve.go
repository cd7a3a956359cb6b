// Package serve is the local WebSocket test peer behind `wsx serve`, and the peer the
// project's own tests dial.
//
// It is exact and deterministic: each connection gets an ID in accept order and writes
// a fixed set of log lines (open, then exactly one summary), so tests can assert on
// them. Only one goroutine reads a connection; data writes (echo, relay, greetings and
// Broadcast) are serialised per connection, and control frames go through WriteControl.
package serve

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wsx-cli/wsx/internal/wire"
)

// Mode says what the server does with the data messages it receives.
type Mode string

// The modes of `wsx serve --mode`.
const (
	Echo      Mode = "echo"      // send each message back to its sender, same type, in order
	Broadcast Mode = "broadcast" // relay each message to every connected client, sender included
	Sink      Mode = "sink"      // read and count only, reply nothing
	// Stall accepts the upgrade, sends the greetings and then reads nothing: the
	// client's data piles up in the kernel buffers until its writes block. The
	// connection ends when the server closes, or (on Linux) when the client's FIN or
	// reset reaches the server. A FIN queued behind data that the full buffers no
	// longer take never arrives, so such a connection lasts until Close.
	Stall Mode = "stall"
	// Order plays a login-then-subscribe protocol modelled on
	// graphql-transport-ws, so that a client's conversation passes only in
	// the right order: see order.go.
	Order Mode = "order"
)

// Modes lists the modes, in the order the usage shows them.
var Modes = []Mode{Echo, Broadcast, Sink, Stall, Order}

// Message is one data message: text unless Binary.
type Message struct {
	Binary bool
	Data   []byte
}

func (m Message) kind() int {
	if m.Binary {
		return websocket.BinaryMessage
	}
	return websocket.TextMessage
}

// Options configure a Server. CloseAfter and DropAfter count from 0, so -1 is "never":
// the zero Options close and drop every connection right after the greetings.
type Options struct {
	Mode          Mode      // "" means Echo
	Protocols     []string  // subprotocols accepted; the first in the client's offer order wins
	ForceProtocol string    // answer with this subprotocol whatever the client offered
	Greet         []Message // sent to each client right after the upgrade, in order
	CloseAfter    int       // -1: never; N >= 0: close after N data messages (0: after the greetings)
	CloseCode     int       // sent as is, even when invalid on the wire; -1: an empty close frame
	CloseReason   string    // sent as is; the close payload is cut to 125 bytes
	DropAfter     int       // -1: never; N >= 0: drop the TCP connection after N data messages
	NoCloseEcho   bool      // never answer the client's close frame
	Reject        int       // 0: accept; otherwise refuse every upgrade with this HTTP status
	// RetryAfter is the Retry-After header of a refusal, in seconds ("0",
	// "120"), sent whatever the status; "": 30 for 429 and 503, none for the
	// others.
	RetryAfter string
	MaxSize    int64     // read limit per message; 0: none
	TLS        bool      // serve wss:// with a throwaway self-signed certificate (CertificatePEM)
	Log        io.Writer // one line per event; nil: discard

	// ReplyDelay holds each reply of Echo and Broadcast for this long after its
	// message was read, in order, while the reader goes on reading (a queue per
	// connection). Before the server answers the client's close frame, starts its own
	// close or drops the connection, it sends what is queued, unless StopAtClose.
	ReplyDelay time.Duration
	// StopAtClose: once the client's close frame is read, the connection sends no
	// more data messages (replies, relays, ticks, Broadcast); queued replies are
	// dropped and counted on the summary line. The close is then answered as usual.
	// With ReplyDelay this is Python websockets and websocketd: a client that closes
	// right after its message gets no reply.
	StopAtClose bool
	// ReadRate caps reads at this many messages a second (the close frame counts as
	// one); 0: unlimited.
	ReadRate float64
	// StreamEvery sends the text message "tick N" (N = 1, 2, ...) every StreamEvery
	// until the connection ends or can take no more data; 0: never. With NoCloseEcho
	// it is a feed that never stops and never answers the close.
	StreamEvery time.Duration
	// AckDelay is how long Order waits after connection_init before it
	// sends connection_ack; 0: at once, before the next message is read.
	AckDelay time.Duration
}

const (
	defaultAddr  = "127.0.0.1:8765"
	closeWait    = 3 * time.Second // how long the server's close handshake may take
	controlWait  = 3 * time.Second // write deadline of control frames
	doneCapacity = 1024
)

// Server is a WebSocket test peer. Create it with New.
type Server struct {
	opts      Options
	err       error         // invalid options or no certificate: Listen returns it, ServeHTTP answers 500
	closeWait time.Duration // tests shorten it
	upgrader  websocket.Upgrader
	srv       *http.Server
	done      chan Stats
	quit      chan struct{} // closed by Close: wakes connections that wait on a timer
	tls       *tls.Config   // with Options.TLS: Listen serves wss
	certPEM   []byte        // with Options.TLS: the certificate in use

	logMu sync.Mutex
	log   io.Writer

	mu       sync.Mutex
	closed   bool
	nextID   int
	conns    map[*conn]bool // every upgraded connection; true once greeted (open to broadcasts)
	handlers sync.WaitGroup // ServeHTTP calls
	serving  sync.WaitGroup // http.Server.Serve goroutines
}

// New returns a Server for o. Invalid options are reported by Listen.
func New(o Options) *Server {
	o.Protocols = slices.Clone(o.Protocols)
	o.Greet = slices.Clone(o.Greet)
	if o.Mode == "" {
		o.Mode = Echo
	}
	s := &Server{
		opts:      o,
		err:       validate(o),
		closeWait: closeWait,
		upgrader:  websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }, EnableCompression: true},
		done:      make(chan Stats, doneCapacity),
		quit:      make(chan struct{}),
		log:       o.Log,
		conns:     make(map[*conn]bool),
	}
	if s.log == nil {
		s.log = io.Discard
	}
	if o.TLS && s.err == nil {
		s.err = s.setupTLS(time.Now())
	}
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	return s
}

func validate(o Options) error {
	switch {
	case !slices.Contains(Modes, o.Mode):
		return fmt.Errorf("unknown mode %q (want %s)", o.Mode, ModeList("or"))
	case o.CloseCode < -1 || o.CloseCode > 65535:
		return fmt.Errorf("close code %d out of range 0..65535", o.CloseCode)
	case o.Reject != 0 && (o.Reject < 200 || o.Reject > 999):
		return fmt.Errorf("reject status %d out of range 200..999", o.Reject)
	case o.CloseAfter < -1 || o.DropAfter < -1:
		return errors.New("close-after and drop-after must be -1 (never) or a count")
	case o.ReplyDelay < 0 || o.StreamEvery < 0 || o.AckDelay < 0:
		return errors.New("reply delay, stream interval and ack delay must not be negative")
	case strings.Trim(o.RetryAfter, "0123456789") != "":
		return fmt.Errorf("retry-after %q: want a number of seconds", o.RetryAfter)
	case !(o.ReadRate >= 0) || math.IsInf(o.ReadRate, 1):
		return fmt.Errorf("read rate %v: want a number of messages a second, 0 for no limit", o.ReadRate)
	}
	return nil
}

// ModeList words the modes for a message: "echo, broadcast, sink, stall or
// order" with conj "or".
func ModeList(conj string) string {
	names := make([]string, len(Modes))
	for i, m := range Modes {
		names[i] = string(m)
	}
	return strings.Join(names[:len(names)-1], ", ") + " " + conj + " " + names[len(names)-1]
}

// Listen binds addr and serves in the background. An empty addr means 127.0.0.1:8765,
// and an address with no host (":0", ":8765") binds loopback. It returns the ws:// URL
// (wss:// with Options.TLS) with a trailing slash.
func (s *Server) Listen(addr string) (string, error) {
	if s.err != nil {
		return "", s.err
	}
	ln, err := net.Listen("tcp", listenAddr(addr))
	if err != nil {
		return "", err
	}
	scheme := "ws://"
	if s.tls != nil {
		ln, scheme = tls.NewListener(ln, s.tls), "wss://"
	}
	ln = tapListener{ln}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		ln.Close()
		return "", errors.New("server closed")
	}
	s.serving.Add(1)
	go func() {
		defer s.serving.Done()
		s.srv.Serve(ln)
	}()
	return scheme + ln.Addr().String() + "/", nil
}

// tapListener wraps each accepted connection (above TLS) in a server tap,
// so that the server sees close codes gorilla refuses, such as 1014, as the
// client sent them.
type tapListener struct {
	net.Listener
}

func (l tapListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return wire.NewServerTap(c), nil
}

// listenAddr fills in the defaults of Listen's address.
func listenAddr(addr string) string {
	switch {
	case addr == "":
		return defaultAddr
	case strings.HasPrefix(addr, ":"):
		return "127.0.0.1" + addr
	case strings.Trim(addr, "0123456789") == "":
		return "127.0.0.1:" + addr
	}
	return addr
}

// Close stops listening, closes every open connection without a close frame, waits
// for the handlers to end, and then closes the Done channel.
func (s *Server) Close() error {
	s.mu.Lock()
	first := !s.closed
	s.closed = true
	if first {
		close(s.quit)
	}
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()

	err := s.srv.Close()
	for _, c := range conns {
		c.ws.NetConn().Close()
	}
	s.serving.Wait()
	s.handlers.Wait()
	if first {
		close(s.done)
	}
	return err
}

// Broadcast sends m to every connected client, in connection order. A client that
// cannot take it (closing, gone) is skipped.
func (s *Server) Broadcast(m Message) {
	for _, c := range s.greeted() {
		c.write(m.kind(), m.Data)
	}
}

// Done returns a channel that receives each connection's final Stats once its summary
// line is logged. It holds 1024 Stats; when it is full, later ones are dropped. Close
// closes it.
func (s *Server) Done() <-chan Stats {
	return s.done
}

// begin registers a request and gives it the next ID; it fails once the server is closed.
func (s *Server) begin() (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, false
	}
	s.handlers.Add(1)
	s.nextID++
	return s.nextID, true
}

// track records an upgraded connection so that Close can end it; it fails once the
// server is closed.
func (s *Server) track(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = false
	return true
}

func (s *Server) untrack(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
}

// setGreeted opens c to broadcasts.
func (s *Server) setGreeted(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.conns[c]; ok {
		s.conns[c] = true
	}
}

// greeted returns the connections open to broadcasts, in ID order.
func (s *Server) greeted() []*conn {
	s.mu.Lock()
	var cs []*conn
	for c, ok := range s.conns {
		if ok {
			cs = append(cs, c)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(cs, func(a, b *conn) int { return a.id - b.id })
	return cs
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// logf writes one line to the log.
func (s *Server) logf(format string, args ...any) {
	line := fmt.Sprintf(format+"\n", args...)
	s.logMu.Lock()
	defer s.logMu.Unlock()
	io.WriteString(s.log, line)
}

// report publishes a connection's final Stats without ever blocking.
func (s *Server) report(st Stats) {
	select {
	case s.done <- st:
	default:
	}
}
