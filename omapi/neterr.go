package omapi

import (
	"errors"
	"syscall"
)

// isReset reports a connection reset or broken pipe: the peer went away.
func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
