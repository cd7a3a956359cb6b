package dial

import (
	"crypto/tls"
	"crypto/x509"
	"os"

	"github.com/wsx-cli/wsx/internal/exit"
)

// tlsConfig reads --cacert, --cert, --key and --insecure.
func tlsConfig(o Options, host string) (*tls.Config, error) {
	cfg := &tls.Config{ServerName: host, NextProtos: []string{"http/1.1"}, InsecureSkipVerify: o.Insecure}
	if file := o.CACert; file != "" {
		pem, err := os.ReadFile(file)
		if err != nil {
			return nil, exit.Usagef("cannot read --cacert: %v", err)
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return nil, exit.Usagef("--cacert %s holds no PEM certificate", file)
		}
	}
	cert, key := o.Cert, o.Key
	switch {
	case cert == "" && key == "":
	case cert == "" || key == "":
		return nil, exit.Usagef("--cert and --key go together")
	default:
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, exit.Usagef("cannot load client certificate: %v", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}
