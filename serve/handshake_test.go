package serve

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

func TestProtocol(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		server  []string
		force   string
		offer   []string
		headers []string // separate Sec-WebSocket-Protocol header lines
		want    string
	}{
		{"client order wins", []string{"chat", "superchat"}, "", []string{"superchat", "chat"}, nil, "superchat"},
		{"first match", []string{"chat", "superchat"}, "", []string{"x", "chat"}, nil, "chat"},
		{"no match", []string{"chat"}, "", []string{"x"}, nil, ""},
		{"server accepts none", nil, "", []string{"chat"}, nil, ""},
		{"client offers none", []string{"chat"}, "", nil, nil, ""},
		{"header lines", []string{"b"}, "", nil, []string{"a", "b"}, "b"},
		{"forced", []string{"chat"}, "bogus", []string{"chat"}, nil, "bogus"},
		{"forced unoffered", nil, "bogus", nil, nil, "bogus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := defaults()
			o.Protocols, o.ForceProtocol = tt.server, tt.force
			s, url, lb := start(t, o)
			d := websocket.Dialer{HandshakeTimeout: failsafe, Subprotocols: tt.offer}
			h := http.Header{}
			for _, p := range tt.headers {
				h.Add("Sec-WebSocket-Protocol", p)
			}
			c, resp, err := d.Dial(url, h)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if got := resp.Header.Values("Sec-WebSocket-Protocol"); len(got) > 1 {
				t.Errorf("answer has %d protocol headers", len(got))
			}
			if c.Subprotocol() != tt.want {
				t.Errorf("client got subprotocol %q, want %q", c.Subprotocol(), tt.want)
			}
			closeClient(t, c)
			if st := next(t, s); st.Subprotocol != tt.want {
				t.Errorf("stats have subprotocol %q, want %q", st.Subprotocol, tt.want)
			}
			want := fmt.Sprintf("conn 1: open from %s (subprotocol: %s)\n", c.LocalAddr(), orNone(tt.want))
			if got := lb.String(); !strings.HasPrefix(got, want) {
				t.Errorf("log %q does not start with %q", got, want)
			}
		})
	}
}

func TestReject(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status int
		header string
		value  string
		body   string
	}{
		{401, "WWW-Authenticate", `Basic realm="wsx"`, "rejected by wsx serve: Unauthorized\n"},
		{302, "Location", "/elsewhere", "rejected by wsx serve: Found\n"},
		{307, "Location", "/elsewhere", "rejected by wsx serve: Temporary Redirect\n"},
		{429, "Retry-After", "30", "rejected by wsx serve: Too Many Requests\n"},
		{503, "Retry-After", "30", "rejected by wsx serve: Service Unavailable\n"},
		{404, "", "", "rejected by wsx serve: Not Found\n"},
		{599, "", "", "rejected by wsx serve: status 599\n"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			t.Parallel()
			o := defaults()
			o.Reject = tt.status
			_, url, lb := start(t, o)
			d := websocket.Dialer{HandshakeTimeout: failsafe}
			c, resp, err := d.Dial(url, nil)
			if err == nil {
				c.Close()
				t.Fatal("upgrade succeeded")
			}
			if err != websocket.ErrBadHandshake || resp == nil {
				t.Fatalf("got %v, want a bad handshake with its response", err)
			}
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.status)
			}
			for _, name := range []string{"WWW-Authenticate", "Location", "Retry-After"} {
				want := ""
				if name == tt.header {
					want = tt.value
				}
				if got := resp.Header.Get(name); got != want {
					t.Errorf("%s: %q, want %q", name, got, want)
				}
			}
			body, _ := io.ReadAll(resp.Body)
			if string(body) != tt.body {
				t.Errorf("body %q, want %q", body, tt.body)
			}
			if got, want := lb.String(), fmt.Sprintf("conn 1: rejected with %d\n", tt.status); got != want {
				t.Errorf("log %q, want %q", got, want)
			}
		})
	}
}

// TestNotUpgrade sends a plain HTTP request: it is refused and logged.
func TestNotUpgrade(t *testing.T) {
	t.Parallel()
	_, url, lb := start(t, defaults())
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get("http" + strings.TrimPrefix(url, "ws"))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("status %d, want 400", resp.StatusCode)
	}
	if got, want := lb.String(), "conn 1: upgrade failed with 400: "; !strings.HasPrefix(got, want) {
		t.Errorf("log %q does not start with %q", got, want)
	}
}

// TestRejectRetryAfter: RetryAfter is sent with any refusal, as given, in
// place of the 30 seconds of 429 and 503; the status's own headers stay.
func TestRejectRetryAfter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status     int
		retryAfter string
		want       string
		other      string // another header the status sends, "" for none
	}{
		{503, "0", "0", ""},
		{503, "120", "120", ""},
		{429, "", "30", ""},
		{429, "1", "1", ""},
		{401, "5", "5", "WWW-Authenticate"},
		{307, "2", "2", "Location"},
		{404, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d %q", tt.status, tt.retryAfter), func(t *testing.T) {
			t.Parallel()
			o := defaults()
			o.Reject, o.RetryAfter = tt.status, tt.retryAfter
			_, url, _ := start(t, o)
			c, resp, err := (&websocket.Dialer{HandshakeTimeout: failsafe}).Dial(url, nil)
			if err == nil {
				c.Close()
				t.Fatal("upgrade succeeded")
			}
			if resp == nil || resp.StatusCode != tt.status {
				t.Fatalf("got %v, %+v; want a refusal with %d", err, resp, tt.status)
			}
			if got := resp.Header.Values("Retry-After"); strings.Join(got, ",") != tt.want {
				t.Errorf("Retry-After %q, want %q", got, tt.want)
			}
			if tt.other != "" && resp.Header.Get(tt.other) == "" {
				t.Errorf("no %s header: the status's own headers must stay", tt.other)
			}
		})
	}
}

func TestRetryAfterInvalid(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"soon", "-1", "1.5", " 5"} {
		o := defaults()
		o.Reject, o.RetryAfter = 503, v
		s := New(o)
		if _, err := s.Listen("127.0.0.1:0"); err == nil || !strings.Contains(err.Error(), "want a number of seconds") {
			t.Errorf("RetryAfter %q: Listen gave %v, want the value refused", v, err)
		}
		s.Close()
	}
}
