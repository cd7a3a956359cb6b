package serve

import "github.com/gorilla/websocket"

// stall is Stall mode after the greetings: it reads nothing, so that the client's
// data stays in the kernel buffers, and waits for the client to hang up or for
// Close.
func (c *conn) stall() {
	waitHangup(c.ws.NetConn(), c.s.quit)
	switch {
	case c.s.isClosed():
		c.end("drop", websocket.CloseAbnormalClosure, "", "dropped by server: shutting down")
	case c.closeSent: // CloseAfter 0: the client's answer was never read
		c.endServerClose()
	default:
		c.end("client", websocket.CloseAbnormalClosure, "", "connection lost: the client hung up on the stall")
	}
}
