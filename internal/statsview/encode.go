package statsview

import (
	"bufio"
	"encoding/csv"
	"math"
	"strconv"

	"github.com/sockscope/sockscope/internal/netstats"
)

// schemaVersion is the "schema" of the JSON document (docs/stats.md).
const schemaVersion = 1

// writeJSON prints {"schema":1,"groups":[{"name":..,"counters":{..}}]}:
// counters is an object whose keys are in kernel order (names are unique
// within a group).
func writeJSON(w *bufio.Writer, groups []netstats.Group) {
	w.WriteString(`{"schema":` + strconv.Itoa(schemaVersion) + `,"groups":[`)
	for i, g := range groups {
		if i > 0 {
			w.WriteByte(',')
		}
		writeGroupJSON(w, g)
	}
	w.WriteString("]}\n")
}

// writeNDJSON prints one group object per line, as in writeJSON.
func writeNDJSON(w *bufio.Writer, groups []netstats.Group) {
	for _, g := range groups {
		writeGroupJSON(w, g)
		w.WriteByte('\n')
	}
}

func writeGroupJSON(w *bufio.Writer, g netstats.Group) {
	w.WriteString(`{"name":` + strconv.Quote(g.Name) + `,"counters":{`)
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
func writeRatesJSON(w *bufio.Writer, r *netstats.Rates) {
	w.WriteString(`{"schema":` + strconv.Itoa(schemaVersion) + `,"interval_seconds":` + jsonFloat(r.Interval.Seconds()) + `,"groups":[`)
	for i, g := range r.Groups {
		if i > 0 {
			w.WriteByte(',')
		}
		writeRateGroupJSON(w, g, "")
	}
	w.WriteString("]}\n")
}

// writeRatesNDJSON prints one rate group per line, each with the interval.
func writeRatesNDJSON(w *bufio.Writer, r *netstats.Rates) {
	for _, g := range r.Groups {
		writeRateGroupJSON(w, g, `"interval_seconds":`+jsonFloat(r.Interval.Seconds())+",")
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
func writeCSV(w *bufio.Writer, groups []netstats.Group) {
	cw := csv.NewWriter(w)
	cw.Write([]string{"group", "name", "value"})
	for _, g := range groups {
		for _, c := range g.Counters {
			cw.Write([]string{g.Name, c.Name, strconv.FormatInt(c.Value, 10)})
		}
	}
	cw.Flush()
}

// writeRatesCSV prints group,name,delta,per_second rows after a header.
func writeRatesCSV(w *bufio.Writer, r *netstats.Rates) {
	cw := csv.NewWriter(w)
	cw.Write([]string{"group", "name", "delta", "per_second"})
	for _, g := range r.Groups {
		for _, rt := range g.Rates {
			cw.Write([]string{g.Name, rt.Name, strconv.FormatInt(rt.Delta, 10), jsonFloat(rt.PerSecond)})
		}
	}
	cw.Flush()
}
