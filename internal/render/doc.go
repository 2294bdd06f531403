// Package render turns a listing of sockets into output: a table in one of
// three styles, JSON, NDJSON or CSV (SPEC section 4). Write is the one
// entry point; Options says what to print and how.
//
// # Tables
//
// The modern style (the default) is one table of every socket, inet and
// unix, with columns as wide as their widest cell and nothing truncated:
//
//	Proto        Recv-Q  Send-Q  Local Address                Foreign Address    State        PID/Program
//	tcp               0     128  0.0.0.0:22                   *:*                LISTEN       812/sshd
//	tcp6              0     511  [::]:80                      *:*                LISTEN       1234/nginx,1240/nginx
//	tcp               0      37  192.168.1.10:51234           93.184.216.34:443  ESTABLISHED  2001/firefox
//	udp               0       0  0.0.0.0:5353                 *:*                UNCONN       600/avahi-daemon
//	unix/stream       0       0  /run/dbus/system_bus_socket  *                  LISTEN       700/dbus-daemon
//
// The windows style is Windows netstat's layout and the linux style
// net-tools netstat's, byte for byte where their data allows (windows.go
// and linux.go say how each was derived and what is approximated). Names
// are printed when Options.Namer gives them; every text that comes from a
// process or the kernel is escaped so that it cannot break a row or drive
// the terminal (text.go).
//
// # Data formats
//
// JSON (schema 1), NDJSON and CSV are documented field by field in
// docs/json.md. They are always numeric and never coloured, and their
// fields never change meaning within a schema version. A repeated listing
// is written round by round, each with its Meta.Round: the data formats
// then mark every round with its sequence number and time, so that a
// reader of the stream can tell the snapshots apart.
//
// # Speed
//
// Rendering is on the path of every listing, so nothing here uses fmt,
// text/tabwriter or encoding/json: cells are appended with strconv into a
// reused line buffer. The modern table measures its columns in one pass and
// formats again in a second (no per-cell storage); large JSON listings are
// encoded by two goroutines in order.
// BenchmarkTable100k and BenchmarkJSON100k measure 100k sockets.
package render
