// The version for a release, go install, a checkout, uncommitted changes, and no build info.

package cmd

import (
	"runtime/debug"
	"testing"
)

func TestBuildFrom(t *testing.T) {
	vcs := []debug.BuildSetting{
		{Key: "vcs.revision", Value: "4ceef5612345678"},
		{Key: "vcs.time", Value: "2026-11-26T22:23:49Z"},
	}
	for _, c := range []struct {
		name                  string
		version, commit, date string
		info                  *debug.BuildInfo
		want                  string // --version
		alone, day            string // the User-Agent's version and the man page's date
	}{
		{"release build", "1.2.0", "abc1234", "2026-11-01T00:00:00Z", &debug.BuildInfo{Settings: vcs}, "1.2.0 (abc1234, 2026-11-01T00:00:00Z)", "1.2.0", "2026-11-01T00:00:00Z"},
		{"go install", "dev", "", "", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"}}, "v1.2.0", "v1.2.0", ""},
		{"go install of a commit", "dev", "", "", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.1-0.20261126222349-4ceef5612345"}},
			"v1.2.1-0.20261126222349-4ceef5612345", "v1.2.1-0.20261126222349-4ceef5612345", "2026-11-26T22:23:49Z"},
		{"go build in a checkout", "dev", "", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs}, "dev (4ceef56, 2026-11-26T22:23:49Z)", "dev", "2026-11-26T22:23:49Z"},
		{"uncommitted changes", "dev", "", "", &debug.BuildInfo{Settings: append(vcs, debug.BuildSetting{Key: "vcs.modified", Value: "true"})}, "dev (4ceef56-dirty, 2026-11-26T22:23:49Z)", "dev", "2026-11-26T22:23:49Z"},
		{"no build info", "dev", "", "", nil, "dev", "dev", ""},
	} {
		b := buildFrom(c.version, c.commit, c.date, c.info)
		if b.String() != c.want || b.version != c.alone || b.date != c.day {
			t.Errorf("%s: %q, %q, %q; want %q, %q, %q", c.name, b.String(), b.version, b.date, c.want, c.alone, c.day)
		}
	}
}
