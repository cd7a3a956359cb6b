package send

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/wsx-cli/wsx/format"
	"github.com/wsx-cli/wsx/internal/utf8check"
)

// Message checks m before it is sent: text must be UTF-8, and with JSON
// every message must be one JSON value, by format.ValidJSON, the check
// listen's --filter and the printer make too. A message nested deeper than
// format.MaxJSONDepth is not JSON, and is refused ("exceeded max depth").
// A file is read through once.
func (c Check) Message(m Message) error {
	if m.File != "" {
		return c.file(m)
	}
	if !c.Binary {
		if err := CheckUTF8(m); err != nil {
			return err
		}
	}
	if c.JSON && !format.ValidJSON(m.Data) {
		return &InputError{Pos: m.Where(), Msg: "not JSON: " + whereNotJSON(m.Data)}
	}
	return nil
}

// whereNotJSON words why data, which format.ValidJSON refused, is not
// JSON, and where: encoding/json finds the byte (it stops there, and it
// does not recurse, so a deep message costs no stack).
func whereNotJSON(data []byte) string {
	var v json.RawMessage
	if err := json.Unmarshal(data, &v); err != nil {
		return jsonError(err)
	}
	return "invalid JSON" // the two disagree; FuzzOneJSONValue looks for such input
}

// file checks a message that will be streamed from disk, without holding it.
func (c Check) file(m Message) error {
	f, err := os.Open(m.File)
	if err != nil {
		return &InputError{Pos: m.Where(), Msg: err.Error()}
	}
	defer f.Close()
	if !c.Binary {
		var u utf8check.Checker
		if _, err := io.Copy(&u, f); err != nil || u.Close() != nil {
			if err == nil {
				err = u.Close()
			}
			return &InputError{Pos: m.Where(), Msg: err.Error(), Err: err}
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return &InputError{Pos: m.Where(), Msg: err.Error()}
		}
	}
	if c.JSON {
		if err := oneJSONValue(f); err != nil {
			return &InputError{Pos: m.Where(), Msg: "not JSON: " + err.Error()}
		}
	}
	return nil
}

// oneJSONValue checks that r holds exactly one JSON value, token by token,
// so that a large file is never held whole. It refuses nesting deeper than
// format.MaxJSONDepth, as format.ValidJSON does for a message in memory and
// in the words encoding/json uses for it; the decoder's Token has no limit
// of its own, and would grow its stack of open brackets to the file's size.
func oneJSONValue(r io.Reader) error {
	dec := json.NewDecoder(r)
	dec.UseNumber() // any number is valid JSON, even one no float64 holds
	depth, values := 0, 0
	for {
		tok, err := dec.Token()
		switch {
		case err == io.EOF && values > 0 && depth == 0:
			return nil
		case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
			return errors.New("unexpected end of JSON input")
		case err != nil:
			return fmt.Errorf("%s at byte %d", shorten(syntaxText(err)), dec.InputOffset())
		case values > 0 && depth == 0:
			return fmt.Errorf("more than one JSON value (the second ends at byte %d)", dec.InputOffset())
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			if depth++; depth > format.MaxJSONDepth {
				return fmt.Errorf("invalid character '%v' exceeded max depth at byte %d", tok, dec.InputOffset()-1)
			}
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			values++
		}
	}
}

// jsonError words an in-memory JSON error with the byte (counted from 0)
// where it was found.
func jsonError(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s at byte %d", shorten(se.Error()), max(se.Offset-1, 0))
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "unexpected end of JSON input"
	}
	return shorten(err.Error())
}

func syntaxText(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return se.Error()
	}
	return err.Error()
}

// shorten keeps an error line readable when it quotes a huge token.
func shorten(s string) string {
	if len(s) > 120 {
		return s[:117] + "..."
	}
	return s
}
