// Command cpctl drives a control plane through its admin API:
//
//	cpctl [-admin tcp://127.0.0.1:5559] [-timeout 5s] [-tls-cert F -tls-key F -tls-ca F] COMMAND
//
// The flags may also come after the command (cpctl nodes -admin ...).
// Commands: nodes, instances, debug sockets, create IMAGE [key=value...],
// delete ID, config set key=value..., config get,
// tasks submit N [-kind echo|sleep|hash] [-size BYTES], tasks status.
// A usage error exits 2, a failure 1, each with a message on stderr.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/nngbench/nngbench/impl/reqrep"
	"github.com/nngbench/nngbench/impl/tlsconf"
	"github.com/nngbench/nngbench/impl/transport"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

const usage = `usage: cpctl [-admin ADDRESS] [-timeout DURATION] [-tls-cert FILE -tls-key FILE] [-tls-ca FILE] COMMAND
       (the flags may come before or after the command)

commands:
  nodes                                  list the nodes
  instances                              list the instances
  debug sockets                          the control plane's sockets and their counters
  create IMAGE [key=value...]            create an instance, placed by the control plane
  delete ID                              delete an instance
  config set key=value...                set config values and broadcast a new version
  config get                             show the latest config version
  tasks submit N [-kind echo|sleep|hash] [-size BYTES] [-sleep-ms MS] [-rounds R]
                                         submit N tasks
  tasks status                           task counters

flags:
`

// usageError is a command line that cannot be run.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("cpctl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	admin := fs.String("admin", "tcp://127.0.0.1:5559", "the control plane's admin `address`")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the control plane")
	var tlsCfg tlsconf.Config
	fs.StringVar(&tlsCfg.CertFile, "tls-cert", "", "for tls+tcp: this client's certificate `file` (PEM), for a control plane that verifies its peers")
	fs.StringVar(&tlsCfg.KeyFile, "tls-key", "", "for tls+tcp: the certificate's private key `file` (PEM)")
	fs.StringVar(&tlsCfg.CAFile, "tls-ca", "", "for tls+tcp: the CA `file` (PEM) that signed the control plane's certificate; verifies it")
	globals, rest := splitFlags(fs, args)
	if err := fs.Parse(globals); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK // -h asked for the usage
		}
		return exitUsage // flag has printed the problem and the usage
	}
	cmd, err := parse(append(fs.Args(), rest...))
	if err == nil && *timeout <= 0 {
		err = usagef("-timeout must be > 0")
	}
	if err != nil {
		fmt.Fprintf(stderr, "cpctl: %v\n", err)
		fs.Usage()
		return exitUsage
	}
	tlsCfg.VerifyPeer = tlsCfg.CAFile != ""
	c, err := dial(*admin, *timeout, tlsCfg)
	if err != nil {
		fmt.Fprintf(stderr, "cpctl: %v\n", err)
		return exitUsage // a bad -admin address or TLS material
	}
	defer c.close()
	if err := reachable(*admin, *timeout); err != nil {
		fmt.Fprintf(stderr, "cpctl: %v\n", err)
		return exitFailure
	}
	if err := cmd(c, stdout); err != nil {
		var ue *usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "cpctl: %v\n", err)
			return exitUsage
		}
		fmt.Fprintf(stderr, "cpctl: %v\n", explain(err, *admin))
		return exitFailure
	}
	return exitOK
}

// splitFlags takes cpctl's own flags out of args wherever they are, so
// that they may follow the command ("cpctl nodes -admin ADDR"): globals
// are those flags with their values, in order, and rest the command's
// words and flags. Everything after "--" is the command's.
func splitFlags(fs *flag.FlagSet, args []string) (globals, rest []string) {
	command := false // seen the command's first word
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return globals, append(rest, args[i+1:]...)
		}
		name, hasValue := strings.TrimLeft(a, "-"), false
		if !strings.HasPrefix(a, "-") || name == "" {
			command = true
			rest = append(rest, a)
			continue
		}
		if k, _, ok := strings.Cut(name, "="); ok {
			name, hasValue = k, true
		}
		if command && fs.Lookup(name) == nil {
			rest = append(rest, a) // the command's own flag (tasks submit -kind)
			continue
		}
		globals = append(globals, a)
		if !hasValue && fs.Lookup(name) != nil && i+1 < len(args) {
			if _, isBool := fs.Lookup(name).Value.(interface{ IsBoolFlag() bool }); !isBool {
				i++
				globals = append(globals, args[i])
			}
		}
	}
	return globals, rest
}

// reachable fails fast, and says so plainly, when nothing listens at a
// tcp or tls+tcp admin address: the REQ socket would otherwise redial in
// silence until the timeout. Other schemes are left to the call.
func reachable(admin string, timeout time.Duration) error {
	scheme, _ := transport.Scheme(admin)
	if scheme != "tcp" && scheme != "tls+tcp" {
		return nil
	}
	hostPort := admin[strings.Index(admin, "://")+3:]
	conn, err := net.DialTimeout("tcp", hostPort, min(timeout, 2*time.Second))
	if err != nil {
		return fmt.Errorf("no answer from the control plane at %s: nothing listens there (%w); is it running, and is -admin its admin_address?", admin, err)
	}
	return conn.Close()
}

// explain turns an error from the admin call into what a user can act on.
func explain(err error, admin string) string {
	var re *reqrep.RemoteError
	switch {
	case errors.As(err, &re):
		return re.Msg
	case errors.Is(err, reqrep.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("no answer from the control plane at %s: %v", admin, err)
	}
	return err.Error()
}
