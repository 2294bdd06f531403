package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sockscope/sockscope/internal/netns"
	"github.com/sockscope/sockscope/internal/testutil"
	"github.com/sockscope/sockscope/internal/trace"
)

// requireProgram returns the path of a program a test needs, skipping
// the test if it is not installed unless SOCKSCOPE_PROMETHEUS=require.
func requireProgram(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("SOCKSCOPE_PROMETHEUS") == "require" {
			t.Fatalf("%s is not installed (Debian package prometheus) and SOCKSCOPE_PROMETHEUS=require", name)
		}
		t.Skipf("%s is not installed (Debian package prometheus)", name)
	}
	return path
}

// startServe starts sockscope serve inside ns on a port of its choosing
// and returns the address it listens on.
func startServe(t *testing.T, ns *testutil.NetNS, bin string, args ...string) string {
	t.Helper()
	return startServing(t, ns.Command(bin, append([]string{"serve", "--web.listen-address", "127.0.0.1:0"}, args...)...))
}

// startServing starts cmd, a sockscope serve on 127.0.0.1:0, and returns
// the address it listens on, read from its line on stderr (its other
// lines are logged); it is interrupted when the test ends.
func startServing(t *testing.T, cmd *exec.Cmd) string {
	t.Helper()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	})
	lines := bufio.NewScanner(stderr)
	re := regexp.MustCompile(`serving /metrics on (127\.0\.0\.1:\d+)`)
	addr := make(chan string, 1)
	go func() {
		for lines.Scan() {
			if m := re.FindStringSubmatch(lines.Text()); m != nil {
				addr <- m[1]
			} else {
				t.Logf("serve: %s", lines.Text())
			}
		}
	}()
	select {
	case a := <-addr:
		return a
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not say where it listens")
	}
	return ""
}

// getIn makes an HTTP GET of url from inside the namespace at path: the
// connection is made there, then the request is sent over it.
func getIn(path, url string, header http.Header) (*http.Response, []byte, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	var conn net.Conn
	err = netns.DoPath(path, func() error {
		var err error
		conn, err = net.DialTimeout("tcp", req.URL.Host, 5*time.Second)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	req.Close = true
	if err := req.Write(conn); err != nil {
		return nil, nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		return nil, nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, body, err
}

// TestIntegrationServePrometheus has a real Prometheus scrape sockscope
// serve in a namespace of the test's own, where the test holds two
// listeners and three connections its side has not closed (CLOSE_WAIT),
// and asks Prometheus, in PromQL through its HTTP API, for what it
// stored: the listeners with their owner, the CLOSE_WAIT sockets by
// listener and by program.
func TestIntegrationServePrometheus(t *testing.T) {
	testutil.RequireRoot(t)
	prom := requireProgram(t, "prometheus")
	bin := sockscopeBinary(t)
	ns := testutil.NewNetNS(t)
	var lns []net.Listener
	for range 2 {
		ln, err := listenIn(ns.Path)
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		lns = append(lns, ln)
	}
	for range 3 {
		client, server := connectIn(t, ns.Path, lns[0])
		client.Close() // the peer closes; this side never does: CLOSE_WAIT
		defer server.Close()
	}
	addr := startServe(t, ns, bin)

	dir := t.TempDir()
	config := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: sockscope
    static_configs:
      - targets: [%q]
`, addr)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	const promAddr = "127.0.0.1:9090" // the namespace is the test's own
	cmd := ns.Command(prom, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+promAddr)
	log, err := os.Create(filepath.Join(dir, "prometheus.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
		if t.Failed() {
			b, _ := os.ReadFile(log.Name())
			t.Logf("prometheus log:\n%s", b)
		}
	}()

	ports := strconv.Itoa(lns[0].Addr().(*net.TCPAddr).Port) + "|" + strconv.Itoa(lns[1].Addr().(*net.TCPAddr).Port)
	port0 := strconv.Itoa(lns[0].Addr().(*net.TCPAddr).Port)
	me := readComm(t)
	queries := []struct{ query, want string }{
		{`up{job="sockscope"}`, "1"},
		{fmt.Sprintf(`count(sockscope_listener_info{port=~%q, program=%q})`, ports, me), "2"},
		{fmt.Sprintf(`count(sockscope_listen_queue_backlog{port=~%q} > 0)`, ports), "2"},
		{`sum(sockscope_sockets{state="CLOSE_WAIT"})`, "3"},
		{fmt.Sprintf(`sockscope_listener_connections{port=%q, state="CLOSE_WAIT"}`, port0), "3"},
		{fmt.Sprintf(`sum(sockscope_process_sockets{program=%q, state="CLOSE_WAIT"})`, me), "3"},
		{`min(sockscope_scrape_collector_success)`, "1"},
		{`sockscope_netstat_tcp_passive_opens_total >= bool 3`, "1"},
	}
	deadline := time.Now().Add(60 * time.Second)
	for _, q := range queries {
		var got string
		for {
			got = promQuery(t, ns.Path, promAddr, q.query)
			if got == q.want || time.Now().After(deadline) {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
		if got != q.want {
			t.Errorf("%s = %q, want %s", q.query, got, q.want)
		}
	}
}

// readComm returns this process's name as the kernel keeps it (comm),
// the program label of its sockets.
func readComm(t *testing.T) string {
	b, err := os.ReadFile("/proc/self/comm")
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// promQuery asks the Prometheus at addr (inside the namespace at path)
// for an instant query and returns the value of its single sample, ""
// if it has none (or several, in which case it says so).
func promQuery(t *testing.T, path, addr, query string) string {
	t.Helper()
	resp, body, err := getIn(path, "http://"+addr+"/api/v1/query?query="+url.QueryEscape(query), nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		return ""
	}
	var r struct {
		Status string
		Data   struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		}
	}
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("%s: %v\n%s", query, err, body)
	}
	switch len(r.Data.Result) {
	case 0:
		return ""
	case 1:
		v, _ := r.Data.Result[0].Value[1].(string)
		return v
	}
	return fmt.Sprintf("%d samples", len(r.Data.Result))
}

// TestIntegrationServeAllNetNS: with --all-netns the socket metrics and
// the counters carry the namespace's name, and a namespace made after
// serve started is on a later scrape.
func TestIntegrationServeAllNetNS(t *testing.T) {
	testutil.RequireRoot(t)
	bin := sockscopeBinary(t)
	first := testutil.NewNetNS(t)
	ln1, err := listenIn(first.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln1.Close()
	addr := startServing(t, exec.Command(bin, "serve", "--all-netns", "--scrape.cache", "0", "--web.listen-address", "127.0.0.1:0"))
	second := testutil.NewNetNS(t) // made after serve started
	ln2, err := listenIn(second.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln2.Close()
	resp, err := (&http.Client{Timeout: time.Minute}).Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(body)
	for _, c := range []struct {
		ns *testutil.NetNS
		ln net.Listener
	}{{first, ln1}, {second, ln2}} {
		for _, want := range []string{
			fmt.Sprintf(`sockscope_listen_queue_backlog{address="127.0.0.1",container="",netns=%q,port="%d",protocol="tcp"}`, c.ns.Name, c.ln.Addr().(*net.TCPAddr).Port),
			fmt.Sprintf(`sockscope_sockets{container="",family="inet",netns=%q,protocol="tcp",state="LISTEN"} 1`, c.ns.Name),
			fmt.Sprintf(`sockscope_netstat_tcp_active_opens_total{container="",netns=%q} 0`, c.ns.Name),
		} {
			if !strings.Contains(page, want) {
				t.Errorf("no %s on the page", want)
			}
		}
	}
	if t.Failed() {
		t.Logf("page:\n%s", page)
	}
}

// TestIntegrationServeTrace: with --trace, the connections made between
// two scrapes are counted, outgoing and incoming by program, and failed
// connects by destination port; serve, which counts by name, does not
// run the exec programs (they would run at every exec and fork of the
// machine for nothing).
func TestIntegrationServeTrace(t *testing.T) {
	testutil.RequireRoot(t)
	bin := sockscopeBinary(t)
	ns := testutil.NewNetNS(t)
	cmd := ns.Command(bin, "serve", "--web.listen-address", "127.0.0.1:0", "--trace", "--scrape.cache", "0")
	addr := startServing(t, cmd)
	ln, _ := listenerIn(t, ns.Path)
	closed := closedPortIn(t, ns.Path)
	time.Sleep(time.Second) // trace attaches
	for range 5 {
		c, s := connectIn(t, ns.Path, ln)
		c.Close()
		s.Close()
	}
	refusedIn(t, ns.Path, closed, 2)
	me := readComm(t)
	want := []string{
		fmt.Sprintf(`sockscope_connect_failures_total{port="%d"} 2`, closed),
	}
	var page string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		_, body, err := getIn(ns.Path, "http://"+addr+"/metrics", nil)
		if err != nil {
			t.Fatal(err)
		}
		page = string(body)
		if strings.Contains(page, want[0]) {
			break
		}
	}
	if strings.Contains(page, "eBPF") {
		t.Logf("%s", page)
	}
	for _, w := range want {
		if !strings.Contains(page, w) {
			if !strings.Contains(page, "sockscope_connections_") && os.Getenv("SOCKSCOPE_EBPF") != "require" {
				t.Skip("no connection counters: no eBPF here")
			}
			t.Errorf("no %s on the page", w)
		}
	}
	for _, dir := range []string{"outgoing", "incoming"} {
		re := regexp.MustCompile(fmt.Sprintf(`sockscope_connections_opened_total\{direction="%s",program="%s"\} (\d+)`, dir, regexp.QuoteMeta(me)))
		m := re.FindStringSubmatch(page)
		if m == nil {
			t.Errorf("no %s connections of %s counted", dir, me)
			continue
		}
		if n, _ := strconv.Atoi(m[1]); n < 5 {
			t.Errorf("%s connections of %s: %d, want at least 5", dir, me, n)
		}
	}
	if progs := bpfProgramsOf(cmd.Process.Pid); !progs[trace.ProgramNameTCP] || progs[trace.ProgramNameExec] || progs[trace.ProgramNameFork] {
		t.Errorf("serve holds the programs %v, want %s and not the exec programs", progs, trace.ProgramNameTCP)
	}
}
