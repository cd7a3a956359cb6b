package send

import (
	"io"
	"strconv"
	"strings"
	"sync/atomic"
)

// CmdKind names a slash command typed at the interactive prompt.
type CmdKind string

const (
	CmdPing  CmdKind = "ping"
	CmdClose CmdKind = "close"
	CmdQuit  CmdKind = "quit"
)

// Command is a parsed slash command: "/ping [data]", "/close [code|name]
// [reason]" or "/quit".
type Command struct {
	Kind   CmdKind
	Data   []byte // ping payload
	Code   string // close code as typed; "" for the default
	Reason string
}

// LineReader reads one edited line at a time, as golang.org/x/term's
// Terminal does.
type LineReader interface {
	ReadLine() (string, error)
}

// Prompt is the Source for an interactive terminal: each line typed is a
// message, and lines starting with "/" are commands ("//" sends one "/").
type Prompt struct {
	lines LineReader
	keys  *KeyWatcher
	warn  func(msg string)
	line  int
}

// NewPrompt reads lines from lines; keys tells Ctrl-C from end of input;
// warn reports a mistyped command.
func NewPrompt(lines LineReader, keys *KeyWatcher, warn func(string)) *Prompt {
	return &Prompt{lines: lines, keys: keys, warn: warn}
}

// Next returns the next line or command typed.
func (p *Prompt) Next() (Message, error) {
	for {
		s, err := p.lines.ReadLine()
		if err != nil {
			if p.keys != nil && p.keys.Interrupted() {
				return Message{}, ErrInterrupted
			}
			return Message{}, err
		}
		p.line++
		if s == "" {
			continue
		}
		m := Message{Data: []byte(s), Pos: "input line " + strconv.Itoa(p.line)}
		if strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") {
			c, err := ParseCommand(s)
			if err != nil {
				p.warn(err.Error())
				continue
			}
			m.Cmd = c
		} else if strings.HasPrefix(s, "//") {
			m.Data = m.Data[1:]
		}
		return m, nil
	}
}

// Pending is zero: a terminal holds nothing that has not been typed.
func (p *Prompt) Pending() int { return 0 }

// Ready is false: the next line is whatever the user types next.
func (p *Prompt) Ready() bool { return false }

// ParseCommand reads "/ping [data]", "/close [code|name] [reason]" and "/quit".
func ParseCommand(s string) (*Command, error) {
	name, rest, _ := strings.Cut(strings.TrimPrefix(s, "/"), " ")
	switch name {
	case "ping":
		return &Command{Kind: CmdPing, Data: []byte(rest)}, nil
	case "close":
		code, reason, _ := strings.Cut(strings.TrimSpace(rest), " ")
		return &Command{Kind: CmdClose, Code: code, Reason: strings.TrimSpace(reason)}, nil
	case "quit", "exit", "q":
		return &Command{Kind: CmdQuit}, nil
	}
	return nil, &InputError{Pos: "/" + name, Msg: "unknown command (try /ping [data], /close [code|name] [reason], /quit; // sends a line starting with /)"}
}

// KeyWatcher passes terminal input through and notices Ctrl-C, which a
// terminal in raw mode delivers as a byte instead of a signal.
type KeyWatcher struct {
	r           io.Reader
	interrupted atomic.Bool
}

// NewKeyWatcher watches r.
func NewKeyWatcher(r io.Reader) *KeyWatcher { return &KeyWatcher{r: r} }

func (k *KeyWatcher) Read(b []byte) (int, error) {
	n, err := k.r.Read(b)
	for _, c := range b[:n] {
		if c == 3 {
			k.interrupted.Store(true)
		}
	}
	return n, err
}

// Interrupted reports whether Ctrl-C was pressed.
func (k *KeyWatcher) Interrupted() bool { return k.interrupted.Load() }
