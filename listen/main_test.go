package listen

import (
	"bytes"
	"testing"

	"go.uber.org/goleak"

	"github.com/wsx-cli/wsx/internal/wire"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// checkClose fails the test unless got is the close frame want.
func checkClose(t testing.TB, got, want *wire.CloseFrame) {
	t.Helper()
	if got == nil || want == nil {
		if got != want {
			t.Fatalf("close frame = %+v, want %+v", got, want)
		}
		return
	}
	if got.HasCode != want.HasCode || got.Code != want.Code || got.Short != want.Short || !bytes.Equal(got.Reason, want.Reason) {
		t.Fatalf("close frame = {HasCode:%v Code:%d Reason:%q Short:%v}, want {HasCode:%v Code:%d Reason:%q Short:%v}",
			got.HasCode, got.Code, got.Reason, got.Short, want.HasCode, want.Code, want.Reason, want.Short)
	}
}
