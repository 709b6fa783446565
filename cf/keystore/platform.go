package keystore

import (
	"errors"
	"os/exec"
	"syscall"
)

// macOS: go-keyring runs /usr/bin/security and returns only its exit status. 36 is what it exits with when the
// keychain is locked and may not prompt ("User interaction is not allowed", -25308: SSH, cron, CI), as reported
// by many tools using it; 51 accompanies a refused keychain password.
var darwinLocked = map[int]bool{36: true, 51: true}

// Windows: ERROR_NO_SUCH_LOGON_SESSION (1312), a process without an interactive logon (a service, some SSH
// sessions), has no Credential Manager to use.
const windowsNoLogonSession = syscall.Errno(1312)

// classifyPlatform recognises the failures of the macOS and Windows backends, which carry no D-Bus message.
func classifyPlatform(err error) (Reason, bool) {
	var exit *exec.ExitError
	switch {
	case errors.Is(err, exec.ErrNotFound):
		return ReasonUnavailable, true // no security tool: not a macOS keychain to talk to
	case errors.As(err, &exit) && darwinLocked[exit.ExitCode()]:
		return ReasonLocked, true
	case errors.Is(err, windowsNoLogonSession):
		return ReasonUnavailable, true
	}
	return ReasonOther, false
}
