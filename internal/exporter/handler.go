package exporter

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// TimeoutOffset is taken off the timeout Prometheus sends, so that the
// page is written before Prometheus gives up on it.
const TimeoutOffset = 500 * time.Millisecond

// ScrapeHandler serves the metrics of e and those of extra (the
// exporter's own process and Go runtime; nil for none), gathered with
// each reading. Each request's reading ends by the deadline in its
// X-Prometheus-Scrape-Timeout-Seconds header less TimeoutOffset
// (DefaultTimeout without one). A reading that failed in part still
// serves every metric it has: the failure is in
// sockscope_scrape_collector_success. The page of a reading is encoded
// once per format (text, protobuf; gzipped when asked) and written to
// every scrape it serves.
func ScrapeHandler(e *Exporter, extra prometheus.Gatherer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), ScrapeTimeout(r.Header))
		defer cancel()
		rd := e.reading(ctx)
		key := pageKey{
			format: expfmt.NegotiateAccept(r.Header, expfmt.DefaultAcceptedFormats()...),
			gzip:   acceptsGzip(r.Header),
		}
		page, err := rd.page(key, extra)
		if err != nil {
			http.Error(w, "sockscope: "+err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", string(key.format))
		if key.gzip {
			w.Header().Set("Content-Encoding", "gzip")
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(page)))
		w.Write(page)
	})
}

// page returns the reading's page in format key, encoding it the first
// time it is asked for.
func (rd *reading) page(key pageKey, extra prometheus.Gatherer) ([]byte, error) {
	rd.pagesMu.Lock()
	defer rd.pagesMu.Unlock()
	if p, ok := rd.pages[key]; ok {
		return p, nil
	}
	g := prometheus.Gatherers{metricsGatherer(rd.metrics)}
	if extra != nil {
		g = append(g, extra)
	}
	// A family that failed to gather is left out, the rest served (a
	// metric of ours that the registry refuses is a bug, not a reason
	// to serve nothing).
	mfs, _ := g.Gather()
	var buf bytes.Buffer
	var zw *gzip.Writer
	var out interface{ Write([]byte) (int, error) } = &buf
	if key.gzip {
		zw = gzip.NewWriter(&buf)
		out = zw
	}
	enc := expfmt.NewEncoder(out, key.format)
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return nil, fmt.Errorf("encoding %s: %w", mf.GetName(), err)
		}
	}
	if c, ok := enc.(expfmt.Closer); ok {
		if err := c.Close(); err != nil {
			return nil, err
		}
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return nil, err
		}
	}
	if rd.pages == nil {
		rd.pages = make(map[pageKey][]byte, 2)
	}
	rd.pages[key] = buf.Bytes()
	return buf.Bytes(), nil
}

// acceptsGzip reports whether the request's Accept-Encoding takes gzip.
func acceptsGzip(h http.Header) bool {
	for _, v := range h.Values("Accept-Encoding") {
		for _, part := range strings.Split(v, ",") {
			enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
			if strings.TrimSpace(enc) == "gzip" && strings.ReplaceAll(q, " ", "") != "q=0" {
				return true
			}
		}
	}
	return false
}

// ScrapeTimeout returns the time a scrape with header h may take: the
// timeout Prometheus sent less TimeoutOffset (but at least half of it),
// or DefaultTimeout if it sent none that can be read.
func ScrapeTimeout(h http.Header) time.Duration {
	v := h.Get("X-Prometheus-Scrape-Timeout-Seconds")
	if v == "" {
		return DefaultTimeout
	}
	s, err := strconv.ParseFloat(v, 64)
	if err != nil || !(s > 0) || s > 3600 {
		return DefaultTimeout
	}
	d := time.Duration(s * float64(time.Second))
	if d-TimeoutOffset < d/2 {
		return d / 2
	}
	return d - TimeoutOffset
}

// metricsGatherer gathers a reading's metrics.
type metricsGatherer []prometheus.Metric

func (m metricsGatherer) Gather() ([]*dto.MetricFamily, error) {
	reg := prometheus.NewRegistry()
	if err := reg.Register(metricsCollector(m)); err != nil {
		return nil, err
	}
	return reg.Gather()
}

// metricsCollector sends a reading's metrics as an unchecked collector.
type metricsCollector []prometheus.Metric

func (m metricsCollector) Describe(chan<- *prometheus.Desc) {}
func (m metricsCollector) Collect(ch chan<- prometheus.Metric) {
	for _, x := range m {
		ch <- x
	}
}
