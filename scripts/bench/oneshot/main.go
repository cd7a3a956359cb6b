// Command oneshot is the start-up reference: it reads one line from stdin,
// dials, sends the line as one text message, prints the echo, closes, and
// waits for the server's close, in that order, as `wsx send --count 1` does.
//
// Usage: oneshot URL < line
package main

import (
	"bufio"
	"log"
	"os"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

func main() {
	log.SetFlags(0)
	if len(os.Args) != 2 {
		log.Fatal("usage: oneshot URL < line")
	}
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && line == "" {
		log.Fatal(err)
	}
	conn, _, err := websocket.DefaultDialer.Dial(os.Args[1], nil)
	if err != nil {
		log.Fatal(err)
	}
	if err := conn.WriteMessage(websocket.TextMessage, []byte(strings.TrimSuffix(line, "\n"))); err != nil {
		log.Fatal(err)
	}
	_, msg, err := conn.ReadMessage()
	if err != nil {
		log.Fatal(err)
	}
	os.Stdout.Write(append(msg, '\n'))
	bye := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	if err := conn.WriteControl(websocket.CloseMessage, bye, time.Now().Add(3*time.Second)); err != nil {
		log.Fatal(err)
	}
	for {
		if _, _, err := conn.ReadMessage(); err != nil {
			if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
				log.Fatal(err)
			}
			break
		}
	}
	conn.Close()
}
