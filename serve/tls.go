package serve

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"net"
	"slices"
	"time"
)

// The throwaway certificate of Options.TLS: valid for the loopback names only, from an
// hour ago (clocks drift) for 30 days.
const (
	certName     = "wsx serve"
	certBackdate = time.Hour
	certLifetime = 30 * 24 * time.Hour
)

// selfSigned makes a throwaway ECDSA P-256 certificate for 127.0.0.1, ::1 and
// localhost. It is its own CA, so a client that trusts its PEM (--cacert) verifies it.
func selfSigned(now time.Time) (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	start := now.Add(-certBackdate)
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: certName},
		NotBefore:             start,
		NotAfter:              start.Add(certLifetime),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key) // random serial
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	return cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

// setupTLS gives the server its certificate when Options.TLS asks for wss.
func (s *Server) setupTLS(now time.Time) error {
	cert, certPEM, err := selfSigned(now)
	if err != nil {
		return fmt.Errorf("cannot make a TLS certificate: %v", err)
	}
	s.tls = &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}}
	s.certPEM = certPEM
	return nil
}

// CertificatePEM returns the PEM of the server's certificate, for clients to trust
// (`--cacert`); nil without Options.TLS.
func (s *Server) CertificatePEM() []byte {
	return slices.Clone(s.certPEM)
}
