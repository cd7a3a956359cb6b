package send

import (
	"encoding/binary"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Closer sends wsx's one close frame: either to start the closing handshake
// or to answer the server's. It is safe for concurrent use.
type Closer struct {
	conn    *websocket.Conn
	timeout time.Duration

	mu      sync.Mutex
	sent    bool
	started bool // wsx spoke first
	at      time.Time
}

// NewCloser makes a closer for conn; timeout bounds each close write.
func NewCloser(conn *websocket.Conn, timeout time.Duration) *Closer {
	return &Closer{conn: conn, timeout: timeout}
}

// Close starts the closing handshake with code and reason, unless a close
// frame was already sent. The caller must have stopped the writer first, so
// that every queued message goes out before the close frame.
func (c *Closer) Close(code uint16, reason string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sent {
		return nil
	}
	c.sent, c.started, c.at = true, true, time.Now()
	return c.write(Payload(code, true, reason))
}

// Answer echoes the server's close code (no code for an empty close frame),
// unless wsx already sent its own close: then the server's frame is the echo.
func (c *Closer) Answer(code uint16, hasCode bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sent {
		return nil
	}
	c.sent = true
	return c.write(Payload(code, hasCode, ""))
}

// Started reports whether wsx sent the first close frame.
func (c *Closer) Started() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.started
}

func (c *Closer) write(payload []byte) error {
	return c.conn.WriteControl(websocket.CloseMessage, payload, time.Now().Add(c.timeout))
}

// Payload builds a close frame payload; reasons longer than the 123 bytes a
// control frame allows are cut at a UTF-8 boundary.
func Payload(code uint16, hasCode bool, reason string) []byte {
	if !hasCode {
		return nil
	}
	const maxReason = 123
	if len(reason) > maxReason {
		cut := maxReason
		for cut > 0 && reason[cut]&0xC0 == 0x80 {
			cut--
		}
		reason = reason[:cut]
	}
	b := make([]byte, 2, 2+len(reason))
	binary.BigEndian.PutUint16(b, code)
	return append(b, reason...)
}
