package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// testServe runs serve under Wine: its metrics page, read from the Linux
// side over loopback, has the sockets the IP Helper table holds (this
// test's listener among them), the protocol counters of
// GetTcpStatisticsEx and friends, every part reported successful, and
// passes promtool's lint.
func (w *wine) testServe(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	errOut := tempFile(t)
	cmd := exec.Command(w.script, w.exe, "serve", "--web.listen-address", "127.0.0.1:0")
	cmd.Env = wineEnviron(nil)
	cmd.Stderr = errOut
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}()
	re := regexp.MustCompile(`serving /metrics on (127\.0\.0\.1:\d+)`)
	var addr string
	for deadline := time.Now().Add(90 * time.Second); addr == ""; {
		if m := re.FindSubmatch(readBack(t, errOut)); m != nil {
			addr = string(m[1])
			break
		}
		select {
		case err := <-done:
			t.Fatalf("serve under Wine ended (%v):\n%s", err, readBack(t, errOut))
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve under Wine did not listen in 90 s:\n%s", readBack(t, errOut))
		}
	}
	client := &http.Client{Timeout: time.Minute}
	resp, err := client.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, %v:\n%s", resp.StatusCode, err, body)
	}
	page := string(body)
	for _, want := range []string{
		fmt.Sprintf(`sockscope_listen_queue_backlog{address="127.0.0.1",port="%d",protocol="tcp"}`, port),
		`sockscope_sockets{family="inet",protocol="tcp",state="LISTEN"}`,
		`sockscope_netstat_tcp_active_opens_total`,
		`sockscope_netstat_udp_in_datagrams_total`,
		`sockscope_ephemeral_port_range_size 16384`,
		`sockscope_scrape_collector_success{collector="sockets"} 1`,
		`sockscope_scrape_collector_success{collector="owners"} 1`,
		`sockscope_scrape_collector_success{collector="counters"} 1`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("no %s on the page:\n%s", want, page)
		}
	}
	if promtool, err := exec.LookPath("promtool"); err == nil {
		check := exec.Command(promtool, "check", "metrics")
		check.Stdin = strings.NewReader(page)
		if out, err := check.CombinedOutput(); err != nil {
			t.Errorf("promtool check metrics: %v\n%s", err, out)
		}
	}
}
