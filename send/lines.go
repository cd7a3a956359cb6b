// Package send is wsx's outgoing side: it turns stdin, arguments and files
// into messages, writes them in order through the single writer and runs
// wsx's side of the closing handshake.
package send

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"

	"github.com/wsx-cli/wsx/internal/utf8check"
)

// Message is one outgoing message, or an interactive command.
type Message struct {
	Data   []byte
	Binary bool
	Pos    string   // where it came from, for errors: "argument 2"
	Unit   string   // with Line, for input read a line at a time: "line"
	Line   int      // (built into a position only when one is needed)
	Cmd    *Command // set for slash commands typed at the prompt
	// File, when set, is streamed from disk instead of Data (large @FILE
	// messages); Size is its length.
	File string
	Size int64
}

// Where says where the message came from, for errors: "line 3".
func (m Message) Where() string {
	if m.Unit != "" {
		return m.Unit + " " + strconv.Itoa(m.Line)
	}
	return m.Pos
}

// Len is the message's payload size.
func (m Message) Len() int64 {
	if m.File != "" {
		return m.Size
	}
	return int64(len(m.Data))
}

// Source yields messages in order. Next returns io.EOF at the end of input.
// Pending counts messages already read from the operating system but not
// yet returned: they would be lost if the connection ended now. Ready
// reports whether Next will return without waiting for more input.
type Source interface {
	Next() (Message, error)
	Pending() int
	Ready() bool
}

// InputError is input that cannot be sent: wsx refuses it before writing.
type InputError struct {
	Pos string
	Msg string
	Err error // the cause, when there is one: a *utf8check.Error for text that is not UTF-8
}

func (e *InputError) Error() string { return e.Pos + ": " + e.Msg }

// Unwrap returns the cause.
func (e *InputError) Unwrap() error { return e.Err }

// Lines reads one message per line: "\n" or "\r\n" ends a line, blank lines
// are skipped, and a line may be of any length. With another delimiter (NUL
// for --null) it reads records the same way, without the "\r" rule.
type Lines struct {
	r     *bufio.Reader
	buf   []byte
	line  int
	delim byte
	unit  string // "line" or "record", for positions
	check Check
}

// Check says how text is checked before it is sent.
type Check struct {
	Binary bool // binary frames: no check
	JSON   bool // every message must be JSON
}

// NewLines reads lines from r; binary sends them as binary frames and skips
// the UTF-8 check.
func NewLines(r io.Reader, binary bool) *Lines {
	return NewRecords(r, '\n', Check{Binary: binary})
}

// NewRecords reads records ended by delim ('\n' for lines, 0 for --null).
func NewRecords(r io.Reader, delim byte, c Check) *Lines {
	unit := "line"
	if delim != '\n' {
		unit = "record"
	}
	return &Lines{r: bufio.NewReaderSize(r, 64<<10), delim: delim, unit: unit, check: c}
}

// Next returns the next non-blank line. Its Data is valid until the next call.
func (l *Lines) Next() (Message, error) {
	for {
		data, err := l.readLine()
		if len(data) == 0 {
			if err != nil {
				return Message{}, err
			}
			continue
		}
		m := Message{Data: data, Binary: l.check.Binary, Unit: l.unit, Line: l.line}
		return m, l.check.Message(m)
	}
}

// readLine returns one line without its terminator. At the end of input a
// last unterminated line comes with a nil error, then io.EOF.
func (l *Lines) readLine() ([]byte, error) {
	l.line++
	chunk, err := l.r.ReadSlice(l.delim)
	if err == nil || (err == io.EOF && len(chunk) > 0) {
		return l.trim(chunk), nil
	}
	if !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	l.buf = append(l.buf[:0], chunk...)
	for {
		chunk, err = l.r.ReadSlice(l.delim)
		l.buf = append(l.buf, chunk...)
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == nil || err == io.EOF:
			return l.trim(l.buf), nil
		default:
			return nil, err
		}
	}
}

// trim drops the delimiter (and for lines a "\r" before it).
func (l *Lines) trim(b []byte) []byte {
	if l.delim != '\n' {
		return bytes.TrimSuffix(b, []byte{l.delim})
	}
	return trimEOL(b)
}

// trimEOL drops a final "\n" or "\r\n"; a lone "\r" is data.
func trimEOL(b []byte) []byte {
	if !bytes.HasSuffix(b, []byte("\n")) {
		return b
	}
	return bytes.TrimSuffix(b[:len(b)-1], []byte("\r"))
}

// Ready reports whether a whole line is already buffered.
func (l *Lines) Ready() bool {
	b, _ := l.r.Peek(l.r.Buffered())
	return bytes.IndexByte(b, l.delim) >= 0
}

// Pending counts the non-blank lines already buffered.
func (l *Lines) Pending() int {
	b, _ := l.r.Peek(l.r.Buffered())
	n := 0
	for len(b) > 0 {
		i := bytes.IndexByte(b, l.delim)
		if i < 0 {
			break // a partial line: the rest has not been read yet
		}
		if len(l.trim(b[:i+1])) > 0 {
			n++
		}
		b = b[i+1:]
	}
	return n
}

// CheckUTF8 refuses a text message that is not valid UTF-8, naming where.
func CheckUTF8(m Message) error {
	if off := InvalidUTF8(m.Data); off >= 0 {
		u := &utf8check.Error{Offset: int64(off)}
		return &InputError{Pos: m.Where(), Msg: u.Error(), Err: u}
	}
	return nil
}

// InvalidUTF8 returns the offset of the first byte that is not valid UTF-8,
// or -1.
func InvalidUTF8(b []byte) int { return utf8check.FirstInvalid(b) }
