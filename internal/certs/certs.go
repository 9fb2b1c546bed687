// Package certs makes the throwaway TLS certificates of the harness's
// tls+tcp runs: a CA made for one run, and leaf certificates it signs for
// loopback, usable by servers and clients alike (mutual TLS). Nothing is
// kept after the run; WriteCert writes certificates without their keys,
// WriteFiles (for tests) the keys too.
package certs

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/nngbench/nngbench/impl/tlsconf"
)

// Validity is how long the certificates are valid, from an hour before
// they are made (clock skew between processes does not matter on one
// machine, but a run crossing midnight on a fresh CA should not either).
const Validity = 7 * 24 * time.Hour

// CA is a certificate authority made in memory.
type CA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	// PEM is the CA's certificate, PEM-encoded.
	PEM []byte
}

// NewCA makes a self-signed CA named name.
func NewCA(name string) (*CA, error) {
	key, tmpl, err := newTemplate(name)
	if err != nil {
		return nil, fmt.Errorf("certs: CA: %w", err)
	}
	tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("certs: CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("certs: CA certificate: %w", err)
	}
	return &CA{cert: cert, key: key, PEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

// newTemplate makes a key and the template every certificate here starts
// from: named name, valid from an hour ago (clock skew) for Validity.
func newTemplate(name string) (*ecdsa.PrivateKey, *x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("key: %w", err)
	}
	serial, err := serialNumber()
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	return key, &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(Validity),
	}, nil
}

// Pool is a pool holding the CA alone.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

// Leaf is a certificate the CA signed, with its key.
type Leaf struct {
	TLS             tls.Certificate
	CertPEM, KeyPEM []byte
}

// Issue signs a certificate for name, valid for 127.0.0.1, ::1, localhost
// and name itself (a DNS name, so that a peer can insist on this program:
// tls server_name "controlplane" refuses a worker's certificate, which the
// same CA signed), for both server and client authentication.
func (ca *CA) Issue(name string) (*Leaf, error) {
	key, tmpl, err := newTemplate(name)
	if err != nil {
		return nil, fmt.Errorf("certs: %s: %w", name, err)
	}
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	tmpl.DNSNames = []string{"localhost"}
	if name != "localhost" && dnsName(name) {
		tmpl.DNSNames = append(tmpl.DNSNames, name)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return nil, fmt.Errorf("certs: certificate of %s: %w", name, err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("certs: key of %s: %w", name, err)
	}
	l := &Leaf{
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}),
	}
	if l.TLS, err = tls.X509KeyPair(l.CertPEM, l.KeyPEM); err != nil {
		return nil, fmt.Errorf("certs: %s: %w", name, err)
	}
	return l, nil
}

// Material is mutual-TLS key material for name: a certificate the CA
// signed, and the CA as the only root peers are checked against.
func (ca *CA) Material(name string) (*tlsconf.Material, error) {
	l, err := ca.Issue(name)
	if err != nil {
		return nil, err
	}
	return &tlsconf.Material{Cert: &l.TLS, CAs: ca.Pool(), VerifyPeer: true}, nil
}

// WriteCert writes a certificate for name (name.crt) and the CA (ca.crt)
// into dir, and returns the config settings that name them, with
// verify_peer on, and the private key, PEM-encoded, which it does not
// write: the caller hands it to the program some other way and sets
// KeyFile (see harness/cluster, which passes it through an inherited pipe).
func (ca *CA) WriteCert(dir, name string) (tlsconf.Config, []byte, error) {
	l, err := ca.Issue(name)
	if err != nil {
		return tlsconf.Config{}, nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return tlsconf.Config{}, nil, fmt.Errorf("certs: %w", err)
	}
	c := tlsconf.Config{CertFile: filepath.Join(dir, name+".crt"), CAFile: filepath.Join(dir, "ca.crt"), VerifyPeer: true}
	for _, f := range []struct {
		path string
		b    []byte
	}{{c.CAFile, ca.PEM}, {c.CertFile, l.CertPEM}} {
		if err := os.WriteFile(f.path, f.b, 0o600); err != nil {
			return tlsconf.Config{}, nil, fmt.Errorf("certs: %w", err)
		}
	}
	return c, l.KeyPEM, nil
}

// WriteFiles writes a certificate for name (name.crt, name.key) and the CA
// (ca.crt) into dir, and returns the config settings that name them, with
// verify_peer on. Keys are written readable by the owner only.
func (ca *CA) WriteFiles(dir, name string) (tlsconf.Config, error) {
	l, err := ca.Issue(name)
	if err != nil {
		return tlsconf.Config{}, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return tlsconf.Config{}, fmt.Errorf("certs: %w", err)
	}
	c := tlsconf.Config{
		CertFile: filepath.Join(dir, name+".crt"), KeyFile: filepath.Join(dir, name+".key"),
		CAFile: filepath.Join(dir, "ca.crt"), VerifyPeer: true,
	}
	for _, f := range []struct {
		path string
		b    []byte
	}{{c.CAFile, ca.PEM}, {c.CertFile, l.CertPEM}, {c.KeyFile, l.KeyPEM}} {
		if err := os.WriteFile(f.path, f.b, 0o600); err != nil {
			return tlsconf.Config{}, fmt.Errorf("certs: %w", err)
		}
	}
	return c, nil
}

// dnsName reports whether name can be a certificate's DNS name: letters,
// digits, '-' and '.', at most 253 bytes. Other names (a description with
// spaces) stay in the common name only.
func dnsName(name string) bool {
	if name == "" || len(name) > 253 {
		return false
	}
	for _, c := range []byte(name) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.'
		if !ok {
			return false
		}
	}
	return true
}

func serialNumber() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	if err != nil {
		return nil, fmt.Errorf("serial number: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil // never 0
}

// PoolFromPEM is a pool of the certificates in pemCerts (a CA as PEM
// encodes it); an error if there is none.
func PoolFromPEM(pemCerts []byte) (*x509.CertPool, error) {
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM(pemCerts) {
		return nil, errors.New("certs: no PEM certificate")
	}
	return p, nil
}
