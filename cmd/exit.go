package cmd

import (
	"fmt"
	"io"
)

// Exit statuses, as DESIGN.md's table lists them.
const (
	ExitOK          = 0   // the goal was met and the close was normal
	ExitError       = 1   // a runtime error not covered below
	ExitUsage       = 2   // bad flag, bad URL, unreadable file, invalid input
	ExitConnect     = 3   // DNS, TCP, TLS, proxy or connect timeout
	ExitUpgrade     = 4   // HTTP status other than 101, or a subprotocol not offered
	ExitClosed      = 5   // abnormal close, drop without close frame, protocol violation
	ExitTimeout     = 6   // --timeout passed before the goal was met
	ExitCheck       = 7   // a probe check failed
	ExitInterrupted = 130 // Ctrl-C
)

// Error is a failure with its exit status. Msg and Hints are printed as
// "wsx: error: ..." and "wsx: hint: ..." unless Reported says they already were.
type Error struct {
	Code     int
	Msg      string
	Hints    []string
	Reported bool
}

func (e *Error) Error() string { return e.Msg }

func errorf(code int, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

func usageError(format string, args ...any) *Error {
	return errorf(ExitUsage, format, args...)
}

// hint adds a hint line and returns e.
func (e *Error) hint(format string, args ...any) *Error {
	e.Hints = append(e.Hints, fmt.Sprintf(format, args...))
	return e
}

// exitStatus is the one place where an error becomes an exit status.
func exitStatus(err error) int {
	switch e := err.(type) {
	case nil:
		return ExitOK
	case *Error:
		return e.Code
	default:
		return ExitError
	}
}

// report prints err in wsx's one voice, unless it was printed already.
func report(w io.Writer, err error) {
	e, ok := err.(*Error)
	if !ok {
		fmt.Fprintf(w, "wsx: error: %v\n", err)
		return
	}
	if e.Reported {
		return
	}
	fmt.Fprintf(w, "wsx: error: %s\n", e.Msg)
	for _, h := range e.Hints {
		fmt.Fprintf(w, "wsx: hint: %s\n", h)
	}
}
