package wire

import "golang.org/x/sys/unix"

// sendQueue is SO_NWRITE: the bytes in the socket's send buffer, which a
// TCP socket keeps until the peer acknowledges them.
func sendQueue(fd int) (int, error) {
	return unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_NWRITE)
}
