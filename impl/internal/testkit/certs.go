// Package testkit is the shared kit of impl's tests: in-memory TLS
// certificates, addresses for every transport, and waiting with deadlines.
package testkit

import (
	"testing"

	"github.com/nngbench/nngbench/impl/tlsconf"
	"github.com/nngbench/nngbench/internal/certs"
)

// CA is a certificate authority made in memory for one test: internal/certs,
// with failures failing the test.
type CA struct{ ca *certs.CA }

// NewCA makes a self-signed CA; nothing is written to disk.
func NewCA(t testing.TB, name string) *CA {
	t.Helper()
	ca, err := certs.NewCA(name)
	if err != nil {
		t.Fatal(err)
	}
	return &CA{ca: ca}
}

// Material returns mutual-TLS key material for name, signed by ca.
func (ca *CA) Material(t testing.TB, name string) *tlsconf.Material {
	t.Helper()
	m, err := ca.ca.Material(name)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Files writes a certificate for name and the CA to t.TempDir() and returns
// the config file settings that name them.
func (ca *CA) Files(t testing.TB, name string) tlsconf.Config {
	t.Helper()
	c, err := ca.ca.WriteFiles(t.TempDir(), name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
