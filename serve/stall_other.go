//go:build !linux

package serve

import "net"

// waitHangup returns when the server closes: without Linux's poll(2) POLLRDHUP the
// stall cannot see the client hang up without reading.
func waitHangup(_ net.Conn, quit <-chan struct{}) {
	<-quit
}
