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
// writing stdout, apart. The lock is held only while writing: reading r may
// run ping handlers that print too.
func (p *Printer) Stream(binary bool, r io.Reader) (n int64, readErr, writeErr error) {
	p.mu.Lock()
	p.pend = p.appendPrefix(p.pend) // after what Queue holds, if anything
	err := p.flushOut()
	p.mu.Unlock()
	if err != nil {
		return 0, nil, err
	}
	buf := make([]byte, 32<<10)
	for {
		k, err := r.Read(buf)
		if k > 0 {
			n += int64(k)
			if werr := p.writeStream(buf[:k]); werr != nil {
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
		writeErr = p.writeStream([]byte{'\n'})
	}
	return n, nil, writeErr
}

// writeStream writes b to stdout under the lock. A message streamed to a
// terminal may leave its line open between writes: a meter that starts
// meanwhile waits for the line to end (see toTerminal).
func (p *Printer) writeStream(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.toTerminal(b)
	_, err := p.out.Write(b)
	return err
}
