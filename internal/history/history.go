package history

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"net/netip"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"
)

// Row is one event of a connection, as stored.
type Row struct {
	Time    time.Time
	Event   string // connect, accept, close, fail, state
	PID     int32
	Program string
	Exe     string
	UID     int64 // -1 unknown
	Family  string
	Local   netip.AddrPort
	Remote  netip.AddrPort
	From    string
	State   string
	Passive bool
	// Duration is how long the connection lived (close, fail); 0
	// unknown.
	Duration time.Duration
	// Sent and Received are its bytes at close; -1 unknown.
	Sent, Received int64
	// Source is how the event was seen: SourceEBPF, SourcePoll, or ""
	// for a row stored before record said.
	Source string
	// Container is the owner's container as a table shows it (its name,
	// else its short id) and ContainerID its runtime's id; both empty
	// for a process in no container.
	Container, ContainerID string
	// Errno is why a connection failed or was reset (the socket's error,
	// 0 for a connect its caller gave up), where ErrnoKnown: eBPF reads
	// it, polling cannot.
	Errno      uint32
	ErrnoKnown bool
	// Proto is the connection's protocol, ProtoTCP or ProtoUDP (a UDP
	// socket's end: its remote end where it was connected, no bytes).
	// "" is stored as ProtoTCP: every row was TCP before rows said.
	Proto string
}

// The protocols of rows.
const (
	// ProtoTCP rows are a TCP connection's events.
	ProtoTCP = "tcp"
	// ProtoUDP rows are a UDP socket's end (close), with no bytes.
	ProtoUDP = "udp"
)

// The sources of rows.
const (
	// SourceEBPF rows come from the kernel's tracepoint as each change
	// happens: exact times, durations and bytes.
	SourceEBPF = "ebpf"
	// SourcePoll rows come from comparing snapshots taken an interval
	// apart: a connect's time is when it was first seen, a close's when
	// it was first missed, a duration from first to last seen (each to
	// within the interval), no bytes; a connection shorter than the
	// interval is not there at all.
	SourcePoll = "poll"
)

// DB is a history database.
type DB struct {
	db   *sql.DB
	path string
	// missing are the addedColumns a database it may not write lacks:
	// History reads their defaults instead.
	missing map[string]bool
}

const schema = `
CREATE TABLE IF NOT EXISTS connections (
	id             INTEGER PRIMARY KEY,
	time_ns        INTEGER NOT NULL,
	event          TEXT    NOT NULL,
	pid            INTEGER NOT NULL,
	program        TEXT    NOT NULL,
	exe            TEXT    NOT NULL,
	uid            INTEGER NOT NULL,
	family         TEXT    NOT NULL,
	local_ip       TEXT    NOT NULL,
	local_port     INTEGER NOT NULL,
	remote_ip      TEXT    NOT NULL,
	remote_port    INTEGER NOT NULL,
	from_state     TEXT    NOT NULL,
	state          TEXT    NOT NULL,
	passive        INTEGER NOT NULL,
	duration_ns    INTEGER NOT NULL,
	bytes_sent     INTEGER NOT NULL,
	bytes_received INTEGER NOT NULL,
	source         TEXT    NOT NULL DEFAULT '',
	container      TEXT    NOT NULL DEFAULT '',
	container_id   TEXT    NOT NULL DEFAULT '',
	errno          INTEGER NOT NULL DEFAULT -1,
	proto          TEXT    NOT NULL DEFAULT 'tcp'
);
CREATE INDEX IF NOT EXISTS connections_time ON connections (time_ns);
CREATE INDEX IF NOT EXISTS connections_remote ON connections (remote_ip, time_ns);
CREATE INDEX IF NOT EXISTS connections_remote_port ON connections (remote_port, time_ns);
CREATE INDEX IF NOT EXISTS connections_local_port ON connections (local_port, time_ns);
CREATE INDEX IF NOT EXISTS connections_program ON connections (program, time_ns);
`

// Open opens (creating it if need be) the database at path, in WAL mode.
func Open(path string) (*DB, error) {
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return newDB(db, path)
}

// newDB wraps an open database, adding the columns it lacks; a database
// it may not write (another user's, a read-only mount) is still read, with
// those columns' defaults.
func newDB(db *sql.DB, path string) (*DB, error) {
	missing, err := addColumns(db)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &DB{db: db, path: path, missing: missing}, nil
}

// addedColumns are the columns added to the table after its first
// version, with their definitions. A database made before them gets them
// when opened (SQLite adds a column with a default without rewriting the
// table); its old rows read as the default.
var addedColumns = []struct{ name, def string }{
	{"source", "TEXT NOT NULL DEFAULT ''"},
	{"container", "TEXT NOT NULL DEFAULT ''"},
	{"container_id", "TEXT NOT NULL DEFAULT ''"},
	{"errno", "INTEGER NOT NULL DEFAULT -1"}, // -1: not known
	{"proto", "TEXT NOT NULL DEFAULT 'tcp'"}, // the rows before it were all TCP
}

// addedDefaults are the values History reads for added columns a
// database lacks.
var addedDefaults = map[string]string{"source": "''", "container": "''", "container_id": "''", "errno": "-1", "proto": "'tcp'"}

// addColumns adds to the table the addedColumns it lacks, and returns
// those it could not add because the database is read-only.
func addColumns(db *sql.DB) (map[string]bool, error) {
	rows, err := db.Query(`SELECT name FROM pragma_table_info('connections')`)
	if err != nil {
		return nil, err
	}
	have := make(map[string]bool)
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return nil, err
		}
		have[name] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var missing map[string]bool
	for _, c := range addedColumns {
		if have[c.name] {
			continue
		}
		// Two processes opening an old database at once may both try:
		// the second finds the column there.
		_, err := db.Exec(`ALTER TABLE connections ADD COLUMN ` + c.name + ` ` + c.def)
		switch {
		case err == nil, strings.Contains(err.Error(), "duplicate column"):
		case strings.Contains(err.Error(), "readonly"):
			if missing == nil {
				missing = make(map[string]bool)
			}
			missing[c.name] = true
		default:
			return nil, err
		}
	}
	return missing, nil
}

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

// Insert stores rows in one transaction.
func (d *DB) Insert(ctx context.Context, rows []Row) error {
	if len(rows) == 0 {
		return nil
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO connections (time_ns, event, pid, program, exe, uid, family,
		local_ip, local_port, remote_ip, remote_port, from_state, state, passive, duration_ns, bytes_sent, bytes_received,
		source, container, container_id, errno, proto)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		tx.Rollback()
		return err
	}
	for i := range rows {
		r := &rows[i]
		passive := 0
		if r.Passive {
			passive = 1
		}
		errno := int64(-1)
		if r.ErrnoKnown {
			errno = int64(r.Errno)
		}
		if _, err := st.ExecContext(ctx, r.Time.UnixNano(), r.Event, r.PID, r.Program, r.Exe, r.UID, r.Family,
			addr(r.Local), r.Local.Port(), addr(r.Remote), r.Remote.Port(), r.From, r.State, passive,
			int64(r.Duration), r.Sent, r.Received, r.Source, r.Container, r.ContainerID, errno, cmp.Or(r.Proto, ProtoTCP)); err != nil {
			tx.Rollback()
			return err
		}
	}
	st.Close()
	return tx.Commit()
}

// addr is an address as stored: IPv4 without its IPv6 mapping.
func addr(ap netip.AddrPort) string {
	if !ap.IsValid() {
		return ""
	}
	return ap.Addr().Unmap().String()
}

// Prune deletes the rows older than before and returns how many.
func (d *DB) Prune(ctx context.Context, before time.Time) (int64, error) {
	res, err := d.db.ExecContext(ctx, `DELETE FROM connections WHERE time_ns < ?`, before.UnixNano())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// A Query narrows the rows History returns; zero fields do not narrow.
type Query struct {
	Since, Until time.Time
	// Remote is a remote address; Port a remote or local port; Program
	// a program name.
	Remote  netip.Addr
	Port    uint16
	Program string
	// Limit bounds the rows (0: no bound).
	Limit int
}

// History calls fn with each row q selects, oldest first, until fn
// returns false.
func (d *DB) History(ctx context.Context, q Query, fn func(*Row) bool) error {
	var where []string
	var args []any
	if !q.Since.IsZero() {
		where, args = append(where, "time_ns >= ?"), append(args, q.Since.UnixNano())
	}
	if !q.Until.IsZero() {
		where, args = append(where, "time_ns < ?"), append(args, q.Until.UnixNano())
	}
	if q.Remote.IsValid() {
		where, args = append(where, "remote_ip = ?"), append(args, q.Remote.Unmap().String())
	}
	if q.Port != 0 {
		where, args = append(where, "(remote_port = ? OR local_port = ?)"), append(args, q.Port, q.Port)
	}
	if q.Program != "" {
		where, args = append(where, "program = ?"), append(args, q.Program)
	}
	stmt := `SELECT time_ns, event, pid, program, exe, uid, family, local_ip, local_port, remote_ip, remote_port,
		from_state, state, passive, duration_ns, bytes_sent, bytes_received`
	for _, c := range addedColumns {
		if d.missing[c.name] {
			stmt += ", " + addedDefaults[c.name]
		} else {
			stmt += ", " + c.name
		}
	}
	stmt += " FROM connections"
	if len(where) > 0 {
		stmt += " WHERE " + strings.Join(where, " AND ")
	}
	stmt += " ORDER BY time_ns, id"
	if q.Limit > 0 {
		stmt += fmt.Sprintf(" LIMIT %d", q.Limit)
	}
	rows, err := d.db.QueryContext(ctx, stmt, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var r Row
	for rows.Next() {
		var tns, dur, errno int64
		var lip, rip string
		var lport, rport uint16
		var passive int
		if err := rows.Scan(&tns, &r.Event, &r.PID, &r.Program, &r.Exe, &r.UID, &r.Family, &lip, &lport, &rip, &rport,
			&r.From, &r.State, &passive, &dur, &r.Sent, &r.Received, &r.Source, &r.Container, &r.ContainerID, &errno,
			&r.Proto); err != nil {
			return err
		}
		r.Time = time.Unix(0, tns)
		r.Duration = time.Duration(dur)
		r.Passive = passive != 0
		r.Errno, r.ErrnoKnown = uint32(max(errno, 0)), errno >= 0
		r.Local, r.Remote = parseAP(lip, lport), parseAP(rip, rport)
		if !fn(&r) {
			break
		}
	}
	return rows.Err()
}

func parseAP(ip string, port uint16) netip.AddrPort {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(a, port)
}
