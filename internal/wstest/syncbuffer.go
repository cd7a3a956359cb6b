package wstest

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// SyncBuffer is a bytes.Buffer that can be written from one goroutine and
// watched from another: Wait returns once the text holds a string.
type SyncBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

// NewSyncBuffer returns an empty SyncBuffer.
func NewSyncBuffer() *SyncBuffer { return &SyncBuffer{changed: make(chan struct{}, 1)} }

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case b.changed <- struct{}{}:
	default:
	}
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Wait blocks until the buffer contains s, failing the test after Failsafe.
func (b *SyncBuffer) Wait(t testing.TB, s string) {
	t.Helper()
	timeout := time.After(Failsafe)
	for !strings.Contains(b.String(), s) {
		select {
		case <-b.changed:
		case <-timeout:
			t.Fatalf("no %q within %v in:\n%s", s, Failsafe, b.String())
		}
	}
}
