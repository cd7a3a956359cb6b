// Command oneshot is the start-up reference: it reads one line from stdin,
// dials, sends the line as one text message, prints the echo, closes, and
// waits for the server's close, in that order, as `wsx send --count 1` does
// (internal/benchref).
//
// Usage: oneshot URL < line
package main

import (
	"log"
	"os"

	"github.com/wsx-cli/wsx/internal/benchref"
)

func main() {
	log.SetFlags(0)
	if len(os.Args) != 2 {
		log.Fatal("usage: oneshot URL < line")
	}
	if err := benchref.Oneshot(os.Args[1], os.Stdin, os.Stdout); err != nil {
		log.Fatal(err)
	}
}
