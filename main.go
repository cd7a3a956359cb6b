// Command wsx is a command-line WebSocket client: curl and netcat for ws:// and wss://.
package main

import (
	"os"

	"github.com/wsx-cli/wsx/cmd"
)

func main() { os.Exit(cmd.Main(os.Args[1:], cmd.OSEnv())) }
