package cluster

import "syscall"

// procAttr puts each program in a process group of its own (so that a
// signal reaches anything it starts) and has the kernel kill it if the
// harness dies without stopping it (SIGKILL, a crash), so that nothing is
// left running.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
