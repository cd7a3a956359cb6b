package benchref

import (
	"bytes"
	"strings"
	"testing"

	"github.com/wsx-cli/wsx/serve"
)

// The reference does the whole of its work against an echo server: the
// echo printed, and a clean close (an error otherwise), as a start-up row
// of bench.sh counts on.
func TestOneshot(t *testing.T) {
	srv := serve.New(serve.Options{CloseAfter: -1, DropAfter: -1})
	url, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var out bytes.Buffer
	if err := Oneshot(url, strings.NewReader("hi\n"), &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != "hi\n" {
		t.Fatalf("printed %q, want the echo %q", out.String(), "hi\n")
	}
}

// A server that closes with another code than 1000 is an error: a
// reference that did not end as wsx must is not counted.
func TestOneshotCloseCode(t *testing.T) {
	srv := serve.New(serve.Options{CloseAfter: 1, CloseCode: 1011, DropAfter: -1})
	url, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var out bytes.Buffer
	if err := Oneshot(url, strings.NewReader("hi\n"), &out); err == nil {
		t.Fatalf("no error for a close with 1011; printed %q", out.String())
	}
}
