// Command rtime runs a command and writes its CPU time and peak RSS, as
// `/usr/bin/time -f '%U %S %M' -o FILE` does, but to the microsecond:
// GNU time prints CPU seconds with two decimals, 10 ms steps, too coarse
// for runs of 50 to 100 ms. The line is "USER SYS MAXRSS": seconds with
// six decimals, and KiB. The exit status is the command's, or 128 plus
// the signal that ended it.
//
// Usage: rtime -o FILE CMD [ARG...]
package main

import (
	"errors"
	"fmt"
	"log"
	"os"
	"os/exec"
	"syscall"
)

func main() {
	log.SetFlags(0)
	if len(os.Args) < 4 || os.Args[1] != "-o" {
		log.Fatal("usage: rtime -o FILE CMD [ARG...]")
	}
	cmd := exec.Command(os.Args[3], os.Args[4:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		log.Fatalf("rtime: %v", err)
	}
	st := cmd.ProcessState
	ru := st.SysUsage().(*syscall.Rusage)
	line := fmt.Sprintf("%.6f %.6f %d\n", st.UserTime().Seconds(), st.SystemTime().Seconds(), ru.Maxrss)
	if err := os.WriteFile(os.Args[2], []byte(line), 0o644); err != nil {
		log.Fatalf("rtime: %v", err)
	}
	ws := st.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		os.Exit(128 + int(ws.Signal()))
	}
	os.Exit(ws.ExitStatus())
}
