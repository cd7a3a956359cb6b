// Command reader is a minimal gorilla/websocket reader: it prints each
// incoming message raw plus "\n" on a buffered stdout until the server
// closes, answers the close (gorilla does), flushes and exits: 0 after a
// close 1000, 1 otherwise.
//
// Usage: reader URL > out
package main

import (
	"bufio"
	"io"
	"log"
	"os"

	"github.com/gorilla/websocket"
)

func main() {
	log.SetFlags(0)
	if len(os.Args) != 2 {
		log.Fatal("usage: reader URL > out")
	}
	d := websocket.Dialer{ReadBufferSize: 64 << 10, WriteBufferSize: 4 << 10}
	ws, _, err := d.Dial(os.Args[1], nil)
	if err != nil {
		log.Fatal(err)
	}
	ws.SetReadLimit(1 << 30)
	out := bufio.NewWriterSize(os.Stdout, 64<<10)
	for {
		_, r, err := ws.NextReader()
		if err != nil {
			out.Flush()
			if websocket.IsCloseError(err, websocket.CloseNormalClosure) {
				return
			}
			log.Fatal(err)
		}
		if _, err := io.Copy(out, r); err != nil {
			log.Fatal(err)
		}
		out.WriteByte('\n')
	}
}
