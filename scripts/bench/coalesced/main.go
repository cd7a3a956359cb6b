// Command coalesced is onewrite with the frames gathered under gorilla:
// the connection is a net.Conn whose writes go into a 64 KiB buffer,
// flushed when stdin has nothing more already read (before a read that
// may block) and before the close. One write(2) carries many frames.
//
// Usage: coalesced URL < lines
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// bufConn gathers writes in a buffer; the handshake goes through it too, so
// it is flushed after every write until the upgrade is done.
type bufConn struct {
	net.Conn
	mu     sync.Mutex
	w      *bufio.Writer
	gather bool
}

func (c *bufConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.w.Write(p)
	if err == nil && !c.gather {
		err = c.w.Flush()
	}
	return n, err
}

func (c *bufConn) Flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.w.Flush()
}

func main() {
	log.SetFlags(0)
	if len(os.Args) != 2 {
		log.Fatal("usage: coalesced URL < lines")
	}
	var bc *bufConn
	d := websocket.Dialer{
		ReadBufferSize:  64 << 10,
		WriteBufferSize: 64 << 10,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			bc = &bufConn{Conn: c, w: bufio.NewWriterSize(c, 64<<10)}
			return bc, nil
		},
	}
	ws, _, err := d.Dial(os.Args[1], nil)
	if err != nil {
		log.Fatal(err)
	}
	bc.mu.Lock()
	bc.gather = true
	bc.mu.Unlock()

	in := bufio.NewReaderSize(os.Stdin, 64<<10)
	var long []byte
	for {
		if in.Buffered() == 0 { // the next read may block: send what we have
			if err := bc.Flush(); err != nil {
				log.Fatal(err)
			}
		}
		line, err := in.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long, line...)
			continue
		}
		if long != nil {
			line = append(long, line...)
			long = nil
		}
		line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
		if len(line) > 0 {
			if werr := ws.WriteMessage(websocket.TextMessage, line); werr != nil {
				log.Fatal(werr)
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
	}
	msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	if err := ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(3*time.Second)); err != nil {
		log.Fatal(err)
	}
	if err := bc.Flush(); err != nil {
		log.Fatal(err)
	}
	bc.mu.Lock()
	bc.gather = false // the close handler's answer, if any, goes out at once
	bc.mu.Unlock()
	drain(ws)
}

// drain prints incoming messages until the server's close frame arrives
// (at most 3s).
func drain(ws *websocket.Conn) {
	ws.SetReadDeadline(time.Now().Add(3 * time.Second))
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
				out.Flush()
				log.Fatal(err)
			}
			return
		}
		fmt.Fprintf(out, "%s\n", data)
	}
}
