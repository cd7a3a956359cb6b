package serve

import (
	"crypto/tls"
	"net"
	"syscall"
	"unsafe"

	"github.com/wsx-cli/wsx/internal/wire"
)

// poll(2) bits; syscall does not name them. POLLRDHUP is the peer's FIN.
const (
	pollERR   = 0x8
	pollHUP   = 0x10
	pollNVAL  = 0x20
	pollRDHUP = 0x2000
)

type pollFd struct {
	fd      int32
	events  int16
	revents int16
}

// waitHangup returns when the peer has sent its FIN or reset the connection, or
// when the connection is closed (Close closes it; quit is for other systems). It
// reads nothing: the netpoller wakes it on each event of the socket, and poll(2)
// tells a hang-up from data, even with data left unread before the FIN.
func waitHangup(nc net.Conn, quit <-chan struct{}) {
	rc, ok := socketOf(nc)
	if !ok {
		<-quit
		return
	}
	rc.Read(func(fd uintptr) bool { return hungUp(fd) })
}

// hungUp asks poll(2), without waiting, whether the peer has hung up. An error
// counts as no: the connection then lasts until Close.
func hungUp(fd uintptr) bool {
	p := pollFd{fd: int32(fd), events: pollRDHUP}
	var zero syscall.Timespec
	n, _, errno := syscall.Syscall6(syscall.SYS_PPOLL, uintptr(unsafe.Pointer(&p)), 1, uintptr(unsafe.Pointer(&zero)), 0, 0, 0)
	return errno == 0 && n == 1 && p.revents&(pollRDHUP|pollHUP|pollERR|pollNVAL) != 0
}

// socketOf finds the TCP connection under the server's tap and TLS, to wait on its
// socket without reading from it.
func socketOf(nc net.Conn) (syscall.RawConn, bool) {
	for {
		switch c := nc.(type) {
		case *wire.Tap:
			nc = c.Conn
		case *tls.Conn:
			nc = c.NetConn()
		case syscall.Conn:
			rc, err := c.SyscallConn()
			return rc, err == nil
		default:
			return nil, false
		}
	}
}
