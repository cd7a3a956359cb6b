// Package benchref is the start-up reference of scripts/bench.sh, shared by
// the two programs that run it: scripts/bench/oneshot, a plain gorilla
// client, and wsx built with the benchfloor tag (cmd/floor.go), which runs it
// after wsx's own start.
package benchref

import (
	"bufio"
	"io"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

// Oneshot reads one line from in, dials url, sends the line as one text
// message, writes the echo and a newline to out, closes with 1000 and waits
// for the server's close, in that order, as `wsx send --count 1` does.
func Oneshot(url string, in io.Reader, out io.Writer) error {
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && line == "" {
		return err
	}
	conn, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.WriteMessage(websocket.TextMessage, []byte(strings.TrimSuffix(line, "\n"))); err != nil {
		return err
	}
	_, msg, err := conn.ReadMessage()
	if err != nil {
		return err
	}
	if _, err := out.Write(append(msg, '\n')); err != nil {
		return err
	}
	bye := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	if err := conn.WriteControl(websocket.CloseMessage, bye, time.Now().Add(3*time.Second)); err != nil {
		return err
	}
	for {
		if _, _, err := conn.ReadMessage(); err != nil {
			if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
				return err
			}
			return nil
		}
	}
}
