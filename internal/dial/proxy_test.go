package dial

import (
	"strings"
	"testing"

	"github.com/wsx-cli/wsx/internal/wstest"
)

// proxyCase is a URL and the proxy wsx must take for it ("" for none).
type proxyCase struct{ url, want string }

// checkProxies runs proxyFor with --proxy flag and the environment env on
// each case.
func checkProxies(t *testing.T, flag string, env map[string]string, cases []proxyCase) {
	t.Helper()
	getenv := func(k string) string { return env[k] }
	for _, c := range cases {
		tg, err := ParseTarget(c.url)
		if err != nil {
			t.Fatal(err)
		}
		got, err := proxyFor(flag, tg, getenv)
		if err != nil {
			t.Errorf("%s (env %v): %v", c.url, env, err)
			continue
		}
		if (got == nil && c.want != "") || (got != nil && got.String() != c.want) {
			t.Errorf("%s (env %v): proxy %v, want %q", c.url, env, got, c.want)
		}
	}
}

func TestProxyFromEnvironment(t *testing.T) {
	env := map[string]string{"HTTPS_PROXY": "http://secure:3128", "http_proxy": "plain:3128", "NO_PROXY": "internal.example,.corp"}
	checkProxies(t, "", env, []proxyCase{
		{"wss://example.com/", "http://secure:3128"},
		{"ws://example.com/", "http://plain:3128"},
		{"ws://internal.example/", ""},
		{"ws://api.internal.example/", ""}, // a name covers its subdomains
		{"ws://db.corp/", ""},
		{"ws://corp/", "http://plain:3128"}, // .corp: the subdomains only
		{"ws://127.0.0.1:9/", ""},           // loopback is never proxied from the environment
		{"ws://[::1]:9/", ""},
		{"ws://localhost/", ""},
		{"ws://app.localhost/", ""},
	})
	tg, _ := ParseTarget("ws://127.0.0.1/")
	getenv := func(k string) string { return env[k] }
	if got, _ := proxyFor("socks5://p:1080", tg, getenv); got == nil || got.Scheme != "socks5" {
		t.Errorf("--proxy must apply to loopback too, got %v", got)
	}
	tg, _ = ParseTarget("ws://db.corp/")
	if got, _ := proxyFor("socks5h://p:1080", tg, getenv); got == nil || got.Scheme != "socks5h" {
		t.Errorf("--proxy must apply whatever NO_PROXY says, got %v", got)
	}
	if _, err := proxyFor("https://p:443", tg, getenv); err == nil {
		t.Error("https:// proxies are not supported and must be refused")
	}
}

// ALL_PROXY is the fallback for both schemes, as in curl; the lower-case
// name is read before the upper-case one.
func TestProxyAllProxy(t *testing.T) {
	checkProxies(t, "", map[string]string{"ALL_PROXY": "socks5h://all:1080", "HTTPS_PROXY": "http://secure:3128"}, []proxyCase{
		{"wss://example.com/", "http://secure:3128"},
		{"ws://example.com/", "socks5h://all:1080"},
		{"ws://localhost:8765/", ""},
	})
	checkProxies(t, "", map[string]string{"all_proxy": "socks5://all:1080", "NO_PROXY": "example.com"}, []proxyCase{
		{"wss://example.org/", "socks5://all:1080"},
		{"ws://example.org/", "socks5://all:1080"},
		{"ws://www.example.com/", ""},
	})
	checkProxies(t, "", map[string]string{"https_proxy": "http://lower:1", "HTTPS_PROXY": "http://upper:1", "no_proxy": "a.example", "NO_PROXY": "b.example"}, []proxyCase{
		{"wss://example.org/", "http://lower:1"},
		{"wss://a.example/", ""},
		{"wss://b.example/", "http://lower:1"},
	})
}

// NO_PROXY entries as httpproxy (and Go's net/http) reads them: CIDR
// blocks, IP addresses, names, each with or without a port, and *.
func TestNoProxyForms(t *testing.T) {
	env := map[string]string{
		"HTTP_PROXY": "http://p:3128", "HTTPS_PROXY": "http://p:3128",
		"NO_PROXY": "10.0.0.0/8, 192.168.1.7, [2001:db8::1]:8443, fd00::/8, *.intra, EXAMPLE.org:8443, plain.example:80",
	}
	checkProxies(t, "", env, []proxyCase{
		{"ws://10.1.2.3/", ""},
		{"wss://10.255.0.1:9000/", ""},
		{"ws://11.0.0.1/", "http://p:3128"},
		{"ws://192.168.1.7:8080/", ""},
		{"ws://192.168.1.8/", "http://p:3128"},
		{"wss://[2001:db8::1]:8443/", ""},
		{"wss://[2001:db8::1]/", "http://p:3128"}, // the entry's port is 8443, this is 443
		{"ws://[fd00::5]/", ""},
		{"ws://svc.intra/", ""},
		{"ws://intra/", "http://p:3128"}, // *.intra: the subdomains only
		{"wss://example.org:8443/", ""},
		{"wss://api.example.org:8443/", ""},
		{"wss://example.org/", "http://p:3128"},
		{"ws://example.org:8443/", ""},
		{"ws://plain.example/", ""}, // ws:// is port 80 when none is given
		{"wss://plain.example/", "http://p:3128"},
		{"ws://10.example/", "http://p:3128"}, // a CIDR block matches addresses, not names
	})
	checkProxies(t, "", map[string]string{"HTTPS_PROXY": "http://p:3128", "no_proxy": "*"}, []proxyCase{{"wss://example.org/", ""}})
}

// Bad proxy variables are usage errors that name the variable: httpproxy
// alone would drop them and connect directly.
func TestProxyEnvironmentErrors(t *testing.T) {
	tg, _ := ParseTarget("wss://example.org/")
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"HTTPS_PROXY": "http://u:s3cret@:99999"}, "invalid proxy URL in HTTPS_PROXY"},
		{map[string]string{"https_proxy": "http://%zz"}, "invalid proxy URL in https_proxy"},
		{map[string]string{"ALL_PROXY": "ftp://p:21"}, `proxy scheme "ftp" in ALL_PROXY is not supported: use http:// or socks5://`},
	} {
		_, err := proxyFor("", tg, func(k string) string { return c.env[k] })
		if e := wstest.CheckUsage(t, err, c.want); strings.Contains(e.Msg, "s3cret") {
			t.Errorf("%v: %q shows the password", c.env, e.Msg)
		}
	}
}

// Under CGI (REQUEST_METHOD set) HTTP_PROXY may come from a client's Proxy
// header (httpoxy): as in Go's net/http it is refused, not used. HTTPS_PROXY
// and ALL_PROXY cannot come from a header, and still apply.
func TestProxyCGI(t *testing.T) {
	getenv := func(k string) string {
		return map[string]string{"REQUEST_METHOD": "GET", "HTTP_PROXY": "http://evil:3128"}[k]
	}
	tg, _ := ParseTarget("ws://example.org/")
	_, err := proxyFor("", tg, getenv)
	wstest.CheckUsage(t, err, "not using HTTP_PROXY under CGI (REQUEST_METHOD is set): a client may have set it")
	if p, err := proxyFor("http://mine:3128", tg, getenv); err != nil || p.Host != "mine:3128" {
		t.Errorf("--proxy under CGI: %v, %v", p, err)
	}
	checkProxies(t, "", map[string]string{"REQUEST_METHOD": "GET", "HTTPS_PROXY": "http://s:1", "ALL_PROXY": "socks5://a:1"}, []proxyCase{
		{"wss://example.org/", "http://s:1"},
		{"ws://example.org/", "socks5://a:1"},
	})
}
