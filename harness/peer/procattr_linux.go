package peer

import "syscall"

// dieWithParent makes the kernel kill a peer process when the run's process dies, however it
// dies (SIGKILL included). Peers also stop at the end of their stdin, which a dead parent closes.
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
