package format

import "io"

// Streamable reports whether an incoming message of this kind is printed as
// it arrives (raw text, raw binary), so its size does not matter.
func (p *Printer) Streamable(binary bool) bool {
	return p.mode == Raw && (!binary || p.binary == BinaryRaw)
}

// Stream prints one incoming message from r as it arrives, for the kinds
// Streamable accepts: the prefix, the bytes, and a newline after text. It
// returns the bytes copied, the error of reading r, and the error of
// writing stdout, apart.
func (p *Printer) Stream(binary bool, r io.Reader) (n int64, readErr, writeErr error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if prefix := p.appendPrefix(p.buf[:0]); len(prefix) > 0 {
		if _, err := p.out.Write(prefix); err != nil {
			return 0, nil, err
		}
	}
	buf := make([]byte, 32<<10)
	for {
		k, err := r.Read(buf)
		if k > 0 {
			n += int64(k)
			if _, werr := p.out.Write(buf[:k]); werr != nil {
				return n, nil, werr
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return n, err, nil
		}
	}
	if !binary {
		_, writeErr = p.out.Write([]byte{'\n'})
	}
	return n, nil, writeErr
}
