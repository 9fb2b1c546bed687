package certs_test

import (
	"crypto/tls"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/nngbench/nngbench/impl/tlsconf"
	"github.com/nngbench/nngbench/internal/certs"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// handshake runs a TLS handshake over loopback and returns the server's error.
func handshake(t *testing.T, server, client *tls.Config) error {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	done := make(chan error, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		done <- tls.Server(c, server).Handshake()
	}()
	c, err := tls.Dial("tcp", l.Addr().String(), client)
	if err == nil {
		_, _ = c.Read(make([]byte, 1)) // TLS 1.3: the server's verdict comes after the client's
		c.Close()
	}
	return <-done
}

// Files written by WriteFiles load through tlsconf as the programs load
// them, and serve mutual TLS: a peer of the same CA is accepted, one of
// another CA refused.
func TestWriteFilesServeMutualTLS(t *testing.T) {
	ca, err := certs.NewCA("run")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files, err := ca.WriteFiles(dir, "controlplane")
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(files.KeyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v, mode %v, want 0600", err, fi.Mode())
	}
	mat, err := files.Load()
	if err != nil {
		t.Fatal(err)
	}
	server, err := mat.Server()
	if err != nil {
		t.Fatal(err)
	}
	other, err := certs.NewCA("other")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		ca      *certs.CA
		refused bool
	}{{"same CA", ca, false}, {"foreign CA", other, true}} {
		t.Run(tc.name, func(t *testing.T) {
			cli, err := tc.ca.Material("harness")
			if err != nil {
				t.Fatal(err)
			}
			cli.CAs = ca.Pool() // it trusts the server either way: only its own certificate differs
			err = handshake(t, server, cli.Client())
			if refused := errors.Is(err, tlsconf.ErrRefused); refused != tc.refused || (!tc.refused && err != nil) {
				t.Errorf("server: %v, want refused %v", err, tc.refused)
			}
		})
	}
}

// WriteCert writes the certificate and the CA but not the key, which it
// returns; the key works with the certificate, and the certificate names
// its program, so a client insisting on that name (server_name) refuses
// another program's certificate from the same CA.
func TestWriteCertKeepsKeyOffDisk(t *testing.T) {
	ca, err := certs.NewCA("run")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files, key, err := ca.WriteCert(dir, "controlplane")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "ca.crt controlplane.crt" || files.KeyFile != "" {
		t.Fatalf("wrote %v, key file %q; want the certificates alone", names, files.KeyFile)
	}
	keyFile := filepath.Join(t.TempDir(), "k")
	if err := os.WriteFile(keyFile, key, 0o600); err != nil {
		t.Fatal(err)
	}
	files.KeyFile = keyFile
	mat, err := files.Load()
	if err != nil {
		t.Fatalf("certificate and returned key: %v", err)
	}
	server, err := mat.Server()
	if err != nil {
		t.Fatal(err)
	}
	impostor, err := ca.Material("worker-2")
	if err != nil {
		t.Fatal(err)
	}
	impostorServer, err := impostor.Server()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		server     *tls.Config
		serverName string
		refused    bool
	}{
		{"the control plane, by name", server, "controlplane", false},
		{"the control plane, by address", server, "", false},
		{"another program of the CA, by name", impostorServer, "controlplane", true},
		{"another program of the CA, by address", impostorServer, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cli, err := ca.Material("worker-1")
			if err != nil {
				t.Fatal(err)
			}
			cli.ServerName = tc.serverName
			_, cliErr := handshakeBoth(t, tc.server, cli.Client())
			if refused := errors.Is(cliErr, tlsconf.ErrRefused); refused != tc.refused || (!tc.refused && cliErr != nil) {
				t.Errorf("client: %v, want refused %v", cliErr, tc.refused)
			}
		})
	}
}

// handshakeBoth is handshake returning the client's error too.
func handshakeBoth(t *testing.T, server, client *tls.Config) (srvErr, cliErr error) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	done := make(chan error, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		done <- tls.Server(c, server).Handshake()
	}()
	c, cliErr := tls.Dial("tcp", l.Addr().String(), client)
	if cliErr == nil {
		_, _ = c.Read(make([]byte, 1))
		c.Close()
	}
	return <-done, cliErr
}
