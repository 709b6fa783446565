//go:build unix

package cf

import (
	"errors"
	"syscall"
)

// processGone reports whether no process with this id is running.
func processGone(pid int) bool { return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) }
