// Package grafana builds sockscope's Grafana dashboard (sockscope.json) for
// the metrics of `sockscope serve` (docs/serve.md) with the typed builders of
// grafana-foundation-sdk, so the compiler checks the dashboard's schema. The
// committed JSON is this package's output; its test keeps the two equal.
package grafana

//lint:file-ignore SA1019 The SDK marks the classic dashboard model deprecated in favour of dashboardv2, but v2 is a Kubernetes-style resource only Grafana 12 with its new-layouts feature reads; the classic JSON imports into every Grafana an operator runs.

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// UID is the dashboard's uid: a re-import replaces the dashboard instead of
// adding a copy, and links to /d/sockscope keep working.
const UID = "sockscope"

// sel selects the series of the chosen instances and namespaces. A metric
// without a netns label (no --all-netns) matches the netns variable's "All"
// (.*), which matches the empty value.
const sel = `instance=~"$instance", netns=~"$netns"`

// inst selects by instance only, for what the exporter publishes once per
// machine, never with a netns label: the kernel's limits and the scrape's
// own metrics.
const inst = `instance=~"$instance"`

// ds makes every query use the data source the datasource variable picks.
var ds = common.DataSourceRef{
	Type: cog.ToPtr("prometheus"),
	Uid:  cog.ToPtr("${datasource}"),
}

// q fills sel into expr's selectors where expr says SEL, and inst where it
// says INST, and makes a range query.
func q(expr, legend string) *prometheus.DataqueryBuilder {
	return prometheus.NewDataqueryBuilder().
		Datasource(ds).
		Expr(strings.NewReplacer("SEL", sel, "INST", inst).Replace(expr)).
		LegendFormat(legend).
		Range()
}

// panel is a time series panel with the settings every panel here shares.
func panel(title, description, unit string) *timeseries.PanelBuilder {
	return timeseries.NewPanelBuilder().
		Title(title).
		Description(description).
		Datasource(ds).
		Unit(unit).
		Min(0).
		Height(8).
		Span(12).
		LineWidth(1).
		FillOpacity(10).
		ShowPoints(common.VisibilityModeNever).
		Legend(common.NewVizLegendOptionsBuilder().
			DisplayMode(common.LegendDisplayModeList).
			Placement(common.LegendPlacementBottom).
			ShowLegend(true)).
		Tooltip(common.NewVizTooltipOptionsBuilder().
			Mode(common.TooltipDisplayModeMulti).
			Sort(common.SortOrderDescending))
}

// stacked is panel with its series stacked, for parts of one whole.
func stacked(title, description, unit string) *timeseries.PanelBuilder {
	return panel(title, description, unit).
		FillOpacity(60).
		Stacking(common.NewStackingConfigBuilder().Mode(common.StackingModeNormal))
}

// dashedLimits draws the series whose name matches re (the limits a count
// is compared with) as dashed lines without fill, so they read as a ceiling.
func dashedLimits(p *timeseries.PanelBuilder, re string) *timeseries.PanelBuilder {
	return p.OverrideByRegexp(re, []dashboard.DynamicConfigValue{
		{Id: "custom.lineStyle", Value: map[string]any{"fill": "dash", "dash": []int{10, 10}}},
		{Id: "custom.fillOpacity", Value: 0},
	})
}

// thresholdLines draws the alert thresholds of the rules file as dashed
// lines: warning in orange (none if warning is 0: an alert on "above zero"
// needs no line), critical in red.
func thresholdLines(p *timeseries.PanelBuilder, warning, critical float64) *timeseries.PanelBuilder {
	steps := []dashboard.Threshold{{Value: nil, Color: "green"}}
	if warning > 0 {
		steps = append(steps, dashboard.Threshold{Value: cog.ToPtr(warning), Color: "orange"})
	}
	steps = append(steps, dashboard.Threshold{Value: cog.ToPtr(critical), Color: "red"})
	return p.
		Thresholds(dashboard.NewThresholdsConfigBuilder().
			Mode(dashboard.ThresholdsModeAbsolute).
			Steps(steps)).
		ThresholdsStyle(common.NewGraphThresholdsStyleConfigBuilder().
			Mode(common.GraphThresholdsStyleModeDashed))
}

// variable is a query variable over the data source, every value selected
// at first.
func variable(name, label, query, allValue string) *dashboard.QueryVariableBuilder {
	return dashboard.NewQueryVariableBuilder(name).
		Label(label).
		Datasource(ds).
		Query(dashboard.StringOrMap{String: cog.ToPtr(query)}).
		Definition(query).
		Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
		Sort(dashboard.VariableSortAlphabeticalAsc).
		Multi(true).
		IncludeAll(true).
		AllValue(allValue).
		Current(dashboard.VariableOption{
			Selected: cog.ToPtr(true),
			Text:     dashboard.StringOrArrayOfString{ArrayOfString: []string{"All"}},
			Value:    dashboard.StringOrArrayOfString{ArrayOfString: []string{"$__all"}},
		})
}

// Dashboard returns the dashboard as indented JSON with a final newline,
// the bytes of sockscope.json.
func Dashboard() ([]byte, error) {
	d, err := build().Build()
	if err != nil {
		return nil, fmt.Errorf("grafana: building the dashboard: %w", err)
	}
	number(&d)
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("grafana: encoding the dashboard: %w", err)
	}
	return append(b, '\n'), nil
}

// number gives every row and panel its own id and every query its refId
// (A, B, …), which the builders leave to Grafana: fixed here, a panel's
// link (viewPanel=N) and an alert annotation stay the same from one import
// to the next.
func number(d *dashboard.Dashboard) {
	id := uint32(0)
	for i := range d.Panels {
		id++
		switch p := d.Panels[i]; {
		case p.RowPanel != nil:
			p.RowPanel.Id = id
		case p.Panel != nil:
			p.Panel.Id = cog.ToPtr(id)
			for j, t := range p.Panel.Targets {
				ref := cog.ToPtr(string(rune('A' + j)))
				switch pq := t.(type) {
				case *prometheus.Dataquery:
					pq.RefId = ref
				case prometheus.Dataquery:
					pq.RefId = ref
					p.Panel.Targets[j] = pq
				}
			}
		}
	}
}

func build() *dashboard.DashboardBuilder {
	return dashboard.NewDashboardBuilder("sockscope").
		Uid(UID).
		Description("Sockets, listeners, per-program leaks and TCP counters from sockscope serve.").
		Tags([]string{"sockscope", "network", "tcp"}).
		Editable().
		Tooltip(dashboard.DashboardCursorSyncCrosshair).
		Refresh("1m").
		Time("now-3h", "now").
		Timezone(common.TimeZoneBrowser).
		WithVariable(dashboard.NewDatasourceVariableBuilder("datasource").
			Label("Data source").
			Type("prometheus")).
		WithVariable(variable("instance", "Instance",
			"label_values(sockscope_build_info, instance)", ".+")).
		WithVariable(variable("netns", "Network namespace",
			"label_values(sockscope_sockets, netns)", ".*").
			Description("Only with sockscope serve --all-netns; without it, All selects every socket.")).
		WithRow(dashboard.NewRowBuilder("Sockets")).
		WithPanel(stacked("TCP sockets by state",
			"Every TCP socket (inet and inet6) by its kernel state.", "short").
			WithTarget(q(`sum by (state) (sockscope_sockets{protocol="tcp", SEL})`, "{{state}}"))).
		WithPanel(stacked("Sockets by protocol",
			"Every socket, listening and unconnected ones included, by protocol.", "short").
			WithTarget(q(`sum by (protocol) (sockscope_sockets{SEL})`, "{{protocol}}"))).
		WithPanel(panel("TIME_WAIT and CLOSE_WAIT",
			"TIME_WAIT: closed here first, waiting out old segments (normal, but it holds a port). "+
				"CLOSE_WAIT: the peer closed and the program has not: a count that keeps growing is a leak.", "short").
			WithTarget(q(`sum by (instance) (sockscope_sockets{state="TIME_WAIT", SEL})`, "TIME_WAIT {{instance}}")).
			WithTarget(q(`sum by (instance) (sockscope_sockets{state="CLOSE_WAIT", SEL})`, "CLOSE_WAIT {{instance}}"))).
		WithPanel(panel("Sockets no process could be matched to",
			"Sockets that may belong to a process whose files sockscope could not read: run it with the capabilities docs/serve.md lists.", "short").
			WithTarget(q(`sum by (instance) (sockscope_unattributed_sockets{SEL})`, "{{instance}}"))).
		WithRow(dashboard.NewRowBuilder("Programs")).
		WithPanel(panel("Top programs by sockets",
			"The 10 programs holding the most sockets (of the exporter's top N; the rest are program=\"other\").", "short").
			WithTarget(q(`topk(10, sum by (instance, netns, program) (sockscope_process_sockets{SEL}))`, "{{program}} {{netns}} {{instance}}"))).
		WithPanel(panel("CLOSE_WAIT by program",
			"Sockets each program holds in CLOSE_WAIT. A line that only rises is a program that never closes what its peers closed (alert SockscopeCloseWaitGrowing).", "short").
			WithTarget(q(`sum by (instance, netns, program) (sockscope_process_sockets{state="CLOSE_WAIT", SEL}) > 0`, "{{program}} {{netns}} {{instance}}"))).
		WithRow(dashboard.NewRowBuilder("Listeners")).
		WithPanel(dashedLimits(panel("Accept queue and backlog",
			"The accept queue (connections the kernel completed, not yet accepted) of each listener that has one waiting, against its backlog (dashed); idle listeners are left out. A queue at its backlog drops new connections (alert SockscopeListenQueueFull).", "short").
			WithTarget(q(`max by (instance, netns, address, port) (sockscope_listen_queue_length{SEL}) > 0`, "queue {{address}}:{{port}} {{netns}} {{instance}}")).
			WithTarget(q(`max by (instance, netns, address, port) (sockscope_listen_queue_backlog{SEL})
  and on (instance, netns, address, port)
max by (instance, netns, address, port) (sockscope_listen_queue_length{SEL}) > 0`, "backlog {{address}}:{{port}} {{netns}} {{instance}}")),
			"^backlog ")).
		WithPanel(thresholdLines(panel("Listen overflows and drops",
			"Connections dropped at listeners per second (TcpExt ListenOverflows: accept queue full; ListenDrops: every drop). Critical above 5/s (alert SockscopeListenOverflows).", "ops").
			WithTarget(q(`sum by (instance) (rate(sockscope_netstat_tcp_ext_listen_overflows_total{SEL}[$__rate_interval]))`, "overflows {{instance}}")).
			WithTarget(q(`sum by (instance) (rate(sockscope_netstat_tcp_ext_listen_drops_total{SEL}[$__rate_interval]))`, "drops {{instance}}")),
			0, 5)).
		WithRow(dashboard.NewRowBuilder("TCP")).
		WithPanel(thresholdLines(panel("Retransmission ratio",
			"Retransmitted segments per segment sent (Tcp RetransSegs / OutSegs). Dashed: the alert thresholds, 1% and 5% (alert SockscopeTCPRetransmitRatioHigh, which also needs 100 segments/s).", "percentunit").
			WithTarget(q(`sum by (instance) (rate(sockscope_netstat_tcp_retrans_segs_total{SEL}[$__rate_interval]))
  / (sum by (instance) (rate(sockscope_netstat_tcp_out_segs_total{SEL}[$__rate_interval])) > 0)`, "{{instance}}")),
			0.01, 0.05)).
		WithPanel(panel("Resets",
			"Resets sent (Tcp OutRsts), connections reset from ESTABLISHED or CLOSE_WAIT (EstabResets) and connection attempts that failed (AttemptFails), per second.", "ops").
			WithTarget(q(`sum by (instance) (rate(sockscope_netstat_tcp_out_rsts_total{SEL}[$__rate_interval]))`, "resets sent {{instance}}")).
			WithTarget(q(`sum by (instance) (rate(sockscope_netstat_tcp_estab_resets_total{SEL}[$__rate_interval]))`, "established reset {{instance}}")).
			WithTarget(q(`sum by (instance) (rate(sockscope_netstat_tcp_attempt_fails_total{SEL}[$__rate_interval]))`, "attempts failed {{instance}}"))).
		WithRow(dashboard.NewRowBuilder("Limits")).
		WithPanel(dashedLimits(panel("Orphans and tcp_max_orphans",
			"TCP sockets no process holds any more, against net.ipv4.tcp_max_orphans (dashed), both the machine's. Warning at 25%, critical at 50% (alert SockscopeTCPOrphansHigh).", "short").
			WithTarget(q(`max by (instance) (sockscope_sockstat_tcp_orphan{INST})`, "orphans {{instance}}")).
			WithTarget(q(`sockscope_tcp_max_orphans{INST}`, "max {{instance}}")),
			"^max ")).
		WithPanel(dashedLimits(panel("TIME_WAIT and tcp_max_tw_buckets",
			"Sockets in TIME_WAIT, per namespace, against net.ipv4.tcp_max_tw_buckets (dashed). Warning at 80% (alert SockscopeTimeWaitNearLimit).", "short").
			WithTarget(q(`sockscope_sockstat_tcp_tw{SEL}`, "TIME_WAIT {{netns}} {{instance}}")).
			WithTarget(q(`sockscope_tcp_max_tw_buckets{INST}`, "max {{instance}}")),
			"^max ")).
		WithPanel(dashedLimits(panel("Ephemeral ports used and the range",
			"Distinct local ports of ip_local_port_range in use, per protocol, against the range's size (dashed). Warning at 80%, critical at 95% (alert SockscopeEphemeralPortsNearLimit).", "short").
			WithTarget(q(`sockscope_ephemeral_ports_used{SEL}`, "{{protocol}} {{netns}} {{instance}}")).
			WithTarget(q(`sockscope_ephemeral_port_range_size{INST}`, "range {{instance}}")),
			"^range ")).
		WithPanel(dashedLimits(panel("TCP memory and tcp_mem",
			"Memory of TCP sockets against net.ipv4.tcp_mem's levels (dashed), both the machine's: above pressure the kernel shrinks buffers; near max it refuses memory (alert SockscopeTCPMemoryHigh).", "bytes").
			WithTarget(q(`max by (instance) (sockscope_sockstat_tcp_mem_bytes{INST})`, "used {{instance}}")).
			WithTarget(q(`sockscope_tcp_mem_limit_bytes{INST}`, "tcp_mem {{level}} {{instance}}")),
			"^tcp_mem ")).
		WithRow(dashboard.NewRowBuilder("Exporter")).
		WithPanel(panel("Scrape duration by part",
			"How long each part of a scrape took (sockets, owners, counters, limits).", "s").
			WithTarget(q(`sockscope_scrape_collector_duration_seconds{INST}`, "{{collector}} {{instance}}"))).
		WithPanel(panel("Scrape success by part",
			"1 when that part of the scrape succeeded (alert SockscopeCollectorFailing), and whether Prometheus reached the exporter at all (up; alert SockscopeDown).", "short").
			Max(1).
			WithTarget(q(`sockscope_scrape_collector_success{INST}`, "{{collector}} {{instance}}")).
			WithTarget(q(`up{job=~"sockscope.*", INST}`, "up {{instance}}")))
}
