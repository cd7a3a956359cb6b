package cmd

import (
	"bufio"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/wsx-cli/wsx/internal/dial"
	"github.com/wsx-cli/wsx/internal/exit"
	"github.com/wsx-cli/wsx/serve"
)

// Security: secrets are never shown unless asked for, credentials over
// ws:// to another host are warned about, TLS is verified. Already tested
// elsewhere: -v redaction of Authorization and Cookie for connect
// (connect_headers.txtar), URL passwords in usage errors
// (usage_fixed.txtar), TLS verification, --cacert, -k and client
// certificates (tls_test.go, probe_tls.txtar, serve_tls.txtar), http and
// socks5 proxies (proxy_test.go).

const secretMark = "s3cret"

// checkNoSecret fails the test when secretMark shows on stdout or stderr.
func checkNoSecret(t *testing.T, what string, outs ...string) {
	t.Helper()
	for _, o := range outs {
		if strings.Contains(o, secretMark) {
			t.Errorf("%s: the secret is shown:\n%s", what, o)
		}
	}
}

// Every command that connects, in -v and jsonl output, with every kind of
// credential: the secret appears on neither stream; -v shows each header
// redacted, and --show-secrets shows it.
func TestSecretsRedacted(t *testing.T) {
	_, url, _ := startServer(t, serve.Options{Greet: []serve.Message{{Data: []byte(`{"hi":1}`)}}})
	host := strings.TrimSuffix(strings.TrimPrefix(url, "ws://"), "/")
	basic := func(userpass string) string { return base64.StdEncoding.EncodeToString([]byte(userpass)) }
	for _, c := range []struct {
		name     string
		args     []string // before the URL
		url      string
		redacted string // the -v request line
		shown    string // the same with --show-secrets
	}{
		{"Authorization", []string{"-H", "Authorization: Bearer " + secretMark}, url,
			"> Authorization: Bearer [redacted]", "> Authorization: Bearer " + secretMark},
		{"lower-case authorization", []string{"-H", "authorization: Bearer " + secretMark}, url,
			"> Authorization: Bearer [redacted]", "> Authorization: Bearer " + secretMark},
		{"Proxy-Authorization", []string{"-H", "Proxy-Authorization: Basic " + secretMark}, url,
			"> Proxy-Authorization: Basic [redacted]", "> Proxy-Authorization: Basic " + secretMark},
		{"Cookie", []string{"-H", "Cookie: session=" + secretMark}, url,
			"> Cookie: [redacted]", "> Cookie: session=" + secretMark},
		{"-u", []string{"-u", "bob:" + secretMark}, url,
			"> Authorization: Basic [redacted]", "> Authorization: Basic " + basic("bob:"+secretMark)},
		{"URL password", nil, "ws://bob:" + secretMark + "@" + host + "/",
			"> Authorization: Basic [redacted]", "> Authorization: Basic " + basic("bob:"+secretMark)},
	} {
		for _, command := range []string{"connect", "send", "listen", "probe"} {
			args := append([]string{command, "-v"}, c.args...)
			if command == "probe" {
				args = append(args, "--format", "json")
			} else {
				args = append(args, "-f", "jsonl", "-n", "1")
			}
			r := runWsx(&Env{}, append(args, c.url)...)
			what := c.name + ", " + command
			if r.code != 0 {
				t.Errorf("%s: exit %d; stderr:\n%s", what, r.code, r.stderr)
			}
			checkNoSecret(t, what, r.stdout.String(), r.stderr.String())
			if !strings.Contains(r.stderr.String(), "\n"+c.redacted+"\n") {
				t.Errorf("%s: no %q line; stderr:\n%s", what, c.redacted, r.stderr)
			}
			if strings.Contains(r.stdout.String()+r.stderr.String(), "bob:") {
				t.Errorf("%s: the user's credentials are shown:\nstdout:\n%s\nstderr:\n%s", what, r.stdout, r.stderr)
			}
			r = runWsx(&Env{}, append(append(args, "--show-secrets"), c.url)...)
			if r.code != 0 || !strings.Contains(r.stderr.String(), "\n"+c.shown+"\n") {
				t.Errorf("%s --show-secrets: exit %d, no %q line; stderr:\n%s", what, r.code, c.shown, r.stderr)
			}
		}
	}
}

// Secrets the server sends (Set-Cookie on the 101, or on a refusal) are
// redacted too, and a refusal's error lines carry none.
func TestServerSecretsRedacted(t *testing.T) {
	up := &websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/refuse" {
			w.Header().Set("Set-Cookie", "session="+secretMark)
			w.Header().Set("WWW-Authenticate", `Bearer realm="wsx"`)
			http.Error(w, "no entry", http.StatusUnauthorized)
			return
		}
		c, err := up.Upgrade(w, r, http.Header{"Set-Cookie": {"session=" + secretMark}})
		if err != nil {
			return
		}
		defer c.Close()
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	url := "ws" + strings.TrimPrefix(srv.URL, "http")

	r := runWsx(&Env{}, "connect", "-v", url+"/")
	if r.code != 0 || !strings.Contains(r.stderr.String(), "\n< Set-Cookie: [redacted]\n") {
		t.Errorf("101: exit %d; stderr:\n%s", r.code, r.stderr)
	}
	checkNoSecret(t, "101", r.stdout.String(), r.stderr.String())

	r = runWsx(&Env{}, "connect", "-v", url+"/refuse")
	if r.code != exit.Upgrade || !strings.Contains(r.stderr.String(), "\n< Set-Cookie: [redacted]\n") ||
		!strings.Contains(r.stderr.String(), "wsx: error: upgrade refused: HTTP 401 Unauthorized\n") {
		t.Errorf("401: exit %d; stderr:\n%s", r.code, r.stderr)
	}
	checkNoSecret(t, "401", r.stdout.String(), r.stderr.String())
}

// Passwords in URLs are hidden in errors, even when the password holds an
// "@" (userinfo ends at the last "@" before the host).
func TestURLPasswordInErrors(t *testing.T) {
	for _, c := range []struct{ url, want string }{
		{"ws://bob:" + secretMark + "@h:99999/", `invalid URL "ws://bob:xxxxx@h:99999/": bad port "99999"`},
		{"ws://bob:" + secretMark + "/x@h:99999/", `invalid URL "ws://bob:xxxxx@h:99999/"`}, // the parser fails on the "/"
		{"ws://bob:" + secretMark + "@127.0.0.1:1/", `connection refused by 127\.0\.0\.1:1`},
		{"ws://bob:p@" + secretMark + "@h:99999/", `invalid URL "ws://bob:xxxxx@h:99999/": bad port "99999"`},
	} {
		r := runWsx(&Env{}, "connect", c.url)
		if !regexp.MustCompile(`(?m)^wsx: error: `+c.want+`$`).MatchString(r.stderr.String()) || strings.Contains(r.stderr.String(), secretMark) {
			t.Errorf("%s: exit %d; stderr:\n%s", c.url, r.code, r.stderr)
		}
	}
}

// Proxy URLs carry credentials too: errors about the proxy name it with
// the password hidden, whether it came from --proxy or the environment.
func TestProxyCredentialsRedacted(t *testing.T) {
	refusing, _ := startProxy(t, func(c net.Conn, br *bufio.Reader) (string, bool) {
		http.ReadRequest(br)
		io.WriteString(c, "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
		return "", false
	})
	noMethodSocks, _ := startProxy(t, socks5NoMethod)
	wrongPassSocks, _ := startProxy(t, socks5WrongPassword)
	_, target, _ := startServer(t, serve.Options{})
	targetHost := strings.TrimSuffix(strings.TrimPrefix(target, "ws://"), "/")
	for _, c := range []struct {
		name   string
		args   []string
		getenv map[string]string
		want   string
	}{
		{"refused dial", []string{"--proxy", "http://pu:" + secretMark + "@127.0.0.1:1", target}, nil,
			`proxy http://pu:xxxxx@127\.0\.0\.1:1: dial tcp 127\.0\.0\.1:1: connect: connection refused`},
		{"407", []string{"--proxy", "http://pu:" + secretMark + "@" + refusing, target}, nil,
			`proxy http://pu:xxxxx@` + regexp.QuoteMeta(refusing) + `: CONNECT ` + regexp.QuoteMeta(targetHost) + ` refused: 407 Proxy Authentication Required`},
		{"socks5 method", []string{"--proxy", "socks5://pu:" + secretMark + "@" + noMethodSocks, target}, nil,
			`proxy socks5://pu:xxxxx@` + regexp.QuoteMeta(noMethodSocks) + `: socks5 proxy refused our authentication method`},
		{"socks5 password", []string{"--proxy", "socks5h://pu:" + secretMark + "@" + wrongPassSocks, target}, nil,
			`proxy socks5h://pu:xxxxx@` + regexp.QuoteMeta(wrongPassSocks) + `: socks5 proxy refused the user name and password`},
		{"HTTPS_PROXY", []string{"--connect-timeout", "5s", "wss://wsx-test.invalid/"}, map[string]string{"HTTPS_PROXY": "http://pu:" + secretMark + "@127.0.0.1:1"},
			`proxy http://pu:xxxxx@127\.0\.0\.1:1: dial tcp 127\.0\.0\.1:1: connect: connection refused`},
	} {
		env := &Env{Getenv: func(k string) string { return c.getenv[k] }}
		r := runWsx(env, append([]string{"connect", "-v"}, c.args...)...)
		if r.code != exit.Connect || !regexp.MustCompile(`(?m)^wsx: error: `+c.want+`$`).MatchString(r.stderr.String()) {
			t.Errorf("%s: exit %d; stderr:\n%s", c.name, r.code, r.stderr)
		}
		checkNoSecret(t, c.name, r.stdout.String(), r.stderr.String())
	}
}

// startRedirectProxy is an HTTP CONNECT proxy that tunnels every request
// to target, whatever host it names, and records the names: wsx can then
// talk to a host name that is not loopback while the bytes stay on this
// machine.
func startRedirectProxy(t *testing.T, target string) (addr string, asked func() []string) {
	var mu sync.Mutex
	var names []string
	addr, _ = startProxy(t, func(c net.Conn, br *bufio.Reader) (string, bool) {
		req, err := http.ReadRequest(br)
		if err != nil || req.Method != http.MethodConnect {
			return "", false
		}
		mu.Lock()
		names = append(names, req.Host)
		mu.Unlock()
		io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n")
		return target, true
	})
	return addr, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), names...)
	}
}

// Credentials over ws:// to a host that is not loopback are warned about
// (they travel in clear text); to loopback, or over wss://, they are not.
// The non-loopback host is reached through a proxy that tunnels to a local
// server, so the whole session runs.
func TestClearTextCredentialsWarning(t *testing.T) {
	_, plain, _ := startServer(t, serve.Options{})
	proxy, asked := startRedirectProxy(t, strings.TrimSuffix(strings.TrimPrefix(plain, "ws://"), "/"))
	tlsURL, _ := startTLS(t, nil)
	tlsProxy, _ := startRedirectProxy(t, strings.TrimSuffix(strings.TrimPrefix(tlsURL, "wss://"), "/"))
	port := plain[strings.LastIndex(plain, ":")+1 : len(plain)-1]
	warning := "wsx: warning: credentials are sent in clear text over ws:// to wsx-test.example; use wss://\n"
	for _, c := range []struct {
		name string
		args []string
		warn bool
	}{
		{"URL password", []string{"--proxy", "http://" + proxy, "ws://bob:" + secretMark + "@wsx-test.example/"}, true},
		{"-u", []string{"--proxy", "http://" + proxy, "-u", "bob:" + secretMark, "ws://wsx-test.example/"}, true},
		{"-u with an empty password", []string{"--proxy", "http://" + proxy, "-u", "bob:", "ws://wsx-test.example/"}, true},
		{"Authorization", []string{"--proxy", "http://" + proxy, "-H", "Authorization: Bearer " + secretMark, "ws://wsx-test.example/"}, true},
		{"Cookie", []string{"--proxy", "http://" + proxy, "-H", "Cookie: id=" + secretMark, "ws://wsx-test.example/"}, true},
		{"no credentials", []string{"--proxy", "http://" + proxy, "-H", "X-Trace: 1", "ws://wsx-test.example/"}, false},
		{"wss", []string{"--proxy", "http://" + tlsProxy, "-k", "-u", "bob:" + secretMark, "wss://wsx-test.example/"}, false},
		{"localhost", []string{"-u", "bob:" + secretMark, "ws://localhost:" + port + "/"}, false},
		{"127.0.0.1", []string{"-u", "bob:" + secretMark, plain}, false},
	} {
		r := runWsx(&Env{Stdin: strings.NewReader("hello\n")}, append([]string{"connect"}, c.args...)...)
		if r.code != 0 || r.stdout.String() != "hello\n" {
			t.Errorf("%s: exit %d, stdout %q; stderr:\n%s", c.name, r.code, r.stdout, r.stderr)
		}
		if got := strings.Contains(r.stderr.String(), warning); got != c.warn {
			t.Errorf("%s: warning %v, want %v; stderr:\n%s", c.name, got, c.warn, r.stderr)
		}
		if strings.Contains(r.stderr.String(), "clear text") != c.warn {
			t.Errorf("%s: stderr:\n%s", c.name, r.stderr)
		}
		checkNoSecret(t, c.name, r.stdout.String(), r.stderr.String())
	}
	if names := asked(); len(names) == 0 || names[0] != "wsx-test.example:80" {
		t.Errorf("the proxy was asked for %q, want wsx-test.example:80", names)
	}
}

// The rule behind the warning: loopback is decided from the name or
// address in the URL, without resolving it.
func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LocalHost": true, "app.localhost": true,
		"127.0.0.1": true, "127.1.2.3": true, "::1": true, "0:0:0:0:0:0:0:1": true,
		"example.com": false, "localhost.example.com": false, "mylocalhost": false,
		"10.0.0.1": false, "192.168.1.1": false, "0.0.0.0": false, "::": false, "::ffff:8.8.8.8": false,
		"": false,
	} {
		if got := dial.IsLoopback(host); got != want {
			t.Errorf("dial.IsLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}

// TLS is verified by default for every command that connects: a
// self-signed server fails with exit 3 and a hint naming --cacert and -k;
// a certificate for another name fails the same way; a client certificate
// the server does not trust is refused with a hint.
func TestTLSFailures(t *testing.T) {
	url, ca := startTLS(t, nil)
	selfSigned := "wsx: error: TLS: the certificate of 127.0.0.1 is signed by an unknown authority\n" +
		"wsx: hint: pass its CA certificate with --cacert FILE, or skip verification with -k (insecure)\n"
	for _, command := range []string{"send", "listen"} {
		r := runWsx(&Env{}, command, url)
		if r.code != exit.Connect || r.stderr.String() != selfSigned || r.stdout.String() != "" {
			t.Errorf("%s: exit %d; stderr:\n%s", command, r.code, r.stderr)
		}
	}
	r := runWsx(&Env{}, "probe", url)
	if r.code != exit.Connect || !strings.Contains(r.stdout.String()+r.stderr.String(), "--cacert") {
		t.Errorf("probe: exit %d; stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}

	other := "wss://localhost:" + url[strings.LastIndex(url, ":")+1:] // the certificate names 127.0.0.1, ::1 and example.com
	r = runWsx(&Env{}, "connect", "--cacert", ca, other)
	mismatch := regexp.MustCompile(`\Awsx: error: TLS: the certificate is not valid for localhost: .+\nwsx: hint: check the host name in the URL, or skip verification with -k \(insecure\)\n\z`)
	if r.code != exit.Connect || !mismatch.MatchString(r.stderr.String()) {
		t.Errorf("other name: exit %d; stderr:\n%s", r.code, r.stderr)
	}

	_, _, pool := clientCert(t)
	stranger, strangerKey, _ := clientCert(t) // not in the server's pool
	mtls, mtlsCA := startTLS(t, pool)
	r = runWsx(&Env{}, "connect", "--cacert", mtlsCA, "--cert", stranger, "--key", strangerKey, mtls)
	refused := regexp.MustCompile(`\Awsx: error: TLS: the server refused the connection: tls: .+\nwsx: hint: the server did not accept the client certificate given with --cert\n\z`)
	if r.code != exit.Connect || !strings.HasPrefix(r.stderr.String(), "wsx: error: TLS: the server refused the connection: tls: ") {
		t.Fatalf("untrusted client certificate: exit %d; stderr:\n%s", r.code, r.stderr)
	}
	if !refused.MatchString(r.stderr.String()) {
		t.Errorf("a client certificate refused with the alert 'unknown certificate authority' gets no hint; stderr:\n%s", r.stderr)
	}
}
