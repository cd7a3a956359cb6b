// Package autobahn holds wsx's conformance tests: the client cases of the
// Autobahn TestSuite (github.com/crossbario/autobahn-testsuite, sections 1
// to 7 and 9), each played by an in-process raw-frame server against the
// real wsx command (`wsx listen URL`, run through cmd.Main), with the
// suite's frames taken byte for byte from its case files and its
// expectations translated to what a command-line client shows: what it
// prints, the frames it answers with, and its exit status.
//
// The package has no code of its own; the tests are its _test.go files.
package autobahn
