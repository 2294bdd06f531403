package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// TestIntegrationServeBadInput: what serve refuses before it listens is
// bad input — one line naming it, exit status 2 — and a port already in
// use is a runtime failure, exit status 1, in one line. Neither needs
// root.
func TestIntegrationServeBadInput(t *testing.T) {
	bin := sockscopeBinary(t)
	dir := t.TempDir()
	invalid := filepath.Join(dir, "invalid.yml")
	os.WriteFile(invalid, []byte("tls_server_config:\n  cert_file: /nonexistent/cert.pem\n  key_file: [\n"), 0o644)
	unknown := filepath.Join(dir, "unknown.yml")
	os.WriteFile(unknown, []byte("no_such_setting: 1\n"), 0o644)
	for _, c := range []struct {
		args []string
		name string
	}{
		{[]string{"--web.config.file", invalid}, "--web.config.file"},
		{[]string{"--web.config.file", unknown}, "no_such_setting"},
		{[]string{"--web.config.file", filepath.Join(dir, "missing.yml")}, "missing.yml"},
		{[]string{"--netstat.fields", "Tcp_(("}, "--netstat.fields"},
		{[]string{"--processes.top", "0"}, "--processes.top"},
		{[]string{"--listeners.max", "-1"}, "--listeners.max"},
		{[]string{"--web.listen-address", "localhost"}, "localhost"},
		{[]string{"--web.telemetry-path", "metrics"}, "metrics"},
		{[]string{"--scrape.cache", "-1s"}, "--scrape.cache"},
		{[]string{"--format", "json"}, "format"},
		{[]string{"-c"}, "-c"},
		{[]string{"state", "bogus"}, "bogus"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		stdout, stderr, code := run(t, exec.CommandContext(ctx, bin, append([]string{"serve"}, c.args...)...))
		cancel()
		t.Run(strings.Join(c.args, " "), func(t *testing.T) { checkUsageError(t, stdout, stderr, code, c.name) })
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	stdout, stderr, code := run(t, exec.CommandContext(ctx, bin, "serve", "--web.listen-address", ln.Addr().String()))
	msg := strings.TrimSuffix(string(stderr), "\n")
	if code != 1 || strings.Contains(msg, "\n") || !strings.Contains(msg, "address already in use") || len(stdout) > 0 {
		t.Errorf("a port in use: exit status %d, stderr %q, stdout %q; want 1 and one line saying so", code, stderr, stdout)
	}
}

// TestIntegrationServeTLS serves with the exporters' web configuration
// file: TLS with a certificate of the test's making and basic
// authentication. The right password gets the metrics, a wrong one and
// none get 401, and plain HTTP gets no metrics.
func TestIntegrationServeTLS(t *testing.T) {
	bin := sockscopeBinary(t)
	dir := t.TempDir()
	certPEM, keyPEM := selfSigned(t)
	os.WriteFile(filepath.Join(dir, "cert.pem"), certPEM, 0o600)
	os.WriteFile(filepath.Join(dir, "key.pem"), keyPEM, 0o600)
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	config := "tls_server_config:\n  cert_file: " + filepath.Join(dir, "cert.pem") + "\n  key_file: " + filepath.Join(dir, "key.pem") +
		"\nbasic_auth_users:\n  prometheus: " + string(hash) + "\n"
	os.WriteFile(filepath.Join(dir, "web.yml"), []byte(config), 0o600)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	addr := startServing(t, exec.CommandContext(ctx, bin, "serve", "--web.listen-address", "127.0.0.1:0", "--web.config.file", filepath.Join(dir, "web.yml")))

	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}}}
	get := func(user, password string) int {
		req, _ := http.NewRequest(http.MethodGet, "https://"+addr+"/metrics", nil)
		if user != "" {
			req.SetBasicAuth(user, password)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := get("prometheus", "s3cret"); got != http.StatusOK {
		t.Errorf("the right password: %d, want 200", got)
	}
	if got := get("prometheus", "wrong"); got != http.StatusUnauthorized {
		t.Errorf("a wrong password: %d, want 401", got)
	}
	if got := get("", ""); got != http.StatusUnauthorized {
		t.Errorf("no password: %d, want 401", got)
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Get("http://" + addr + "/metrics")
	if err == nil {
		defer resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Errorf("plain HTTP got the metrics")
		}
	}
}

// selfSigned makes a certificate for localhost and 127.0.0.1, and its
// key, in PEM.
func selfSigned(t *testing.T) (certPEM, keyPEM []byte) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
}
