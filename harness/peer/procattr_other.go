//go:build !linux

package peer

import "syscall"

// dieWithParent has no kernel help outside Linux: peers stop at the end of their stdin, which
// a dead parent closes.
func dieWithParent() *syscall.SysProcAttr { return nil }
