package summary

import (
	"bufio"
	"encoding/json"
	"strconv"
	"time"

	"github.com/sockscope/sockscope/internal/render"
)

// Kind is the value of the "kind" field of a summary document, which
// tells it from a listing (which has no "kind").
const Kind = "summary"

// The JSON document (docs/summary.md). Field names and meanings never
// change within schema render.SchemaVersion; fields may be added.
type jsonDoc struct {
	Schema       int            `json:"schema"`
	Kind         string         `json:"kind"`
	Host         string         `json:"host"`
	Time         string         `json:"time"`
	Seq          int            `json:"seq,omitempty"`
	Total        int            `json:"total"`
	Protocols    []jsonProtocol `json:"protocols"`
	States       stateCounts    `json:"states"`
	Processes    jsonProcesses  `json:"processes"`
	TimeWait     jsonTimeWait   `json:"time_wait"`
	Unattributed int            `json:"unattributed"`
	Warnings     []string       `json:"warnings"`
}

type jsonProtocol struct {
	Name   string      `json:"name"`
	Proto  string      `json:"proto"`
	Family string      `json:"family"`
	Total  int         `json:"total"`
	States stateCounts `json:"states"`
}

type jsonProcesses struct {
	Count     int           `json:"count"`
	Held      int           `json:"held"`
	NoProcess int           `json:"no_process"`
	Top       []jsonProcess `json:"top"`
}

type jsonProcess struct {
	PID         int32  `json:"pid"`
	Name        string `json:"name"`
	User        string `json:"user"`
	Total       int    `json:"total"`
	TCP         int    `json:"tcp"`
	Established int    `json:"established"`
	CloseWait   int    `json:"close_wait"`
	Listen      int    `json:"listen"`
}

type jsonTimeWait struct {
	Total      int            `json:"total"`
	Ephemeral  *jsonEphemeral `json:"ephemeral"`
	Remotes    []jsonRemote   `json:"remotes"`
	LocalPorts []jsonPort     `json:"local_ports"`
}

type jsonEphemeral struct {
	Low   uint16 `json:"low"`
	High  uint16 `json:"high"`
	Size  int    `json:"size"`
	InUse int    `json:"in_use"`
}

type jsonRemote struct {
	IP        string `json:"ip"`
	Port      uint16 `json:"port"`
	TimeWait  int    `json:"time_wait"`
	Sockets   int    `json:"sockets"`
	Ephemeral *int   `json:"ephemeral,omitempty"`
}

type jsonPort struct {
	Port     uint16 `json:"port"`
	TimeWait int    `json:"time_wait"`
}

// stateCounts is a JSON object from state name to count, in the order of
// the slice (a connection's life), which a map would lose.
type stateCounts []StateCount

func (sc stateCounts) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, s := range sc {
		if i > 0 {
			b = append(b, ',')
		}
		b = render.AppendJSONString(b, s.State)
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(s.Count), 10)
	}
	return append(b, '}'), nil
}

// writeJSON writes the summary as one JSON document on one line.
func writeJSON(w *bufio.Writer, s *Summary, meta *render.Meta) error {
	d := jsonDoc{
		Schema:       render.SchemaVersion,
		Kind:         Kind,
		Host:         meta.Host,
		Time:         meta.Time.Format(time.RFC3339Nano),
		Seq:          meta.Round,
		Total:        s.Total,
		Protocols:    []jsonProtocol{},
		States:       stateCounts(s.States),
		Unattributed: meta.Unattributed,
		Warnings:     meta.Warnings,
	}
	if d.Warnings == nil {
		d.Warnings = []string{}
	}
	for _, p := range s.Protocols {
		proto, fam := "other", ""
		if p.Proto != 0 {
			proto, fam = p.Proto.String(), p.Family.String()
		}
		d.Protocols = append(d.Protocols, jsonProtocol{Name: p.Name, Proto: proto, Family: fam, Total: p.Total, States: stateCounts(p.States)})
	}
	ps := &s.Processes
	d.Processes = jsonProcesses{Count: ps.Count, Held: ps.Held, NoProcess: ps.NoProcess, Top: []jsonProcess{}}
	for _, p := range ps.Top {
		d.Processes.Top = append(d.Processes.Top, jsonProcess(p))
	}
	tw := &s.TimeWait
	d.TimeWait = jsonTimeWait{Total: tw.Total, Remotes: []jsonRemote{}, LocalPorts: []jsonPort{}}
	if tw.Ephemeral.Known() {
		d.TimeWait.Ephemeral = &jsonEphemeral{Low: tw.Ephemeral.Low, High: tw.Ephemeral.High, Size: tw.Ephemeral.Size(), InUse: tw.EphemeralInUse}
	}
	for _, r := range tw.Remotes {
		jr := jsonRemote{IP: r.Remote.Addr().String(), Port: r.Remote.Port(), TimeWait: r.TimeWait, Sockets: r.Sockets}
		if tw.Ephemeral.Known() {
			jr.Ephemeral = &r.Ephemeral
		}
		d.TimeWait.Remotes = append(d.TimeWait.Remotes, jr)
	}
	for _, p := range tw.LocalPorts {
		d.TimeWait.LocalPorts = append(d.TimeWait.LocalPorts, jsonPort(p))
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(d)
}
