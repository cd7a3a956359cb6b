// wsx serve --tls: --cert-out written before the URL, verified with --cacert, and an unwritable --cert-out.

package cmd

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsx-cli/wsx/internal/exit"
)

// wsx serve --tls --cert-out FILE writes the certificate before it prints the
// URL, and connect --cacert FILE verifies the server with it.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	certFile := filepath.Join(dir, "ca.pem")
	sig := make(chan os.Signal, 1)
	stdout, stderr, done := startWsx(&Env{Stdin: strings.NewReader(""), Signals: sig},
		"serve", "127.0.0.1:0", "--tls", "--cert-out", certFile)
	stdout.Wait(t, "\n")
	url := strings.TrimSpace(stdout.String())
	if !strings.HasPrefix(url, "wss://127.0.0.1:") {
		t.Fatalf("stdout %q, want the wss:// URL", url)
	}
	stderr.Wait(t, "serving echo on "+url)
	if want := "certificate written to " + certFile + "\nserving echo on " + url; !strings.HasPrefix(stderr.String(), want) {
		t.Errorf("stderr:\n%s\nwant it to start with:\n%s", stderr, want)
	}

	data, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	block, rest := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" || len(rest) != 0 {
		t.Fatalf("%s holds %q, want one PEM certificate", certFile, data)
	}
	if cert, err := x509.ParseCertificate(block.Bytes); err != nil || cert.Subject.CommonName != "wsx serve" {
		t.Fatalf("certificate %v, %v: want CN wsx serve", cert, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%s holds %d files, want only ca.pem (no temporary file left)", dir, len(entries))
	}

	r := runWsx(&Env{Stdin: strings.NewReader("over wss\n")}, "connect", "--cacert", certFile, url)
	if r.code != 0 || r.stdout.String() != "over wss\n" {
		t.Fatalf("connect --cacert: exit %d, stdout %q; stderr:\n%s", r.code, r.stdout, r.stderr)
	}
	stderr.Wait(t, "conn 1: closed by client: 1000; received 1 message, 8 bytes, in order")

	sig <- os.Interrupt
	if code := waitExit(t, done); code != exit.Interrupt {
		t.Fatalf("serve exit %d, want 130", code)
	}
}

// A --cert-out that cannot be written fails with the file's name, not the
// temporary file's, and serve stops.
func TestServeCertOutUnwritable(t *testing.T) {
	certFile := filepath.Join(t.TempDir(), "missing", "ca.pem")
	r := runWsx(&Env{}, "serve", "127.0.0.1:0", "--tls", "--cert-out", certFile)
	want := "wsx: error: cannot write --cert-out: open " + certFile + ": no such file or directory\n"
	if r.code != exit.Usage || r.stderr.String() != want || r.stdout.String() != "" {
		t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant exit 2 and:\n%s", r.code, r.stdout, r.stderr, want)
	}
}
