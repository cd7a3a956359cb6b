//go:build linux || darwin

package outwatch

import (
	"errors"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// hangUp is what poll reports, asked or not, when the other end is gone
// (POLLNVAL: the descriptor is no longer open).
const hangUp = unix.POLLERR | unix.POLLHUP | unix.POLLNVAL

func watch(f *os.File, stop <-chan struct{}) <-chan struct{} {
	// SyscallConn, unlike Fd, leaves the file's blocking mode as it is.
	raw, err := f.SyscallConn()
	if err != nil {
		return nil
	}
	gone := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			var revents int16
			var perr error
			// Control holds the descriptor open for the poll, so that a
			// concurrent Close cannot hand its number to another file.
			if err := raw.Control(func(fd uintptr) { revents, perr = pollOnce(int(fd)) }); err != nil || perr != nil {
				return // f closed, or poll refused it: nothing more to learn
			}
			switch {
			case revents&hangUp != 0:
				close(gone)
				return
			case revents != 0:
				// Only the event asked for (out-of-band data on a
				// socket, say), which stays set: wait out the interval
				// instead of polling in a busy loop.
				select {
				case <-stop:
					return
				case <-time.After(interval):
				}
			}
		}
	}()
	return gone
}

// pollOnce polls fd for up to interval and says what came back; an
// interrupted poll came back with nothing.
func pollOnce(fd int) (int16, error) {
	fds := []unix.PollFd{{Fd: int32(fd), Events: events}}
	_, err := unix.Poll(fds, int(interval/time.Millisecond))
	if errors.Is(err, syscall.EINTR) {
		return 0, nil
	}
	return fds[0].Revents, err
}
