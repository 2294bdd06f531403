package exporter

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
)

// TimeoutOffset is taken off the timeout Prometheus sends, so that the
// page is written before Prometheus gives up on it.
const TimeoutOffset = 500 * time.Millisecond

// ScrapeHandler serves the metrics of e and those of extra (the
// exporter's own process and Go runtime; nil for none). Each request's
// reading ends by the deadline in its X-Prometheus-Scrape-Timeout-Seconds
// header less TimeoutOffset (DefaultTimeout without one). A reading that
// failed in part still serves every metric it has: the failure is in
// sockscope_scrape_collector_success.
func ScrapeHandler(e *Exporter, extra prometheus.Gatherer) http.Handler {
	opts := promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), ScrapeTimeout(r.Header))
		defer cancel()
		g := prometheus.Gatherers{metricsGatherer(e.Metrics(ctx))}
		if extra != nil {
			g = append(g, extra)
		}
		promhttp.HandlerFor(g, opts).ServeHTTP(w, r)
	})
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
