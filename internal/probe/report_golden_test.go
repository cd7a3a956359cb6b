package probe

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wsx-cli/wsx/closecodes"
	"github.com/wsx-cli/wsx/format"
)

// -update rewrites the golden files from the current output; review the
// diff before committing it.
var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenPassing is a probe over TLS that passed every check and closed
// cleanly. Durations carry nanoseconds, so the golden shows they are cut to
// microseconds; NotAfter is not in UTC, so it shows the conversion; a
// detail holds <, > and &, which encoding/json escapes. The checks' times
// are fixed, as a live probe's never are, and carry nanoseconds, so the
// JUnit report shows them cut to milliseconds and the suite's time as the
// sum of the exact times (1.545), not of the rounded ones (1.544).
func goldenPassing() *probeResult {
	return &probeResult{
		URL:     "wss://echo.example.com/ws?room=a&b=1",
		Address: "93.184.216.34:443",
		TLS: &tlsInfo{
			Version:  "TLS 1.3",
			Cipher:   "TLS_AES_128_GCM_SHA256",
			Subject:  "CN=echo.example.com",
			Issuer:   "CN=R11,O=Let's Encrypt,C=US",
			NotAfter: time.Date(2026, 3, 14, 1, 2, 3, 0, time.FixedZone("CET", 3600)),
			DaysLeft: 42,
		},
		Status:      "101 Switching Protocols",
		Subprotocol: "chat.v2",
		Extensions:  "permessage-deflate; client_max_window_bits",
		Timings: probeTimings{
			DNS:        1234567 * time.Nanosecond,
			TCP:        12*time.Millisecond + 345*time.Microsecond + 999,
			TLS:        25 * time.Millisecond,
			Upgrade:    3*time.Millisecond + 1*time.Microsecond,
			FirstReply: 1500 * time.Millisecond,
			Ping:       800 * time.Microsecond,
		},
		Close: &probeClose{By: "client", Code: closecodes.NormalClosure, Reason: "bye — done", Echo: true},
		Checks: []check{
			{Name: "upgrade", Passed: true, Detail: "HTTP 101 Switching Protocols", Time: 41234567 * time.Nanosecond},
			{Name: "subprotocol", Passed: true, Detail: "chat.v2 (expected chat.v2)"},
			{Name: "expect", Passed: true, Detail: `reply matched "<ok> & done"`, Time: 1500400000 * time.Nanosecond},
			{Name: "ping", Passed: true, Detail: "pong in 800µs", Time: 812345 * time.Nanosecond},
			{Name: "close", Passed: true, Detail: "closed by client: 1000 (normal closure); server echoed 1000", Time: 2345679 * time.Nanosecond},
		},
	}
}

// goldenNoAnswer is an upgrade that got no HTTP answer: the name
// resolved, the connection was refused; no address, TLS, status or close.
func goldenNoAnswer() *probeResult {
	return &probeResult{
		URL:     "ws://localhost:9/",
		Timings: probeTimings{DNS: 250 * time.Microsecond},
		Checks: []check{
			{Name: "upgrade", Passed: false, Detail: "dial tcp 127.0.0.1:9: connect: connection refused", Time: 312 * time.Microsecond},
		},
		exit: 4,
	}
}

// goldenSkipped is `probe --expect nomatch --ping --timeout 2s` against an
// echo server: the reply check fails when the time is up, and the ping and
// close checks, which that left no time to run, are skipped, not failed
// again. The close was never completed, so there is none to report.
func goldenSkipped() *probeResult {
	return &probeResult{
		URL:     "ws://127.0.0.1:8765/",
		Address: "127.0.0.1:8765",
		Status:  "101 Switching Protocols",
		Timings: probeTimings{TCP: 154 * time.Microsecond, Upgrade: 446 * time.Microsecond},
		Checks: []check{
			{Name: "upgrade", Passed: true, Detail: "HTTP 101 Switching Protocols", Time: 612345 * time.Nanosecond},
			{Name: "reply 1", Passed: false, Detail: "no reply matched nomatch within --timeout 2s (no replies)", Time: 1999387655 * time.Nanosecond},
			{Name: "ping", Skipped: true, Detail: "not run: reply 1 failed first"},
			{Name: "close", Skipped: true, Detail: "not run: reply 1 failed first"},
		},
	}
}

// goldenRepeatSkipped is two runs of the same checks: the first passes
// them all, the second is goldenSkipped. The repeated report counts the
// skips apart from the passes and failures.
func goldenRepeatSkipped() []*probeResult {
	first := goldenSkipped()
	first.Timings.FirstReply, first.Timings.Ping = 120*time.Microsecond, 55*time.Microsecond
	first.Close = &probeClose{By: "client", Code: closecodes.NormalClosure, Echo: true}
	first.Checks = []check{
		{Name: "upgrade", Passed: true, Detail: "HTTP 101 Switching Protocols", Time: 600 * time.Microsecond},
		{Name: "reply 1", Passed: true, Detail: "nomatch matched nomatch", Time: 120 * time.Microsecond},
		{Name: "ping", Passed: true, Detail: "pong in 55µs", Time: 60 * time.Microsecond},
		{Name: "close", Passed: true, Detail: "closed by client: 1000 (normal closure); server echoed 1000", Time: 200 * time.Microsecond},
	}
	return []*probeResult{first, goldenSkipped()}
}

// goldenRepeat is three runs: the first passes; the second is refused with
// HTTP 503 and dropped (no close frame); the third upgrades but the server
// closes with a code that has no name of its own, and it did not ping.
// Only runs one and three count towards latency, and only run one pinged.
func goldenRepeat() []*probeResult {
	refused := &probeResult{
		URL:     "wss://echo.example.com/ws?room=a&b=1",
		Address: "93.184.216.34:443",
		Status:  "503 Service Unavailable",
		Timings: probeTimings{DNS: 900 * time.Microsecond, TCP: 11 * time.Millisecond, TLS: 21 * time.Millisecond, Upgrade: 2 * time.Millisecond},
		Close:   &probeClose{Code: closecodes.AbnormalClosure},
		Checks: []check{
			{Name: "upgrade", Passed: false, Detail: "HTTP 503 Service Unavailable; expected HTTP 101"},
		},
		exit: 4,
	}
	third := goldenPassing()
	third.Timings.Upgrade = 4 * time.Millisecond
	third.Timings.Ping = 0
	third.Close = &probeClose{By: "server", Code: 4321, Reason: "going"}
	third.Checks = []check{third.Checks[0], third.Checks[1], third.Checks[2],
		{Name: "close", Passed: false, Detail: "closed by server: 4321 (private use)"}}
	return []*probeResult{goldenPassing(), refused, third}
}

// goldenNeverConnected is two runs, neither of which connected: nothing to
// time, so latency_ms is empty.
func goldenNeverConnected() []*probeResult {
	return []*probeResult{goldenNoAnswer(), goldenNoAnswer()}
}

func TestReportGolden(t *testing.T) {
	for _, tc := range []struct {
		name    string
		results []*probeResult
	}{
		{"passing", []*probeResult{goldenPassing()}},
		{"no-answer", []*probeResult{goldenNoAnswer()}},
		{"repeat", goldenRepeat()},
		{"never-connected", goldenNeverConnected()},
		{"skipped", []*probeResult{goldenSkipped()}},
		{"repeat-skipped", goldenRepeatSkipped()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout bytes.Buffer
			junit := filepath.Join(t.TempDir(), "junit.xml")
			pc := &Options{Format: "json", JUnit: junit, Repeat: len(tc.results), Stdout: &stdout, Stderr: &bytes.Buffer{}}
			if err := (&reporter{pc: pc, paint: format.NewPalette(false)}).report(tc.results); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tc.name+".json", stdout.Bytes())
			xml, err := os.ReadFile(junit)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tc.name+".junit.xml", xml)

			stdout.Reset()
			pc.Format, pc.JUnit = "text", ""
			if err := (&reporter{pc: pc, paint: format.NewPalette(false)}).report(tc.results); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tc.name+".txt", stdout.Bytes())
		})
	}
}

// checkGolden compares got with testdata/golden/name byte for byte.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
