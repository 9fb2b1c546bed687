// Package testkit is the shared kit of impl's tests: in-memory TLS
// certificates, addresses for every transport, and waiting with deadlines.
package testkit

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nngbench/nngbench/impl/tlsconf"
)

// CA is a certificate authority made in memory for one test.
type CA struct {
	Cert    *x509.Certificate
	key     *ecdsa.PrivateKey
	CertPEM []byte
}

// NewCA makes a self-signed CA; nothing is written to disk.
func NewCA(t testing.TB, name string) *CA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &CA{Cert: cert, key: key, CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// Issued is a leaf certificate with its key, in memory and as PEM.
type Issued struct {
	TLS             tls.Certificate
	CertPEM, KeyPEM []byte
}

// Issue signs a certificate for name, valid for 127.0.0.1, ::1 and
// localhost, usable by both servers and clients.
func (ca *CA) Issue(t testing.TB, name string) *Issued {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return &Issued{TLS: pair, CertPEM: certPEM, KeyPEM: keyPEM}
}

// Material returns mutual-TLS key material for name, signed by ca.
func (ca *CA) Material(t testing.TB, name string) *tlsconf.Material {
	t.Helper()
	leaf := ca.Issue(t, name)
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	return &tlsconf.Material{Cert: &leaf.TLS, CAs: pool, VerifyPeer: true}
}

// Files writes a certificate for name and the CA to t.TempDir() and returns
// the config file settings that name them.
func (ca *CA) Files(t testing.TB, name string) tlsconf.Config {
	t.Helper()
	leaf := ca.Issue(t, name)
	dir := t.TempDir()
	write := func(file string, b []byte) string {
		p := filepath.Join(dir, file)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return tlsconf.Config{
		CertFile:   write(name+".crt", leaf.CertPEM),
		KeyFile:    write(name+".key", leaf.KeyPEM),
		CAFile:     write("ca.crt", ca.CertPEM),
		VerifyPeer: true,
	}
}
