package statsview

import (
	"bufio"
	"encoding/csv"
	"math"
	"strconv"

	"github.com/sockscope/sockscope/internal/netstats"
	"github.com/sockscope/sockscope/internal/render"
)

// schemaVersion is the "schema" of the JSON document (docs/stats.md).
const schemaVersion = 1

// writeJSON prints {"schema":1,"groups":[{"name":..,"counters":{..}}]}:
// counters is an object whose keys are in kernel order (names are unique
// within a group).
// ns is the namespace's fields with a comma after them ("" for none), as
// in every writer here.
func writeJSON(w *bufio.Writer, groups []netstats.Group, ns string) {
	w.WriteString(`{"schema":` + strconv.Itoa(schemaVersion) + `,` + ns + `"groups":[`)
	for i, g := range groups {
		if i > 0 {
			w.WriteByte(',')
		}
		w.WriteByte('{')
		writeGroupJSON(w, g)
	}
	w.WriteString("]}\n")
}

// writeNDJSON prints one group object per line, as in writeJSON.
func writeNDJSON(w *bufio.Writer, groups []netstats.Group, ns string) {
	for _, g := range groups {
		w.WriteString("{" + ns)
		writeGroupJSON(w, g)
		w.WriteByte('\n')
	}
}

// writeGroupJSON writes a group object but for its opening brace.
func writeGroupJSON(w *bufio.Writer, g netstats.Group) {
	w.WriteString(`"name":` + strconv.Quote(g.Name) + `,"counters":{`)
	for j, c := range g.Counters {
		if j > 0 {
			w.WriteByte(',')
		}
		w.WriteString(strconv.Quote(c.Name) + ":" + strconv.FormatInt(c.Value, 10))
	}
	w.WriteString("}}")
}

// writeRatesJSON prints {"schema":1,"interval_seconds":N,"groups":[{"name":..,
// "counters":[{"name","value","delta","per_second"}]}]}.
func writeRatesJSON(w *bufio.Writer, r *netstats.Rates, ns string) {
	w.WriteString(`{"schema":` + strconv.Itoa(schemaVersion) + `,` + ns + `"interval_seconds":` + jsonFloat(r.Interval.Seconds()) + `,"groups":[`)
	for i, g := range r.Groups {
		if i > 0 {
			w.WriteByte(',')
		}
		writeRateGroupJSON(w, g, "")
	}
	w.WriteString("]}\n")
}

// writeRatesNDJSON prints one rate group per line, each with the interval.
func writeRatesNDJSON(w *bufio.Writer, r *netstats.Rates, ns string) {
	for _, g := range r.Groups {
		writeRateGroupJSON(w, g, ns+`"interval_seconds":`+jsonFloat(r.Interval.Seconds())+",")
		w.WriteByte('\n')
	}
}

func writeRateGroupJSON(w *bufio.Writer, g netstats.RateGroup, extra string) {
	w.WriteString(`{` + extra + `"name":` + strconv.Quote(g.Name) + `,"counters":[`)
	for j, rt := range g.Rates {
		if j > 0 {
			w.WriteByte(',')
		}
		w.WriteString(`{"name":` + strconv.Quote(rt.Name) + `,"value":` + strconv.FormatInt(rt.Value, 10) +
			`,"delta":` + strconv.FormatInt(rt.Delta, 10) + `,"per_second":` + jsonFloat(rt.PerSecond) + "}")
	}
	w.WriteString("]}")
}

// jsonFloat formats f as a JSON number; NaN and infinities, which JSON
// lacks, become 0.
func jsonFloat(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "0"
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// writeCSV prints group,name,value rows after a header.
// ns holds the namespace's columns, header and values, empty for none.
func writeCSV(w *bufio.Writer, groups []netstats.Group, ns [2][]string, header bool) {
	cw := csv.NewWriter(w)
	if header {
		cw.Write(append(ns[0], "group", "name", "value"))
	}
	for _, g := range groups {
		for _, c := range g.Counters {
			cw.Write(append(ns[1], g.Name, c.Name, strconv.FormatInt(c.Value, 10)))
		}
	}
	cw.Flush()
}

// writeRatesCSV prints group,name,delta,per_second rows after a header.
func writeRatesCSV(w *bufio.Writer, r *netstats.Rates, ns [2][]string, header bool) {
	cw := csv.NewWriter(w)
	if header {
		cw.Write(append(ns[0], "group", "name", "delta", "per_second"))
	}
	for _, g := range r.Groups {
		for _, rt := range g.Rates {
			cw.Write(append(ns[1], g.Name, rt.Name, strconv.FormatInt(rt.Delta, 10), jsonFloat(rt.PerSecond)))
		}
	}
	cw.Flush()
}

// nsFields returns the namespace's JSON fields and a comma, or "" when o
// names none.
func (o *Options) nsFields() string {
	if o.NetNS == 0 {
		return ""
	}
	return `"netns":` + strconv.FormatUint(o.NetNS, 10) + `,"netns_name":` + string(render.AppendJSONString(nil, o.NetNSName)) + ","
}

// nsColumns returns the namespace's CSV header and values (fresh slices
// with room for the row), or nils when o names none.
func (o *Options) nsColumns() [2][]string {
	if o.NetNS == 0 {
		return [2][]string{}
	}
	return [2][]string{
		append(make([]string, 0, 6), "netns", "netns_name"),
		append(make([]string, 0, 6), strconv.FormatUint(o.NetNS, 10), o.NetNSName),
	}
}
