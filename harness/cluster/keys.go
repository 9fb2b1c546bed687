package cluster

import (
	"fmt"
	"os"
)

// childKeyFile is where a program the cluster starts reads its private key:
// the read end of a pipe it inherits as its first extra file (fd 3). The
// key is never written to disk, so that nothing is left behind however the
// harness ends (kill -9 included): it lives in the harness's memory and,
// for as long as the program has not read it, in the pipe, which the
// kernel frees with the last process that holds it.
const childKeyFile = "/dev/fd/3"

// keyPipe returns the read end of a pipe that holds pem and then ends:
// whoever reads it to the end (tls.LoadX509KeyPair does) gets pem. pem must
// fit the pipe's buffer (64 KiB on Linux, 16 on macOS; a key is a few hundred
// bytes), as nothing reads while it is written.
func keyPipe(pem []byte) (*os.File, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("cluster: key pipe: %w", err)
	}
	_, werr := w.Write(pem)
	cerr := w.Close()
	if werr != nil || cerr != nil {
		_ = r.Close()
		return nil, fmt.Errorf("cluster: key pipe: %w", firstErr(werr, cerr))
	}
	return r, nil
}

// ownKeyFile is the path under which this process reads r (an embedded
// control plane reading its key from the harness's own pipe).
func ownKeyFile(r *os.File) string { return fmt.Sprintf("/dev/fd/%d", r.Fd()) }

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
