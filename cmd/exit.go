package cmd

import (
	"errors"
	"fmt"
	"io"

	"github.com/wsx-cli/wsx/internal/exit"
)

// report prints err in wsx's one voice, unless it was printed already.
func report(w io.Writer, err error) {
	var e *exit.Error
	if !errors.As(err, &e) {
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
