// TLS as a client: verification, --cacert, -k, and client certificates.

package cmd

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wsx-cli/wsx/internal/exit"
	"github.com/wsx-cli/wsx/serve"
)

// startTLS serves the echo peer over wss with httptest's certificate; it
// returns the URL and the certificate as a PEM file.
func startTLS(t *testing.T, clientCAs *x509.CertPool) (url, caFile string) {
	t.Helper()
	srv := httptest.NewUnstartedServer(serve.New(serve.Options{CloseAfter: -1, DropAfter: -1}))
	if clientCAs != nil {
		srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: clientCAs}
	}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	block := &pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}
	return "wss://" + strings.TrimPrefix(srv.URL, "https://") + "/", writeFile(t, "ca.pem", pem.EncodeToMemory(block))
}

func TestTLSVerification(t *testing.T) {
	url, ca := startTLS(t, nil)

	r := runWsx(&Env{}, "connect", url)
	if r.code != exit.Connect {
		t.Fatalf("self-signed: exit %d, want 3; stderr:\n%s", r.code, r.stderr)
	}
	want := "wsx: error: TLS: the certificate of 127.0.0.1 is signed by an unknown authority\n" +
		"wsx: hint: pass its CA certificate with --cacert FILE, or skip verification with -k (insecure)\n"
	if r.stderr.String() != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", r.stderr, want)
	}

	r = runWsx(&Env{Stdin: strings.NewReader("over tls\n")}, "connect", "--cacert", ca, url)
	if r.code != 0 || r.stdout.String() != "over tls\n" {
		t.Fatalf("--cacert: exit %d, stdout %q; stderr:\n%s", r.code, r.stdout, r.stderr)
	}

	r = runWsx(&Env{}, "connect", "-k", url)
	if r.code != 0 || !strings.HasPrefix(r.stderr.String(), "wsx: warning: TLS certificate verification is off (--insecure)\n") {
		t.Fatalf("-k: exit %d; stderr:\n%s", r.code, r.stderr)
	}
}

func TestTLSClientCertificate(t *testing.T) {
	certFile, keyFile, pool := clientCert(t)
	url, ca := startTLS(t, pool)

	r := runWsx(&Env{}, "connect", "--cacert", ca, url)
	if r.code != exit.Connect || !strings.Contains(r.stderr.String(), "--cert FILE --key FILE") {
		t.Fatalf("no client cert: exit %d, want 3; stderr:\n%s", r.code, r.stderr)
	}
	r = runWsx(&Env{Stdin: strings.NewReader("hi\n")}, "connect", "--cacert", ca, "--cert", certFile, "--key", keyFile, url)
	if r.code != 0 || r.stdout.String() != "hi\n" {
		t.Fatalf("client cert: exit %d; stderr:\n%s", r.code, r.stderr)
	}
}

// clientCert makes a self-signed client certificate and the pool that trusts it.
func clientCert(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "wsx test client"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	keyDER, _ := x509.MarshalECPrivateKey(key)
	certFile = writeFile(t, "client.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	keyFile = writeFile(t, "client.key", pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))
	return certFile, keyFile, pool
}
