//go:build !linux

package cluster

import "syscall"

// procAttr puts each program in a process group of its own. Elsewhere than
// Linux there is no parent-death signal: a harness killed with SIGKILL
// leaves its programs running.
func procAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
