package cmd

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wsx-cli/wsx/internal/wstest"
	"github.com/wsx-cli/wsx/serve"
)

// A ping is reported before its pong, in -v and in jsonl, however fast the
// server answers: a ping is reported before it is written. Many pings
// against a server on loopback give the pong every chance to come first.
func TestPingReportedBeforeItsPong(t *testing.T) {
	_, url, _ := startServer(t, serve.Options{StreamEvery: 300 * time.Millisecond})
	r := runWsx(&Env{}, "listen", "--ping-interval", "1ms", "-n", "1", "-f", "jsonl", url)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	pinged := map[string]bool{}
	pongs := 0
	for _, line := range strings.Split(strings.TrimSpace(r.stdout.String()), "\n") {
		var e struct{ Event, Dir, Data string }
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("not JSON: %q", line)
		}
		switch {
		case e.Event == "ping" && e.Dir == "out":
			pinged[e.Data] = true
		case e.Event == "pong" && e.Dir == "in":
			pongs++
			if !pinged[e.Data] {
				t.Errorf("pong %q reported before its ping", e.Data)
			}
		}
	}
	if pongs < 10 {
		t.Fatalf("only %d pongs in 300ms of 1ms pings:\n%s", pongs, r.stdout)
	}

	r = runWsx(&Env{}, "listen", "--ping-interval", "1ms", "-n", "1", "-v", url)
	seen := map[string]bool{}
	pongs = 0
	for _, line := range strings.Split(r.stderr.String(), "\n") {
		if data, ok := strings.CutPrefix(line, "> ping "); ok {
			seen[data] = true
		}
		if rest, ok := strings.CutPrefix(line, "< pong "); ok {
			pongs++
			if data, _, _ := strings.Cut(rest, " (rtt"); !seen[data] {
				t.Errorf("-v: pong %s shown before its ping", data)
			}
		}
	}
	if r.code != 0 || pongs < 10 {
		t.Fatalf("exit %d, %d pongs:\n%s", r.code, pongs, r.stderr)
	}
}

// With --format jsonl, --trace writes each frame as a "frame" event on
// stdout, in wire order, among the message events.
func TestTraceJSONLFrameEvents(t *testing.T) {
	srv := wstest.StartRawServer(t, rawScripts["conversation"])
	r := runWsx(&Env{}, "send", "--trace", "-f", "jsonl", srv.URL(), "hi")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	type frame struct {
		Event, Dir, Opcode, Rsv, Type, Data, Name, Reason string
		T                                                 *float64
		Fin, Masked, Truncated                            bool
		Length                                            int
		Code                                              int
		MessageFrames                                     int `json:"message_frames"`
	}
	var got []string
	var frames []frame
	for _, line := range strings.Split(strings.TrimSpace(r.stdout.String()), "\n") {
		var f frame
		if err := json.Unmarshal([]byte(line), &f); err != nil {
			t.Fatalf("not JSON: %q", line)
		}
		if f.Event != "frame" {
			got = append(got, f.Event+" "+f.Dir)
			continue
		}
		if f.T == nil || *f.T < 0 || f.Rsv != "000" || f.Masked != (f.Dir == "out") {
			t.Errorf("frame fields: %s", line)
		}
		frames = append(frames, f)
		got = append(got, fmt.Sprintf("frame %s %s fin=%v len=%d %s %q", f.Dir, f.Opcode, f.Fin, f.Length, f.Type, f.Data))
	}
	// the frames in wire order; the other events follow the frames they
	// come from, where the reads happened to fall
	want := []string{
		`frame out text fin=true len=2 text "hi"`,
		`frame in text fin=true len=5 text "hello"`,
		`frame in binary fin=true len=3 binary "AP8B"`,
		`frame in text fin=false len=4 text "frag"`,
		`frame in ping fin=true len=2 text "p1"`,
		`frame out pong fin=true len=2 text "p1"`,
		`frame in continuation fin=true len=4 text "ment"`,
		`frame in close fin=true len=5 binary "A+hieWU="`,
		`frame out close fin=true len=2 binary "A+g="`,
	}
	var onlyFrames []string
	for _, g := range got {
		if strings.HasPrefix(g, "frame ") {
			onlyFrames = append(onlyFrames, g)
		}
	}
	if strings.Join(onlyFrames, "\n") != strings.Join(want, "\n") {
		t.Fatalf("frame events:\n%s\nwant:\n%s", strings.Join(onlyFrames, "\n"), strings.Join(want, "\n"))
	}
	if f := frames[6]; f.MessageFrames != 2 {
		t.Errorf("the last fragment has message_frames %d, want 2", f.MessageFrames)
	}
	if f := frames[7]; f.Code != 1000 || f.Name != "normal-closure" || f.Reason != "bye" {
		t.Errorf("close frame event: %+v", f)
	}
	if g := strings.Join(got, "\n"); !strings.Contains(g, `frame out text fin=true len=2 text "hi"`+"\nmessage out") ||
		!strings.Contains(g, "frame in ping fin=true len=2 text \"p1\"") || strings.Index(g, "ping in") < strings.Index(g, "frame in ping") {
		t.Errorf("events out of order:\n%s", g)
	}
}
