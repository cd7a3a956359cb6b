// Command onewrite is the least a Go program must do to send each stdin
// line as one text message with gorilla/websocket: WriteMessage per line,
// so every frame costs one write(2). At the end of stdin it closes with
// 1000, prints what arrives (raw, one message a line) until the server's
// close frame (at most 3s), and exits 0.
//
// Usage: onewrite URL < lines
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/gorilla/websocket"
)

func main() {
	log.SetFlags(0)
	if len(os.Args) != 2 {
		log.Fatal("usage: onewrite URL < lines")
	}
	d := websocket.Dialer{ReadBufferSize: 64 << 10, WriteBufferSize: 64 << 10}
	ws, _, err := d.Dial(os.Args[1], nil)
	if err != nil {
		log.Fatal(err)
	}
	in := bufio.NewReaderSize(os.Stdin, 64<<10)
	var long []byte
	for {
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
	closeAndDrain(ws)
}

// closeAndDrain sends close 1000 and prints incoming messages until the
// server's close frame arrives (at most 3s).
func closeAndDrain(ws *websocket.Conn) {
	msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	if err := ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(3*time.Second)); err != nil {
		log.Fatal(err)
	}
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
