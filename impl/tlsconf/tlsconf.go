// Package tlsconf builds the tls.Config of a listener or dialer from the
// cert_file, key_file, ca_file and verify_peer settings of a config file.
package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// ErrRefused is wrapped by the error of a handshake refused for the peer's
// certificate.
var ErrRefused = errors.New("tlsconf: peer certificate refused")

// Config is the "tls" object of the control plane and worker configs.
type Config struct {
	CertFile   string `json:"cert_file"`   // PEM certificate (chain) of this process
	KeyFile    string `json:"key_file"`    // PEM private key for CertFile
	CAFile     string `json:"ca_file"`     // PEM CA bundle that signs peers
	VerifyPeer bool   `json:"verify_peer"` // mutual TLS: refuse peers the CA did not sign
	ServerName string `json:"server_name"` // name to verify on servers; default: the dialed host
}

// Enabled reports whether any TLS setting is present.
func (c Config) Enabled() bool { return c != Config{} }

// Validate checks that the settings fit together; field names are the JSON keys.
func (c Config) Validate() error {
	var errs []error
	if (c.CertFile == "") != (c.KeyFile == "") {
		errs = append(errs, errors.New("tls.cert_file and tls.key_file: give both or neither"))
	}
	if c.VerifyPeer && c.CAFile == "" {
		errs = append(errs, errors.New("tls.ca_file: required when verify_peer is true"))
	}
	return errors.Join(errs...)
}

// Material is loaded key material: this process's certificate and the CA pool.
type Material struct {
	Cert       *tls.Certificate // nil: none (a client that is not verified)
	CAs        *x509.CertPool   // nil: none
	VerifyPeer bool
	ServerName string
}

// Load reads the files named by c.
func (c Config) Load() (*Material, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	m := &Material{VerifyPeer: c.VerifyPeer, ServerName: c.ServerName}
	if c.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("tls.cert_file %s / tls.key_file %s: %w", c.CertFile, c.KeyFile, err)
		}
		m.Cert = &cert
	}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("tls.ca_file: %w", err)
		}
		m.CAs = x509.NewCertPool()
		if !m.CAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tls.ca_file %s: no PEM certificate in it", c.CAFile)
		}
	}
	return m, nil
}

// Server returns the config of a listener. With VerifyPeer, a client must
// present a certificate the CA signed. Verification runs in VerifyConnection
// rather than through ClientAuth so that a refusal is one callback the
// transport can wrap and count.
func (m *Material) Server() (*tls.Config, error) {
	if m.Cert == nil {
		return nil, errors.New("tls.cert_file: a listener needs a certificate")
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{*m.Cert}}
	if m.VerifyPeer {
		cfg.ClientAuth = tls.RequestClientCert
		roots := m.CAs
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			return verify(cs, roots, "", x509.ExtKeyUsageClientAuth)
		}
	}
	return cfg, nil
}

// Client returns the config of a dialer. With VerifyPeer, the server's
// certificate must be signed by the CA and name the dialed host (or
// ServerName); without it the server is not checked.
func (m *Material) Client() *tls.Config {
	cfg := &tls.Config{
		MinVersion: tls.VersionTLS12,
		ServerName: m.ServerName,
		// Verification is done in VerifyConnection below (or deliberately
		// not at all without verify_peer), so the default check is off.
		InsecureSkipVerify: true, //nolint:gosec // see above
	}
	if m.Cert != nil {
		cfg.Certificates = []tls.Certificate{*m.Cert}
	}
	if m.VerifyPeer {
		roots := m.CAs
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			return verify(cs, roots, cs.ServerName, x509.ExtKeyUsageServerAuth)
		}
	}
	return cfg
}

func verify(cs tls.ConnectionState, roots *x509.CertPool, name string, usage x509.ExtKeyUsage) error {
	if len(cs.PeerCertificates) == 0 {
		return fmt.Errorf("%w: none presented", ErrRefused)
	}
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{
		Roots: roots, Intermediates: inter, DNSName: name, KeyUsages: []x509.ExtKeyUsage{usage},
	})
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrRefused, cs.PeerCertificates[0].Subject.CommonName, err)
	}
	return nil
}
