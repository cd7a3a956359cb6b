package serve

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// ServeHTTP upgrades a request on any path to a WebSocket connection and serves it
// until it ends, or refuses it when Options.Reject is set.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id, ok := s.begin()
	if !ok {
		http.Error(w, "wsx serve: shutting down", http.StatusServiceUnavailable)
		return
	}
	defer s.handlers.Done()
	if s.err != nil {
		s.logf("conn %d: rejected with %d: %v", id, http.StatusInternalServerError, s.err)
		http.Error(w, "wsx serve: "+s.err.Error(), http.StatusInternalServerError)
		return
	}
	if s.opts.Reject != 0 {
		s.reject(w, id)
		return
	}

	protocol := s.chooseProtocol(r)
	var h http.Header
	if protocol != "" {
		h = http.Header{}
		h.Set("Sec-WebSocket-Protocol", protocol)
	}
	answered := false
	u := s.upgrader
	u.Error = func(w http.ResponseWriter, _ *http.Request, status int, reason error) {
		answered = true
		s.logf("conn %d: upgrade failed with %d: %v", id, status, reason)
		w.Header().Set("Sec-WebSocket-Version", "13")
		http.Error(w, http.StatusText(status), status)
	}
	ws, err := u.Upgrade(w, r, h)
	if err != nil {
		if !answered { // the connection failed after it was hijacked
			s.logf("conn %d: upgrade failed: %v", id, err)
		}
		return
	}
	c := &conn{s: s, id: id, ws: ws, remote: r.RemoteAddr}
	if !s.track(c) {
		ws.NetConn().Close()
		return
	}
	defer s.untrack(c)
	c.run()
}

// chooseProtocol picks the subprotocol of the answer: ForceProtocol when set, else the
// first protocol in the client's offer order that the server accepts, else none.
func (s *Server) chooseProtocol(r *http.Request) string {
	if s.opts.ForceProtocol != "" {
		return s.opts.ForceProtocol
	}
	for _, p := range offered(r) {
		if slices.Contains(s.opts.Protocols, p) {
			return p
		}
	}
	return ""
}

// offered lists the client's subprotocols in order, across repeated header lines.
func offered(r *http.Request) []string {
	var ps []string
	for _, v := range r.Header.Values("Sec-WebSocket-Protocol") {
		for p := range strings.SplitSeq(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				ps = append(ps, p)
			}
		}
	}
	return ps
}

// reject refuses an upgrade with Options.Reject, the headers a client should show for
// that status, and a short text body. The log line comes first, so a client holding
// the response knows it is written.
func (s *Server) reject(w http.ResponseWriter, id int) {
	status := s.opts.Reject
	h := w.Header()
	switch {
	case status >= 300 && status < 400:
		h.Set("Location", "/elsewhere")
	case status == http.StatusUnauthorized:
		h.Set("WWW-Authenticate", `Basic realm="wsx"`)
	}
	switch {
	case s.opts.RetryAfter != "":
		h.Set("Retry-After", s.opts.RetryAfter)
	case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable:
		h.Set("Retry-After", "30")
	}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	s.logf("conn %d: rejected with %d", id, status)
	w.WriteHeader(status)
	fmt.Fprintf(w, "rejected by wsx serve: %s\n", statusText(status))
}

func statusText(status int) string {
	if t := http.StatusText(status); t != "" {
		return t
	}
	return fmt.Sprintf("status %d", status)
}
