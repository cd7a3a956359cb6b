//go:build !linux && !darwin

package wire

import "errors"

// sendQueue has no kernel to ask here.
func sendQueue(int) (int, error) {
	return 0, errors.ErrUnsupported
}
