// Command rtime runs a command and writes its CPU time, peak RSS and wall
// time, as `/usr/bin/time -f '%U %S %M' -o FILE` does for the first
// three, but to the microsecond: GNU time prints CPU seconds with two
// decimals, 10 ms steps, too coarse for runs of 50 to 100 ms. The wall
// time is the command's own, from just before it starts to its exit, so
// it leaves out what starting rtime and the shell cost (several ms: more
// than the start-up being measured). The line is "USER SYS MAXRSS WALL":
// seconds with six decimals, KiB, and microseconds.
//
// With -t SECONDS, a command still running then is sent SIGTERM, and
// SIGKILL 5 s later, as `timeout -k 5 SECONDS` does, and rtime exits 124.
// Otherwise the exit status is the command's, or 128 plus the signal that
// ended it.
//
// Usage: rtime -o FILE [-t SECONDS] CMD [ARG...]
package main

import (
	"errors"
	"fmt"
	"log"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

func main() {
	log.SetFlags(0)
	args := os.Args[1:]
	if len(args) < 3 || args[0] != "-o" {
		log.Fatal("usage: rtime -o FILE [-t SECONDS] CMD [ARG...]")
	}
	out, args := args[1], args[2:]
	var limit time.Duration
	if len(args) > 2 && args[0] == "-t" {
		s, err := strconv.ParseFloat(args[1], 64)
		if err != nil {
			log.Fatalf("rtime: bad -t %q", args[1])
		}
		limit, args = time.Duration(s*float64(time.Second)), args[2:]
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		log.Fatalf("rtime: %v", err)
	}
	timedOut := false
	if limit > 0 {
		t := time.AfterFunc(limit, func() {
			timedOut = true
			cmd.Process.Signal(syscall.SIGTERM)
			time.AfterFunc(5*time.Second, func() { cmd.Process.Kill() })
		})
		defer t.Stop()
	}
	err := cmd.Wait()
	wall := time.Since(start)
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		log.Fatalf("rtime: %v", err)
	}
	st := cmd.ProcessState
	ru := st.SysUsage().(*syscall.Rusage)
	line := fmt.Sprintf("%.6f %.6f %d %d\n", st.UserTime().Seconds(), st.SystemTime().Seconds(), ru.Maxrss, wall.Microseconds())
	if err := os.WriteFile(out, []byte(line), 0o644); err != nil {
		log.Fatalf("rtime: %v", err)
	}
	ws := st.Sys().(syscall.WaitStatus)
	switch {
	case timedOut:
		os.Exit(124)
	case ws.Signaled():
		os.Exit(128 + int(ws.Signal()))
	}
	os.Exit(ws.ExitStatus())
}
