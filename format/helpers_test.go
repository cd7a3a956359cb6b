package format

import (
	"bytes"
	"testing"
	"time"
)

// fixedNow is the clock of every test Printer.
var fixedNow = time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)

// newTest returns a Printer with a fixed clock writing to two buffers.
func newTest(o Options) (*Printer, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	if o.Now == nil {
		o.Now = func() time.Time { return fixedNow }
	}
	return New(&out, &errb, o), &out, &errb
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
