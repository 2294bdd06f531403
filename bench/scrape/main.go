// Command scrape scrapes a metrics page as Prometheus does, for
// bench/serve.sh: rounds of concurrent GETs with the scrape timeout
// header, the latency of each, and, every so many scrapes, the RSS of the
// exporter's process and its goroutines (go_goroutines on the page).
//
//	scrape -url http://127.0.0.1:10393/metrics -n 3600 -rss PID -every 100
//	scrape -url ... -c 100           (one round of 100 at once)
//
// It prints one line per sample and a summary; it talks to the URL given
// only (the bench gives a loopback one).
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:10393/metrics", "metrics page")
	n := flag.Int("n", 1, "rounds")
	c := flag.Int("c", 1, "concurrent scrapes per round")
	pid := flag.Int("rss", 0, "PID whose RSS to sample")
	every := flag.Int("every", 100, "sample RSS and goroutines every this many rounds")
	series := flag.Bool("series", false, "print the number of series of the first page")
	flag.Parse()
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: *c}}
	var all []time.Duration
	var mu sync.Mutex
	for r := 1; r <= *n; r++ {
		var wg sync.WaitGroup
		var body []byte
		for i := 0; i < *c; i++ {
			wg.Add(1)
			go func(first bool) {
				defer wg.Done()
				start := time.Now()
				b, err := get(client, *url)
				d := time.Since(start)
				if err != nil {
					fmt.Fprintln(os.Stderr, "scrape:", err)
					os.Exit(1)
				}
				mu.Lock()
				all = append(all, d)
				if first {
					body = b
				}
				mu.Unlock()
			}(i == 0)
		}
		wg.Wait()
		if r == 1 && *series {
			fmt.Printf("series %d\n", countSeries(body))
		}
		if *pid > 0 && (r%*every == 0 || r == 1) {
			fmt.Printf("scrape %d rss_kib %d goroutines %s\n", r, rss(*pid), value(body, "go_goroutines"))
		}
	}
	slices.Sort(all)
	fmt.Printf("scrapes %d min %.1fms median %.1fms max %.1fms\n", len(all), ms(all[0]), ms(all[len(all)/2]), ms(all[len(all)-1]))
}

func get(client *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", "10")
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("status %d", resp.StatusCode)
	}
	return b, err
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func countSeries(b []byte) int {
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if l := sc.Text(); l != "" && !strings.HasPrefix(l, "#") {
			n++
		}
	}
	return n
}

func value(b []byte, name string) string {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			return v
		}
	}
	return "?"
}

func rss(pid int) int {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n
		}
	}
	return 0
}
