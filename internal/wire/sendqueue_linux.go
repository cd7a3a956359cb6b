package wire

import "golang.org/x/sys/unix"

// sendQueue is SIOCOUTQ (TIOCOUTQ for sockets): for TCP, the bytes written
// but not acknowledged by the peer (tcp(7)).
func sendQueue(fd int) (int, error) {
	return unix.IoctlGetInt(fd, unix.SIOCOUTQ)
}
