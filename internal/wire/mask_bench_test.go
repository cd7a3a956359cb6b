package wire

import "testing"

// BenchmarkMaskBytes: masking a 64 KiB payload into the buffer.
func BenchmarkMaskBytes(b *testing.B) {
	src := make([]byte, 64<<10)
	dst := make([]byte, len(src))
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		maskBytes(dst, src, 0x12345678)
	}
}
