// Package atomicfile writes a file through a temporary one renamed into
// place, so that a failed run never leaves half a file behind.
package atomicfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteFile writes data to name.
func WriteFile(name string, data []byte) error {
	return Write(name, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// Write writes name with write, through a temporary file next to it. The
// file is 0644 (it holds no secret). Errors name the file asked for, never
// the temporary one.
func Write(name string, write func(io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*.tmp")
	if err != nil {
		return fileError("open", name, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := write(tmp); err != nil {
		return fileError("write", name, err)
	}
	if err := tmp.Chmod(0o644); err != nil { // CreateTemp makes it 0600
		return fileError("write", name, err)
	}
	if err := tmp.Close(); err != nil {
		return fileError("write", name, err)
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return fileError("rename", name, err)
	}
	return nil
}

// fileError is err's cause as an error about op on name.
func fileError(op, name string, err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		err = pe.Err
	case errors.As(err, &le):
		err = le.Err
	}
	return &fs.PathError{Op: op, Path: name, Err: err}
}
