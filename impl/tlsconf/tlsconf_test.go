package tlsconf_test

import (
	"crypto/tls"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nngbench/nngbench/impl/internal/testkit"
	"github.com/nngbench/nngbench/impl/tlsconf"
)

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  tlsconf.Config
		want string
	}{
		{"off", tlsconf.Config{}, ""},
		{"cert without key", tlsconf.Config{CertFile: "a.crt"}, "tls.cert_file and tls.key_file"},
		{"verify without ca", tlsconf.Config{CertFile: "a", KeyFile: "b", VerifyPeer: true}, "tls.ca_file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestLoadErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.pem")
	if err := os.WriteFile(junk, []byte("not pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cfg  tlsconf.Config
		want string
	}{
		{"missing cert", tlsconf.Config{CertFile: filepath.Join(dir, "nope.crt"), KeyFile: junk}, "nope.crt"},
		{"junk ca", tlsconf.Config{CAFile: junk}, "junk.pem: no PEM certificate"},
		{"missing ca", tlsconf.Config{CAFile: filepath.Join(dir, "ca.crt")}, "tls.ca_file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.cfg.Load(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

// handshake runs a TLS handshake over loopback and returns the server's and
// the client's errors.
func handshake(t *testing.T, server, client *tls.Config) (srvErr, cliErr error) {
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
		// TLS 1.3 clients finish before the server checks their certificate;
		// a read surfaces the server's refusal.
		_, err = c.Read(make([]byte, 1))
		c.Close()
	}
	return <-done, err
}

func TestMutualTLS(t *testing.T) {
	ca, rogue := testkit.NewCA(t, "ca"), testkit.NewCA(t, "rogue")
	files := ca.Files(t, "server")
	srvMat, err := files.Load()
	if err != nil {
		t.Fatal(err)
	}
	server, err := srvMat.Server()
	if err != nil {
		t.Fatal(err)
	}
	t.Run("signed client accepted", func(t *testing.T) {
		srvErr, _ := handshake(t, server, ca.Material(t, "client").Client())
		if srvErr != nil {
			t.Fatal(srvErr)
		}
	})
	t.Run("client without certificate refused", func(t *testing.T) {
		cli := ca.Material(t, "client")
		cli.Cert = nil
		if srvErr, _ := handshake(t, server, cli.Client()); !errors.Is(srvErr, tlsconf.ErrRefused) {
			t.Fatalf("server: %v", srvErr)
		}
	})
	t.Run("client from another CA refused", func(t *testing.T) {
		cli := rogue.Material(t, "intruder")
		cli.CAs = srvMat.CAs
		if srvErr, _ := handshake(t, server, cli.Client()); !errors.Is(srvErr, tlsconf.ErrRefused) {
			t.Fatalf("server: %v", srvErr)
		}
	})
	t.Run("server from another CA refused by client", func(t *testing.T) {
		rogueSrv, err := rogue.Material(t, "server").Server()
		if err != nil {
			t.Fatal(err)
		}
		if _, cliErr := handshake(t, rogueSrv, ca.Material(t, "client").Client()); !errors.Is(cliErr, tlsconf.ErrRefused) {
			t.Fatalf("client: %v", cliErr)
		}
	})
	t.Run("server name checked", func(t *testing.T) {
		cli := ca.Material(t, "client")
		cli.ServerName = "elsewhere.example"
		if _, cliErr := handshake(t, server, cli.Client()); cliErr == nil {
			t.Fatal("client accepted a certificate for another name")
		}
	})
}
