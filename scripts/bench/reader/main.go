// Command reader is a minimal gorilla/websocket reader: it prints each
// incoming message raw plus "\n" on a buffered stdout until the server
// closes, answers the close (gorilla does), flushes and exits: 0 after a
// close 1000, 1 otherwise.
//
// With -utf8 it also does what RFC 6455 §8.1 asks of a client, and the
// plain reader skips: it reads each text message whole and checks that it
// is UTF-8 before printing it, failing on the first that is not. That is
// the floor for a client that reads through gorilla and keeps the rule.
//
// Usage: reader [-utf8] URL > out
package main

import (
	"bufio"
	"io"
	"log"
	"os"
	"slices"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

func main() {
	log.SetFlags(0)
	args := os.Args[1:]
	checked := len(args) == 2 && args[0] == "-utf8"
	if checked {
		args = args[1:]
	}
	if len(args) != 1 {
		log.Fatal("usage: reader [-utf8] URL > out")
	}
	d := websocket.Dialer{ReadBufferSize: 64 << 10, WriteBufferSize: 4 << 10}
	ws, _, err := d.Dial(args[0], nil)
	if err != nil {
		log.Fatal(err)
	}
	ws.SetReadLimit(1 << 30)
	out := bufio.NewWriterSize(os.Stdout, 64<<10)
	buf := make([]byte, 0, 512)
	for {
		typ, r, err := ws.NextReader()
		if err != nil {
			out.Flush()
			if websocket.IsCloseError(err, websocket.CloseNormalClosure) {
				return
			}
			log.Fatal(err)
		}
		if checked {
			if buf, err = readWhole(buf[:0], r); err != nil {
				log.Fatal(err)
			}
			if typ == websocket.TextMessage && !utf8.Valid(buf) {
				log.Fatal("a text message is not UTF-8")
			}
			out.Write(buf)
		} else if _, err := io.Copy(out, r); err != nil {
			log.Fatal(err)
		}
		out.WriteByte('\n')
	}
}

// readWhole appends the rest of r to buf, growing it only when full.
func readWhole(buf []byte, r io.Reader) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, cap(buf))
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}
