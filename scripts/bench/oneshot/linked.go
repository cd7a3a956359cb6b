//go:build benchlinked

package main

// Built with -tags benchlinked (scripts/bench.sh), oneshot links every
// package of wsx, unused: what their set-up and a larger binary cost a
// process that does nothing else with them.
import _ "github.com/wsx-cli/wsx/cmd"
