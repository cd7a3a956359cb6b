// Package outwatch notices when the reader of stdout goes away (| head),
// without waiting for the next write.
//
// `wsx listen URL | head -2` would otherwise learn that head has exited only
// from the EPIPE of its next write, which may be long in coming on a quiet
// connection. Like GNU tail -f, outwatch asks poll(2) about the descriptor
// for no event at all (POLLRDBAND on macOS, which needs one asked for), so
// that it wakes only on POLLERR, POLLHUP or POLLNVAL: the pipe's or socket's
// other end has closed. It reads nothing and leaves the descriptor's mode
// alone: stdout stays blocking.
package outwatch

import (
	"os"
	"time"
)

// interval is how long one poll waits before looking at stop again: how
// late the watch ends after stop closes, and how late a close(2) of the
// watched file happens after Close (the poll holds the descriptor). A hang-up
// wakes the poll at once, whatever the interval.
const interval = 200 * time.Millisecond

// Watch returns a channel closed once the other end of f, a pipe or a
// socket, has closed: the reader of stdout is gone. It watches until then or
// until stop closes, whichever comes first; stop closing does not close the
// channel. Close stop before closing f, so that f's close(2) does not wait
// for the poll under way.
//
// For a terminal, a regular file, /dev/null or anything else that is no pipe
// or socket, and on systems other than Linux and macOS, Watch returns nil, a
// channel that never fires: the caller notices at its next write, as before.
// A TCP peer's close is a FIN, which poll cannot tell from a shutdown of its
// writing half, so that too shows only at the next write.
func Watch(f *os.File, stop <-chan struct{}) <-chan struct{} {
	if f == nil {
		return nil
	}
	info, err := f.Stat()
	if err != nil || info.Mode()&(os.ModeNamedPipe|os.ModeSocket) == 0 {
		return nil
	}
	return watch(f, stop)
}
