// Command tcp is the plain loopback TCP reference for "the same bytes".
//
//	tcp ADDR < data   copies stdin to ADDR with 64 KiB read/write calls (no
//	                  splice or sendfile), half-closes, and waits for the
//	                  peer to close, so that exit means delivered
//	tcp -sink         listens on 127.0.0.1:0, prints "tcp://ADDR", and for
//	                  every connection reads to EOF, prints
//	                  "tcp id=N bytes=B crc32c=C end_ns=T", and closes
package main

import (
	"fmt"
	"hash/crc32"
	"io"
	"log"
	"net"
	"os"
	"strings"
	"time"
)

func main() {
	log.SetFlags(0)
	if len(os.Args) != 2 {
		log.Fatal("usage: tcp ADDR < data | tcp -sink")
	}
	if os.Args[1] == "-sink" {
		sink()
		return
	}
	c, err := net.Dial("tcp", strings.TrimPrefix(os.Args[1], "tcp://"))
	if err != nil {
		log.Fatal(err)
	}
	buf := make([]byte, 64<<10)
	for {
		n, rerr := os.Stdin.Read(buf)
		if n > 0 {
			if _, err := c.Write(buf[:n]); err != nil {
				log.Fatal(err)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			log.Fatal(rerr)
		}
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		log.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.Copy(io.Discard, c); err != nil {
		log.Fatal(err)
	}
}

func sink() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("tcp://%s\n", ln.Addr())
	for id := 1; ; id++ {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go func() {
			defer c.Close()
			h := crc32.New(crc32.MakeTable(crc32.Castagnoli))
			n, err := io.Copy(h, c)
			if err != nil {
				log.Printf("tcp %d: %v", id, err)
			}
			fmt.Printf("tcp id=%d bytes=%d crc32c=%08x end_ns=%d\n", id, n, h.Sum32(), time.Now().UnixNano())
		}()
	}
}
