package send

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/wsx-cli/wsx/format"
	"github.com/wsx-cli/wsx/internal/utf8check"
)

// streamAbove is the size from which a @FILE message is streamed from disk
// instead of read into memory.
const streamAbove = 1 << 20

// Args yields one message per command-line argument, in order: text as it
// is, @FILE for a file's contents, @- for all of stdin. The whole list is
// sent Repeat times.
type Args struct {
	msgs   []Message
	repeat int
	i      int
}

// NewArgs reads and checks every argument before anything is sent, so that
// a bad one stops the run before it connects. stdin is read for @-. label
// names them in errors: "argument", or a flag such as "--send".
func NewArgs(label string, args []string, stdin io.Reader, c Check, repeat int) (*Args, error) {
	a := &Args{repeat: max(repeat, 1)}
	for i, arg := range args {
		m, err := argMessage(arg, fmt.Sprintf("%s %d", label, i+1), stdin, c)
		if err != nil {
			return nil, err
		}
		if err := c.Message(m); err != nil {
			return nil, err
		}
		a.msgs = append(a.msgs, m)
	}
	return a, nil
}

func argMessage(arg, pos string, stdin io.Reader, c Check) (Message, error) {
	m := Message{Binary: c.Binary, Pos: pos}
	file, ok := strings.CutPrefix(arg, "@")
	switch {
	case !ok:
		m.Data = []byte(arg)
	case file == "-":
		data, err := io.ReadAll(stdin)
		if err != nil {
			return m, &InputError{Pos: pos, Msg: "reading stdin: " + err.Error()}
		}
		m.Data, m.Pos = data, "stdin"
	default:
		st, err := os.Stat(file)
		if err != nil || st.IsDir() {
			if err == nil {
				err = fmt.Errorf("%s is a directory", file)
			}
			return m, &InputError{Pos: pos, Msg: "cannot read " + arg + ": " + reason(err)}
		}
		m.Pos = file
		if st.Size() > streamAbove {
			m.File, m.Size = file, st.Size()
			return m, nil
		}
		if m.Data, err = os.ReadFile(file); err != nil {
			return m, &InputError{Pos: pos, Msg: "cannot read " + arg + ": " + reason(err)}
		}
	}
	return m, nil
}

// NotUTF8 reports whether err refuses a text message for not being UTF-8:
// as a binary message (--binary) it would be sent as it is.
func NotUTF8(err error) bool {
	var u *utf8check.Error
	return errors.As(err, &u)
}

// reason is an error without the file name a *fs.PathError repeats.
func reason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Next returns the next message, going round the list Repeat times.
func (a *Args) Next() (Message, error) {
	if a.i == len(a.msgs)*a.repeat {
		return Message{}, io.EOF
	}
	m := a.msgs[a.i%len(a.msgs)]
	a.i++
	return m, nil
}

// Rewind starts the list again, for a command that sends it more than once.
func (a *Args) Rewind() { a.i = 0 }

// Pending counts the messages not yet sent: all of them are in hand.
func (a *Args) Pending() int { return len(a.msgs)*a.repeat - a.i }

// Ready is true while messages remain.
func (a *Args) Ready() bool { return a.Pending() > 0 }

// Whole yields all of stdin as one message (--whole).
type Whole struct {
	r    *input
	c    Check
	done bool
}

// NewWhole reads r whole when Next is first called.
func NewWhole(r io.Reader, c Check) *Whole { return &Whole{r: newInput(r, "reading stdin"), c: c} }

// MeterInput shows how much of stdin has been read; see Metered. Sending
// the message has a meter of its own (see Writer.Progress).
func (w *Whole) MeterInput(p *format.Printer) (end func()) { return w.r.MeterInput(p) }

// Next returns stdin as one message, then io.EOF.
func (w *Whole) Next() (Message, error) {
	if w.done {
		return Message{}, io.EOF
	}
	w.done = true
	data, err := io.ReadAll(w.r)
	if err != nil {
		return Message{}, err
	}
	m := Message{Data: data, Binary: w.c.Binary, Pos: "stdin"}
	return m, w.c.Message(m)
}

// Pending is zero: nothing is held between calls.
func (w *Whole) Pending() int { return 0 }

// Ready is false: the input must still be read.
func (w *Whole) Ready() bool { return false }

// Paced waits Interval between messages (--interval).
type Paced struct {
	Source
	Interval time.Duration
	// Cancel, when closed, ends the wait: the writer is stopping, and the
	// message comes at once so that it is counted as not sent.
	Cancel  <-chan struct{}
	started bool
}

// Holds is true: each message waits for its interval, so the writer sends
// the one before at once.
func (p *Paced) Holds() bool { return true }

// Next waits the interval, then returns the next message.
func (p *Paced) Next() (Message, error) {
	if p.started {
		t := time.NewTimer(p.Interval)
		select {
		case <-t.C:
		case <-p.Cancel:
			t.Stop()
		}
	}
	p.started = true
	return p.Source.Next()
}
