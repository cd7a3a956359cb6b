// The version string for a release, go install, a checkout, uncommitted changes, and no build info.

package cmd

import (
	"runtime/debug"
	"testing"
)

func TestVersionFrom(t *testing.T) {
	vcs := []debug.BuildSetting{
		{Key: "vcs.revision", Value: "4ceef5612345678"},
		{Key: "vcs.time", Value: "2026-11-26T22:23:49Z"},
	}
	for _, c := range []struct {
		name                  string
		version, commit, date string
		info                  *debug.BuildInfo
		want                  string
	}{
		{"release build", "1.2.0", "abc1234", "2026-11-01T00:00:00Z", &debug.BuildInfo{Settings: vcs}, "1.2.0 (abc1234, 2026-11-01T00:00:00Z)"},
		{"go install", "dev", "", "", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"}}, "v1.2.0"},
		{"go build in a checkout", "dev", "", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs}, "dev (4ceef56, 2026-11-26T22:23:49Z)"},
		{"uncommitted changes", "dev", "", "", &debug.BuildInfo{Settings: append(vcs, debug.BuildSetting{Key: "vcs.modified", Value: "true"})}, "dev (4ceef56-dirty, 2026-11-26T22:23:49Z)"},
		{"no build info", "dev", "", "", nil, "dev"},
	} {
		if got := versionFrom(c.version, c.commit, c.date, c.info); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
