package wire

import (
	"net"
	"syscall"
)

// SendQueue reports how many bytes written to c the peer has not yet
// acknowledged: what is still in the kernel's send queue, sent and unacked or
// not sent at all. After the last write, a count that falls to 0 says the
// peer's kernel has everything; one that stays up says it is not reading or
// not reachable. It asks the kernel once and never blocks.
//
// c is a socket (a *net.TCPConn, or anything with SyscallConn), or a
// wrapper that gives its connection with NetConn (a *tls.Conn), unwrapped
// down to the socket. On Linux the count is ioctl SIOCOUTQ, on macOS
// getsockopt SO_NWRITE. ok is false on other systems, for a connection that
// is no socket (a net.Pipe), or when the kernel does not answer (c closed).
func SendQueue(c net.Conn) (n int, ok bool) {
	sc, found := rawConn(c)
	if !found {
		return 0, false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return 0, false
	}
	var qerr error
	// Control keeps the descriptor open while it is used: a concurrent Close
	// waits, so the number asked about cannot be a reused one.
	if err := raw.Control(func(fd uintptr) { n, qerr = sendQueue(int(fd)) }); err != nil || qerr != nil {
		return 0, false
	}
	return n, true
}

// maxUnwrap bounds the NetConn chain, in case a wrapper hands back itself.
const maxUnwrap = 8

// rawConn follows NetConn from c to the first connection with SyscallConn.
func rawConn(c net.Conn) (syscall.Conn, bool) {
	for range maxUnwrap {
		switch v := c.(type) {
		case nil:
			return nil, false
		case syscall.Conn:
			return v, true
		case interface{ NetConn() net.Conn }:
			c = v.NetConn()
		default:
			return nil, false
		}
	}
	return nil, false
}
