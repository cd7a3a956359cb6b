package outwatch

import "golang.org/x/sys/unix"

// events is POLLRDBAND, as coreutils' iopoll asks for on illumos and macOS,
// where a poll asking for nothing does not report the hang-up. A pipe's
// writing end never has priority data to read, so it does not fire by
// itself.
const events = unix.POLLRDBAND
