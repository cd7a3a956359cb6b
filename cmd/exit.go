package cmd

import (
	"errors"
	"io"

	"github.com/wsx-cli/wsx/format"
	"github.com/wsx-cli/wsx/internal/exit"
)

// report prints err in wsx's one voice (format.Palette.ErrorText), unless
// it was printed already.
func report(w io.Writer, paint *format.Palette, err error) {
	var e *exit.Error
	switch {
	case !errors.As(err, &e):
		io.WriteString(w, paint.ErrorText(err.Error()))
	case !e.Reported:
		io.WriteString(w, paint.ErrorText(e.Msg, e.Hints...))
	}
}
