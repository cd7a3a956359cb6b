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
	"unicode/utf8"

	"github.com/wsx-cli/wsx/format"
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

// Batcher is a Source that can hand over, at once, the messages it already
// holds: the writer frames them under one lock, with one check. A wrapper
// that embeds the Source interface (Paced) is not one, so that it keeps
// its say over each message.
type Batcher interface {
	Source
	// NextBatch appends at least one message to dst, as Next returns them,
	// or returns an error as Next does.
	NextBatch(dst []Message) ([]Message, error)
}

// NextBatch is src's NextBatch when it is a Batcher, otherwise one Next.
func NextBatch(src Source, dst []Message) ([]Message, error) {
	if b, ok := src.(Batcher); ok {
		return b.NextBatch(dst)
	}
	m, err := src.Next()
	if err != nil {
		return dst, err
	}
	return append(dst, m), nil
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
	in    *input // the stream, counted for a meter
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
	in := newInput(r, "sending stdin")
	return &Lines{in: in, r: bufio.NewReaderSize(in, 64<<10), delim: delim, unit: unit, check: c}
}

// MeterInput shows how much of the input has been read; see Metered.
func (l *Lines) MeterInput(p *format.Printer) (end func()) { return l.in.MeterInput(p) }

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

// maxBatch bounds a batch: enough to spread the writer's cost per batch
// over many messages, small enough to stay in the cache.
const maxBatch = 1024

// NextBatch appends to dst the lines already read that Next would return
// one by one (at most maxBatch), after one UTF-8 check of them all; when
// none is whole in the buffer it waits for one, as Next does. The Data of
// each is valid until the next call. A line that fails its check ends the
// batch: the lines before it come first, and the next call returns its
// error.
func (l *Lines) NextBatch(dst []Message) ([]Message, error) {
	b, _ := l.r.Peek(l.r.Buffered())
	first, line := len(dst), l.line
	dst, used, _ := l.split(dst, b, false)
	// one check of the batch: the delimiters are ASCII, so the batch is
	// valid UTF-8 exactly when each of its lines is
	if l.check.JSON || !l.check.Binary && !utf8.Valid(b[:used]) {
		l.line = line
		var err error
		if dst, used, err = l.split(dst[:first], b, true); err != nil {
			l.r.Discard(used)
			return dst, err
		}
	}
	l.r.Discard(used)
	if len(dst) > first {
		return dst, nil
	}
	m, err := l.Next() // no whole line in hand: wait for one, of any length
	if err != nil {
		return dst, err
	}
	return append(dst, m), nil
}

// split appends the whole lines of b (at most maxBatch, blank ones
// skipped) to dst, and says how many bytes of b they took. With check,
// each is checked: at the first that fails, the lines before it are the
// batch, or, when it is the first, its error is returned, with the bytes
// up to its end taken.
func (l *Lines) split(dst []Message, b []byte, check bool) ([]Message, int, error) {
	first, used := len(dst), 0
	for len(dst)-first < maxBatch {
		i := bytes.IndexByte(b[used:], l.delim)
		if i < 0 {
			break
		}
		l.line++
		if line := l.trim(b[used : used+i+1]); len(line) > 0 {
			m := Message{Data: line, Binary: l.check.Binary, Unit: l.unit, Line: l.line}
			if check {
				if err := l.check.Message(m); err != nil {
					if len(dst) > first { // the good lines go first
						l.line--
						break
					}
					return dst, used + i + 1, err
				}
			}
			dst = append(dst, m)
		}
		used += i + 1
	}
	return dst, used, nil
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
