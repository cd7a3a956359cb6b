// Package exit holds wsx's exit statuses and the one error type that carries
// a status with its cause, so that every failure is classified by type.
package exit

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// Exit statuses, as the README's table lists them.
const (
	OK        = 0   // the goal was met and the close was normal
	Runtime   = 1   // a runtime error not covered below
	Usage     = 2   // bad flag, bad URL, unreadable file, invalid input
	Connect   = 3   // DNS, TCP, TLS, proxy or connect timeout
	Upgrade   = 4   // HTTP status other than 101, or a subprotocol not offered
	Closed    = 5   // abnormal close, drop without close frame, protocol violation
	Timeout   = 6   // --timeout passed before the goal was met
	Check     = 7   // a probe check failed
	Interrupt = 130 // Ctrl-C (SIGINT); SIGTERM is 143
)

// Error is a failure with its exit status. Msg and Hints are printed as
// "wsx: error: ..." and "wsx: hint: ..." unless Reported says they already
// were. Err is the cause, when there is one.
type Error struct {
	Code     int
	Msg      string
	Hints    []string
	Reported bool
	Err      error
}

func (e *Error) Error() string { return e.Msg }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf makes an error with status code; a %w verb in format makes its
// operand the cause.
func Errorf(code int, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	return &Error{Code: code, Msg: err.Error(), Err: errors.Unwrap(err)}
}

// Usagef is Errorf with the usage status.
func Usagef(format string, args ...any) *Error {
	return Errorf(Usage, format, args...)
}

// Silent is a failure with status code whose words were already printed.
func Silent(code int) *Error { return &Error{Code: code, Reported: true} }

// Hint adds a hint line and returns e.
func (e *Error) Hint(format string, args ...any) *Error {
	e.Hints = append(e.Hints, fmt.Sprintf(format, args...))
	return e
}

// AsReported is e marked as printed, keeping its status and cause.
func (e *Error) AsReported() *Error {
	c := *e
	c.Reported = true
	return &c
}

// Status is the one place where an error becomes an exit status.
func Status(err error) int {
	if err == nil {
		return OK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Runtime
}

// BySignal is the end a signal asked for: 130 for SIGINT, 143 for SIGTERM.
// Nothing more is printed for it.
func BySignal(sig os.Signal) *Error {
	if sig == syscall.SIGTERM {
		return &Error{Code: 128 + int(syscall.SIGTERM), Msg: "terminated", Reported: true}
	}
	return &Error{Code: Interrupt, Msg: "interrupted", Reported: true}
}
