// Command server is the WebSocket peer of scripts/bench.sh. It listens on
// 127.0.0.1:0, prints its URL, and serves:
//
//	/sink?id=X[&order=1]   counts messages; one report line per connection
//	/blast?n=N&size=S      sends N text messages (json=1: JSON ones), closes 1000
//	/big?size=S            sends one text message of S bytes, closes 1000
//	/echo                  echoes every message
//
// A sink prints "open id=X" when the upgrade is done. Its report looks like
//
//	sink id=X msgs=3 bytes=6 crc32c=... order=ok close=1000 end_ns=...
//
// where crc32c (Castagnoli: cheap, so the sink keeps up) covers each
// message followed by "\n", so it equals that of the input file when every
// line was one message (`server -sum < FILE` prints it); order is ok
// when message i was the decimal i (order=1 only), close is the code of the
// client's close frame (1006: none) and end_ns is when the connection
// ended, in Unix nanoseconds.
//
// Frames the server sends are gathered under gorilla by a buffered
// net.Conn, so that the server is never the bottleneck.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

var upgrader = websocket.Upgrader{ReadBufferSize: 64 << 10, WriteBufferSize: 64 << 10}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func main() {
	if len(os.Args) == 2 && os.Args[1] == "-sum" {
		h := crc32.New(castagnoli)
		if _, err := io.Copy(h, os.Stdin); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%08x\n", h.Sum32())
		return
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("ws://%s\n", ln.Addr())
	mux := http.NewServeMux()
	mux.HandleFunc("/sink", sink)
	mux.HandleFunc("/blast", blast)
	mux.HandleFunc("/big", big)
	mux.HandleFunc("/echo", echo)
	log.Fatal(http.Serve(bufListener{ln}, mux))
}

// bufConn writes through until buffering is turned on (after the upgrade);
// then writes gather in a 64 KiB buffer until Flush or the buffer is full.
type bufConn struct {
	net.Conn
	mu sync.Mutex
	w  *bufio.Writer
}

func (c *bufConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.w == nil {
		return c.Conn.Write(p)
	}
	return c.w.Write(p)
}

func (c *bufConn) buffer() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.w = bufio.NewWriterSize(c.Conn, 64<<10)
}

func (c *bufConn) Flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.w.Flush()
}

type bufListener struct{ net.Listener }

func (l bufListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &bufConn{Conn: c}, nil
}

func upgrade(w http.ResponseWriter, r *http.Request) *websocket.Conn {
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		log.Print(err)
		return nil
	}
	ws.SetReadLimit(4 << 30)
	return ws
}

func sink(w http.ResponseWriter, r *http.Request) {
	ws := upgrade(w, r)
	if ws == nil {
		return
	}
	defer ws.Close()
	fmt.Printf("open id=%s\n", r.URL.Query().Get("id"))
	checkOrder := r.URL.Query().Get("order") == "1"
	h := crc32.New(castagnoli)
	var msgs, size int64
	order := "n/a"
	if checkOrder {
		order = "ok"
	}
	var num, want []byte
	buf := make([]byte, 64<<10)
	code := websocket.CloseAbnormalClosure
	for {
		_, mr, err := ws.NextReader()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				code = ce.Code
			} else {
				log.Printf("sink %s: %v", r.URL.Query().Get("id"), err)
			}
			break
		}
		msgs++
		num = num[:0]
		for err == nil {
			var n int
			n, err = mr.Read(buf)
			h.Write(buf[:n])
			size += int64(n)
			if checkOrder && len(num) < 32 {
				num = append(num, buf[:n]...)
			}
		}
		if err != io.EOF {
			log.Printf("sink %s: message %d: %v", r.URL.Query().Get("id"), msgs, err)
			break
		}
		h.Write(newline)
		if checkOrder && order == "ok" {
			if want = strconv.AppendInt(want[:0], msgs, 10); !bytes.Equal(num, want) {
				order = fmt.Sprintf("bad@%d", msgs)
			}
		}
	}
	end := time.Now().UnixNano()
	fmt.Printf("sink id=%s msgs=%d bytes=%d crc32c=%08x order=%s close=%d end_ns=%d\n",
		r.URL.Query().Get("id"), msgs, size, h.Sum32(), order, code, end)
}

var newline = []byte("\n")

func blast(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	n, _ := strconv.Atoi(q.Get("n"))
	size, _ := strconv.Atoi(q.Get("size"))
	isJSON := q.Get("json") == "1"
	ws := upgrade(w, r)
	if ws == nil {
		return
	}
	bc := ws.NetConn().(*bufConn)
	bc.buffer()
	var msg []byte
	for i := 1; i <= n; i++ {
		if isJSON {
			msg = fmt.Appendf(msg[:0], `{"n":%d,"s":"%0*d"}`, i, max(size-16, 1), i)
		} else {
			msg = fmt.Appendf(msg[:0], "%0*d", size, i)
		}
		if err := ws.WriteMessage(websocket.TextMessage, msg); err != nil {
			log.Printf("blast: %v", err)
			ws.Close()
			return
		}
	}
	finish(ws, bc)
}

func big(w http.ResponseWriter, r *http.Request) {
	size, _ := strconv.Atoi(r.URL.Query().Get("size"))
	ws := upgrade(w, r)
	if ws == nil {
		return
	}
	bc := ws.NetConn().(*bufConn)
	bc.buffer()
	mw, err := ws.NextWriter(websocket.TextMessage)
	if err != nil {
		log.Print(err)
		return
	}
	chunk := bytes.Repeat([]byte("a"), 64<<10)
	for left := size - 1; left > 0; left -= len(chunk) {
		if _, err := mw.Write(chunk[:min(left, len(chunk))]); err != nil {
			log.Printf("big: %v", err)
			ws.Close()
			return
		}
	}
	if size > 0 {
		mw.Write([]byte("z"))
	}
	if err := mw.Close(); err != nil {
		log.Printf("big: %v", err)
	}
	finish(ws, bc)
}

// finish sends close 1000, flushes, and waits (at most 10s) for the
// client's close frame.
func finish(ws *websocket.Conn, bc *bufConn) {
	defer ws.Close()
	ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(1000, ""))
	if err := bc.Flush(); err != nil {
		log.Printf("flush: %v", err)
		return
	}
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		if _, _, err := ws.NextReader(); err != nil {
			return
		}
	}
}

func echo(w http.ResponseWriter, r *http.Request) {
	ws := upgrade(w, r)
	if ws == nil {
		return
	}
	defer ws.Close()
	for {
		t, msg, err := ws.ReadMessage()
		if err != nil {
			return
		}
		if err := ws.WriteMessage(t, msg); err != nil {
			return
		}
	}
}
