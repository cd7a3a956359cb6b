// Command reader is a minimal gorilla/websocket reader: it prints each
// incoming message raw plus "\n" on a buffered stdout until the server
// closes, answers the close (gorilla does), flushes and exits: 0 after a
// close 1000, 1 otherwise.
//
// With -utf8 it also does what RFC 6455 §8.1 asks of a client, and the
// plain reader skips: it reads each text message whole and checks that it
// is UTF-8 before printing it, failing on the first that is not. With
// -flush it also writes what its stdout buffer holds before every read
// from the network, which may wait: no message it has read stays unseen
// while it waits (the plain reader holds up to 64 KiB of them until more
// come). Both together are the floor for a client that reads through
// gorilla and keeps both rules, as wsx does. With -tap the connection also
// passes through wsx's wire.Tap, which follows every frame as it arrives
// (for --trace and the close frame as sent): the floor of wsx's design.
//
// Usage: reader [-utf8] [-flush] [-tap] URL > out
package main

import (
	"bufio"
	"context"
	"io"
	"log"
	"net"
	"os"
	"slices"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"github.com/wsx-cli/wsx/internal/wire"
)

func main() {
	log.SetFlags(0)
	checked, flush, tap := false, false, false
	args := os.Args[1:]
	for len(args) > 1 {
		switch args[0] {
		case "-utf8":
			checked = true
		case "-flush":
			flush = true
		case "-tap":
			tap = true
		default:
			log.Fatal("usage: reader [-utf8] [-flush] [-tap] URL > out")
		}
		args = args[1:]
	}
	if len(args) != 1 {
		log.Fatal("usage: reader [-utf8] [-flush] [-tap] URL > out")
	}
	out := bufio.NewWriterSize(os.Stdout, 64<<10)
	d := websocket.Dialer{ReadBufferSize: 64 << 10, WriteBufferSize: 4 << 10}
	if flush || tap {
		d.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			if tap {
				c = wire.NewTap(c)
			}
			if flush {
				c = &flushConn{Conn: c, out: out}
			}
			return c, nil
		}
	}
	ws, _, err := d.Dial(args[0], nil)
	if err != nil {
		log.Fatal(err)
	}
	ws.SetReadLimit(1 << 30)
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

// flushConn flushes out before each read from the network.
type flushConn struct {
	net.Conn
	out *bufio.Writer
}

func (c *flushConn) Read(p []byte) (int, error) {
	if err := c.out.Flush(); err != nil {
		return 0, err
	}
	return c.Conn.Read(p)
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
