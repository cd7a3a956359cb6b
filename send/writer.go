package send

import (
	"bytes"
	"errors"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsx-cli/wsx/format"
)

// Writer is the single goroutine that writes data frames to a connection.
type Writer struct {
	conn *websocket.Conn
	// Sent is called after each message is written; nil to skip.
	Sent func(m Message)
	// Command runs an interactive command; returning true ends Run. It runs
	// on the writer's goroutine, so a ping it sends keeps its place in line.
	Command func(c *Command) bool
	// Progress, when set, shows meters of big transfers on its meter line:
	// a message over 1 MiB (a @FILE, --whole) as gorilla takes it, and the
	// input of a Metered source (stdin) once over 1 MiB of it has been
	// read. nil: no meter. See session.Options.Progress.
	Progress *format.Printer

	sent  atomic.Int64 // messages written
	bytes atomic.Int64 // their payload bytes

	stopping  chan struct{} // closed by Stop
	inputDone chan struct{} // closed when the input has ended

	flusher        flusher // the Coalescer under the connection, if any
	framer         framer  // the same, when it frames data messages itself
	unflushed      int     // messages gathered since the last flush
	unflushedBytes int64
	batch          []Message // the messages in hand, reused
	payloads       [][]byte  // their Data, for the framer, reused
	one            [1]Message

	mu       sync.Mutex
	stopped  bool
	writing  bool   // a message is in hand: Stop must wait for Run
	endInput func() // ends the meter of Run's input; nil: none
}

// flusher is what the writer needs of a Coalescer.
type flusher interface {
	Start()
	Flush() error
}

// framer is what the writer needs of a Coalescer that frames data
// messages itself (wire.Coalescer.WriteData).
type framer interface {
	flusher
	FramesData() bool
	WriteData(binary bool, payloads [][]byte) (int, error)
	SetDataDeadline(t time.Time)
}

// NewWriter makes the writer for conn. When conn runs over a Coalescer, the
// writer gathers messages while more input is in hand and flushes before it
// waits for input; when the Coalescer frames data itself (no extension
// was agreed), the writer hands it each batch of messages in one call.
func NewWriter(conn *websocket.Conn) *Writer {
	w := &Writer{conn: conn, stopping: make(chan struct{}), inputDone: make(chan struct{})}
	if f, ok := conn.NetConn().(flusher); ok {
		f.Start()
		w.flusher = f
	}
	if f, ok := conn.NetConn().(framer); ok && f.FramesData() {
		w.framer = f
	}
	return w
}

// SetWriteDeadline bounds the writes of data messages, however they are
// framed; zero: no bound.
func (w *Writer) SetWriteDeadline(t time.Time) {
	w.conn.SetWriteDeadline(t)
	if w.framer != nil {
		w.framer.SetDataDeadline(t)
	}
}

// InputDone is closed when Run has read the whole input, before it writes
// what it gathered last: a session may start waiting for the server to take
// it even while that write blocks.
func (w *Writer) InputDone() <-chan struct{} { return w.inputDone }

// Stopping is closed when Stop is called, to end waits in a Source.
func (w *Writer) Stopping() <-chan struct{} { return w.stopping }

// Result says how the writer ended.
type Result struct {
	EOF         bool  // the input ended and every message was written
	Interrupted bool  // the user pressed Ctrl-C at the prompt
	Input       error // input that could not be sent (*InputError) or could not be read
	Write       error // writing to the connection failed
	Quit        *Command
	Messages    int   // messages written
	Bytes       int64 // payload bytes written
	Unsent      int   // messages read but not written
	// Held is the messages Run had read from its source but not written
	// (a write failed, or Stop came first), in order, so that a caller
	// sending the same source on another connection can send them there.
	// Their Data is the source's: valid until the source's next Next.
	Held []Message
}

// ErrInterrupted is returned by a Source when the user pressed Ctrl-C.
var ErrInterrupted = errors.New("interrupted")

// Run writes every message of src in order until the input ends, Stop is
// called, or a write fails.
func (w *Writer) Run(src Source) (r Result) {
	defer w.flushAtEnd(&r)
	w.meterInput(src)
	defer w.endMeter()
	for {
		ready := src.Ready()
		if !ready || holds(src) {
			// the next message may be a while: what was gathered goes now
			if err := w.flush(&r); err != nil {
				r.Write = err
				r.Unsent += src.Pending()
				return r
			}
		}
		if !w.waiting(ready) {
			r.Unsent = src.Pending() // stopped between messages: read no more input
			return r
		}
		var err error
		w.batch, err = NextBatch(src, w.batch[:0])
		switch {
		case err == io.EOF:
			r.EOF = true
			close(w.inputDone)
			return r
		case errors.Is(err, ErrInterrupted):
			r.Interrupted = true
			return r
		case err != nil:
			r.Input = err
			return r
		}
		if !w.begin() {
			r.Unsent = len(w.batch) + src.Pending()
			r.Held = w.batch
			return r
		}
		// writing stays set until the next waiting: a failed write still has
		// its messages in hand until Run returns with the count.
		n, err := w.writeAll(w.batch, &r)
		if err != nil {
			r.Write = err
			r.Unsent = len(w.batch) - n + src.Pending()
			r.Held = w.batch[n:] // a failed write never leaves a whole message on the wire
			return r
		}
		if r.Quit != nil {
			return r
		}
	}
}

// meterInput shows the progress of src's input, if it has one to show.
func (w *Writer) meterInput(src Source) {
	if w.Progress == nil {
		return
	}
	end := MeterInput(src, w.Progress)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.endInput = end
}

// endMeter ends the meter of Run's input: Run has returned, or Stop came
// while it may wait for input that never comes.
func (w *Writer) endMeter() {
	w.mu.Lock()
	end := w.endInput
	w.endInput = nil
	w.mu.Unlock()
	if end != nil {
		end()
	}
}

// writeAll writes msgs in order, and returns how many it wrote: plain
// messages of one kind in a row go to the framer in one call.
func (w *Writer) writeAll(msgs []Message, r *Result) (int, error) {
	for i := 0; i < len(msgs); {
		m := msgs[i]
		if !w.framed(m) {
			if err := w.write(m, r); err != nil {
				return i, err
			}
			i++
			if r.Quit != nil {
				return i, nil
			}
			continue
		}
		j := i + 1
		for j < len(msgs) && w.framed(msgs[j]) && msgs[j].Binary == m.Binary {
			j++
		}
		w.payloads = w.payloads[:0]
		for _, p := range msgs[i:j] {
			w.payloads = append(w.payloads, p.Data)
		}
		n, err := w.framer.WriteData(m.Binary, w.payloads)
		w.wrote(msgs[i:i+n], r)
		if err != nil {
			return i + n, err
		}
		i = j
	}
	return len(msgs), nil
}

// framed reports whether m goes to the framer, with the plain messages
// around it: it is Data (no command, no file), and has no meter of its own.
func (w *Writer) framed(m Message) bool {
	return w.framer != nil && m.Cmd == nil && m.File == "" && !w.metered(m)
}

// metered reports whether m is sent with a meter: it is big, and meters
// are wanted.
func (w *Writer) metered(m Message) bool { return w.Progress != nil && m.Len() > meterAbove }

// wrote counts messages written (gathered, when a flusher is under them).
func (w *Writer) wrote(msgs []Message, r *Result) {
	var bytes int64
	for _, m := range msgs {
		bytes += m.Len()
		if w.Sent != nil {
			w.Sent(m)
		}
	}
	n := len(msgs)
	r.Messages += n
	r.Bytes += bytes
	w.unflushed += n
	w.unflushedBytes += bytes
	w.sent.Add(int64(n))
	w.bytes.Add(bytes)
}

func (w *Writer) write(m Message, r *Result) error {
	if m.Cmd != nil {
		return w.command(m.Cmd, r)
	}
	typ := websocket.TextMessage
	if m.Binary {
		typ = websocket.BinaryMessage
	}
	if m.File != "" || w.metered(m) {
		if err := w.stream(typ, m); err != nil {
			return err
		}
	} else if err := w.conn.WriteMessage(typ, m.Data); err != nil {
		return err
	}
	w.one[0] = m
	w.wrote(w.one[:], r)
	return nil
}

// Written is how many messages, and their bytes, have been written so far.
func (w *Writer) Written() (messages int, bytes int64) {
	return int(w.sent.Load()), w.bytes.Load()
}

// Write sends one message (streaming a File) outside Run, for a caller
// that is itself the connection's only writer.
func (w *Writer) Write(m Message) error {
	var r Result
	w.one[0] = m
	if _, err := w.writeAll(w.one[:], &r); err != nil {
		return err
	}
	return w.flush(&r)
}

// flush writes the gathered frames. If that fails, the messages in them
// were not sent after all.
func (w *Writer) flush(r *Result) error {
	if w.flusher == nil || w.unflushed == 0 {
		return nil
	}
	err := w.flusher.Flush()
	if err != nil {
		r.Messages -= w.unflushed
		r.Bytes -= w.unflushedBytes
		r.Unsent += w.unflushed
		w.sent.Add(-int64(w.unflushed))
		w.bytes.Add(-w.unflushedBytes)
	}
	w.unflushed, w.unflushedBytes = 0, 0
	return err
}

// flushAtEnd sends what Run gathered before it returns.
func (w *Writer) flushAtEnd(r *Result) {
	if err := w.flush(r); err != nil && r.Write == nil {
		r.Write = err
	}
}

// holds reports whether src may hold its next message back even though it
// is in hand (Paced): the writer must not gather across that wait.
func holds(src Source) bool {
	h, ok := src.(interface{ Holds() bool })
	return ok && h.Holds()
}

// stream sends m through gorilla's NextWriter: a File without reading it
// into memory, and with Progress, a meter counting the bytes as gorilla
// takes them.
func (w *Writer) stream(typ int, m Message) error {
	var src io.Reader = bytes.NewReader(m.Data)
	if m.File != "" {
		f, err := os.Open(m.File)
		if err != nil {
			return err
		}
		defer f.Close()
		src = f
	}
	mw, err := w.conn.NextWriter(typ)
	if err != nil {
		return err
	}
	if w.Progress != nil {
		meter := w.Progress.Meter("sending "+m.Where(), m.Len(), 0)
		defer meter.Done()
		src = meter.Reader(src)
	}
	if _, err := io.Copy(mw, src); err != nil {
		return err
	}
	return mw.Close()
}

func (w *Writer) command(c *Command, r *Result) error {
	if w.Command != nil && w.Command(c) {
		r.Quit = c
	}
	return nil
}

// waiting records whether the next message is already in hand (buffered
// input) or must still be waited for; false when the writer was stopped.
func (w *Writer) waiting(inHand bool) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writing = inHand && !w.stopped
	return !w.stopped
}

// begin marks a write in progress; false when the writer was stopped.
func (w *Writer) begin() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writing = !w.stopped
	return !w.stopped
}

// Stop ends Run before its next message. It reports whether Run holds a
// message (being written, or already read): then the caller must wait for
// Run to return, before it writes a close frame and to learn what was not
// sent. Otherwise Run is waiting for input and will write nothing more.
// The meter of Run's input, if one shows, ends now: Run may wait for input
// long after the session has reported its end.
func (w *Writer) Stop() (writing bool) {
	defer w.endMeter()
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.stopped {
		close(w.stopping)
	}
	w.stopped = true
	return w.writing
}
