package serve

import (
	"encoding/binary"
	"errors"
	"net"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wsx-cli/wsx/internal/wire"
)

// maxControlPayload is the largest control frame payload (RFC 6455 §5.5).
const maxControlPayload = 125

// closePayload builds a close frame's payload by hand, because gorilla's
// FormatCloseMessage turns 1005 into an empty payload. Any code is kept as is; the
// payload is cut to 125 bytes, the most a control frame carries.
func closePayload(code int, reason string) []byte {
	p := binary.BigEndian.AppendUint16(nil, uint16(code))
	p = append(p, reason...)
	return p[:min(len(p), maxControlPayload)]
}

// sendClose starts the server's close handshake with Options.CloseCode and
// CloseReason.
func (c *conn) sendClose() { c.closeWith(c.s.opts.CloseCode, c.s.opts.CloseReason) }

// closeWith starts the server's close handshake with code (-1: an empty
// close frame) and reason, and gives the client closeWait to answer.
func (c *conn) closeWith(code int, reason string) {
	var p []byte
	if code >= 0 {
		p = closePayload(code, reason)
	}
	if c.ws.WriteControl(websocket.CloseMessage, p, time.Now().Add(controlWait)) != nil {
		return // the reader will find the connection gone
	}
	c.closeSent = true
	c.sentCode, c.sentReason = websocket.CloseNoStatusReceived, ""
	if len(p) >= 2 {
		c.sentCode, c.sentReason = code, string(p[2:])
	}
	c.ws.SetReadDeadline(time.Now().Add(c.s.closeWait))
}

// onClose is the close handler: it runs inside a read when a valid close frame
// arrives. It sends the queued replies (or, with StopAtClose, drops them and stops
// all data), then logs the summary line before it echoes the client's close frame,
// so a client that waits for the echo knows the line is written.
func (c *conn) onClose(code int, reason string) error {
	c.closeSeen = true
	if t, ok := c.ws.NetConn().(*wire.Tap); ok {
		if real, why, ok := t.ClientClose(); ok {
			code, reason = real, why // 1014 as sent, not gorilla's stand-in
		}
	}
	if c.closeSent {
		c.endServerClose() // the client answered our close
		return nil
	}
	if c.s.opts.StopAtClose {
		c.stopData()
	} else {
		c.flush() // the replies of every message read go before the answer
	}
	c.summarize("client", code, reason, closeEvent("closed by client", code, reason))
	if !c.s.opts.NoCloseEcho {
		var p []byte
		if code != websocket.CloseNoStatusReceived {
			p = closePayload(code, reason)
		}
		c.ws.WriteControl(websocket.CloseMessage, p, time.Now().Add(controlWait))
	}
	c.s.report(c.stats)
	return nil
}

// readFailed ends the connection after a read error: the client's close frame (already
// logged by onClose), the end of the server's close handshake, or a lost connection.
func (c *conn) readFailed(err error) {
	switch {
	case c.closeSeen:
		if !c.closeSent && c.s.opts.NoCloseEcho {
			drain(c.ws.NetConn(), time.Time{}) // until the client closes the TCP connection
		}
	case c.closeSent:
		c.endServerClose() // no answer in time, or the connection failed meanwhile
	case errors.Is(err, websocket.ErrReadLimit):
		// gorilla has sent 1009 and can no longer read the client's answer.
		c.closeSent = true
		c.sentCode, c.sentReason = websocket.CloseMessageTooBig, ""
		drain(c.ws.NetConn(), time.Now().Add(c.s.closeWait))
		c.endServerClose()
	case c.s.isClosed():
		c.end("drop", websocket.CloseAbnormalClosure, "", "dropped by server: shutting down")
	default:
		c.end("client", websocket.CloseAbnormalClosure, "", "connection lost: "+lostReason(err))
	}
}

// endServerClose ends the server's close handshake.
func (c *conn) endServerClose() {
	c.end("server", c.sentCode, c.sentReason, closeEvent("closed by server", c.sentCode, c.sentReason))
}

// end records how the connection ended, logs the summary line and reports the Stats.
func (c *conn) end(by string, code int, reason, event string) {
	c.summarize(by, code, reason, event)
	c.s.report(c.stats)
}

// summarize records how the connection ended and logs the summary line.
func (c *conn) summarize(by string, code int, reason, event string) {
	c.stats.ClosedBy, c.stats.CloseCode, c.stats.CloseReason = by, code, reason
	c.stats.Ticks = int(c.ticks.Load())
	c.s.logf("conn %d: %s; %s", c.id, event, c.tally())
}

// lostReason words a read error; gorilla reports EOF as a 1006 CloseError.
func lostReason(err error) string {
	var ce *websocket.CloseError
	if errors.As(err, &ce) && ce.Code == websocket.CloseAbnormalClosure && ce.Text != "" {
		return ce.Text
	}
	return err.Error()
}

// drain reads and discards until the connection fails or the deadline passes (zero:
// no deadline).
func drain(nc net.Conn, deadline time.Time) {
	nc.SetReadDeadline(deadline)
	buf := make([]byte, 4096)
	for {
		if _, err := nc.Read(buf); err != nil {
			return
		}
	}
}
