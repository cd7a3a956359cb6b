package dial

import "testing"

func TestProxyFromEnvironment(t *testing.T) {
	env := map[string]string{"HTTPS_PROXY": "http://secure:3128", "http_proxy": "plain:3128", "NO_PROXY": "internal.example,.corp"}
	getenv := func(k string) string { return env[k] }
	for _, c := range []struct{ url, want string }{
		{"wss://example.com/", "http://secure:3128"},
		{"ws://example.com/", "http://plain:3128"},
		{"ws://internal.example/", ""},
		{"ws://db.corp/", ""},
		{"ws://127.0.0.1:9/", ""}, // loopback is never proxied from the environment
		{"ws://localhost/", ""},
	} {
		tg, err := ParseTarget(c.url)
		if err != nil {
			t.Fatal(err)
		}
		got, err := proxyFor("", tg, getenv)
		if err != nil {
			t.Fatal(err)
		}
		if (got == nil && c.want != "") || (got != nil && got.String() != c.want) {
			t.Errorf("%s: proxy %v, want %q", c.url, got, c.want)
		}
	}
	tg, _ := ParseTarget("ws://127.0.0.1/")
	if got, _ := proxyFor("socks5://p:1080", tg, getenv); got == nil || got.Scheme != "socks5" {
		t.Errorf("--proxy must apply to loopback too, got %v", got)
	}
	if _, err := proxyFor("https://p:443", tg, getenv); err == nil {
		t.Error("https:// proxies are not supported and must be refused")
	}
}
