package listen

import (
	"bytes"
	"strings"
	"testing"

	"github.com/wsx-cli/wsx/format"
	"github.com/wsx-cli/wsx/internal/wire"
	"github.com/wsx-cli/wsx/serve"
)

// deepMessages are 60 MiB texts (under the default --max-size of 64 MiB)
// that nest without end: an array of arrays, an object of objects. gjson's
// validator recursed once per level on them and died of a stack overflow,
// taking wsx with it; they are not JSON (format.ValidJSON), so no filter
// keeps them, --select finds nothing, and gjson never sees them.
var deepMessages = []struct {
	name string
	data func() []byte
}{
	{"array", func() []byte { return bytes.Repeat([]byte("["), 60<<20) }},
	{"object", func() []byte { return bytes.Repeat([]byte(`{"a":`), (60<<20)/5) }},
}

// deepFilters are --filter expressions of each kind; != included, which
// matches a JSON message without the path but never a message that is not
// JSON.
var deepFilters = []string{"a", "0", "a==1", "a!=1", "a=~x", "a>1", "a.a.a"}

// Not parallel: building the messages would starve the tests that wait on
// the network.
func TestDeepMessageIsNotJSON(t *testing.T) {
	for _, m := range deepMessages {
		data := m.data()
		for _, expr := range deepFilters {
			f, err := ParseFilter(expr)
			if err != nil {
				t.Fatal(err)
			}
			if f.Match(data) {
				t.Errorf("%s: --filter %q kept it", m.name, expr)
			}
			if (Filters{f}).Match(data) {
				t.Errorf("%s: Filters{%q} kept it", m.name, expr)
			}
		}
		for _, path := range []string{"a", "0", "a.a", "#", "@this"} {
			if out, ok := Select(data, path); ok || out != nil {
				t.Errorf("%s: --select %q gave %.20q, %v; want nothing", m.name, path, out, ok)
			}
		}
	}
}

// TestDeepestJSONStillWorks: a message nested exactly format.MaxJSONDepth
// deep is JSON, and gjson, recursing that far, reads it.
func TestDeepestJSONStillWorks(t *testing.T) {
	t.Parallel()
	d := format.MaxJSONDepth
	arr := []byte(strings.Repeat("[", d) + "1" + strings.Repeat("]", d))
	obj := []byte(strings.Repeat(`{"a":`, d) + "1" + strings.Repeat("}", d))
	deepPath := strings.TrimSuffix(strings.Repeat("a.", d), ".")
	for _, c := range []struct {
		name, filter, sel, want string
		data                    []byte
	}{
		{"array", "0", "0.0", "[" + strings.Repeat("[", d-3) + "1" + strings.Repeat("]", d-3) + "]", arr},
		{"object", "a", "a.a", strings.Repeat(`{"a":`, d-2) + "1" + strings.Repeat("}", d-2), obj},
		{"object, to the bottom", deepPath + "==1", deepPath, "1", obj},
	} {
		f, err := ParseFilter(c.filter)
		if err != nil {
			t.Fatal(err)
		}
		if !(Filters{f}).Match(c.data) {
			t.Errorf("%s: --filter %.20q did not keep it", c.name, c.filter)
		}
		if out, ok := Select(c.data, c.sel); !ok || string(out) != c.want {
			t.Errorf("%s: --select %.20q gave %.40q, %v", c.name, c.sel, out, ok)
		}
	}
	// One level more and it is not JSON.
	over := []byte("[" + string(arr) + "]")
	if f, _ := ParseFilter("0"); f.Match(over) {
		t.Error("a message nested MaxJSONDepth+1 deep was kept")
	}
}

// TestReaderDeepMessage is `wsx listen --filter a URL` (and --select a)
// receiving a deep array: the message is read, not kept, nothing is
// printed, and the reader goes on to the next message and the close. It is
// 4 MiB, not 60: what is tested is that the reader goes through Filters and
// Select, which TestDeepMessageIsNotJSON holds at 60 MiB, and 60 MiB take
// longer than the read deadline to cross loopback under -race.
func TestReaderDeepMessage(t *testing.T) {
	t.Parallel()
	deep := bytes.Repeat([]byte("["), 4<<20)
	f, err := ParseFilter("a")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []Options{{Filters: Filters{f}}, {Select: "a"}} {
		_, url := startServer(t, greeter(1000, "", serve.Message{Data: deep}, text(`{"a":1}`)))
		ws, tap := dialTap(t, url)
		p, out, errs := rawPrinter()
		r := NewReader(ws, tap, p, o)
		res := r.Run()
		want := "{\"a\":1}\n"
		if o.Select != "" {
			want = "1\n"
		}
		if out.String() != want || errs.Len() != 0 {
			t.Errorf("%+v: stdout %q, stderr %q; want only %q on stdout", o, out, errs, want)
		}
		if n, size := r.Received(); n != 2 || size != int64(len(deep))+7 || r.Kept() != 1 {
			t.Errorf("%+v: received %d (%d bytes), kept %d; want 2 received, 1 kept", o, n, size, r.Kept())
		}
		checkClose(t, res.Frame, &wire.CloseFrame{HasCode: true, Code: 1000})
	}
}
