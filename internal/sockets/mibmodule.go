package sockets

// moduleResolver names the service behind each socket of a *_OWNER_MODULE
// table, for the rows of one Snapshot (SourceOptions.Modules). lookup does
// the asking (on Windows, GetOwnerModuleFrom*Entry, decoded by
// decodeOwnerModule and moduleService); the rest has no build tags and is
// tested everywhere. A row's module depends only on its PID and its opaque
// OwningModuleInfo, so each answer is kept per (PID, OwningModuleInfo):
// the sockets of one program or one service cost one lookup.
type moduleResolver struct {
	// lookup returns the service that the owner module of row, laid out
	// as l, names: "" for a program, or when the module cannot be read.
	lookup func(l *mibLayout, row []byte) string
	cache  map[moduleKey]string
	// infos holds one ProcessInfo per (PID, service), shared by every
	// socket of that service, whose Unit is the service.
	infos map[serviceKey]*ProcessInfo
}

type moduleKey struct {
	pid  int32
	info [mibOwningModuleLen]byte
}

type serviceKey struct {
	pid     int32
	service string
}

// resolve names the services of socks, the sockets appendMIBTable decoded
// from table b (laid out as l), one per row in order, for the rows where
// keep(i) holds: a socket whose owner module is a service gets a
// ProcessInfo of its PID with the service as Unit. Sockets without an
// owner (PID 0) and those whose module names no service keep the
// ProcessInfo they have.
func (m *moduleResolver) resolve(socks []Socket, b []byte, l *mibLayout, keep func(i int) bool) {
	for i := range socks {
		s := &socks[i]
		if len(s.Processes) == 0 || !keep(i) {
			continue
		}
		row := b[mibTableHeader+i*l.rowLen:][:l.rowLen]
		key := moduleKey{pid: s.Processes[0].Info.PID}
		copy(key.info[:], row[l.module:])
		service, ok := m.cache[key]
		if !ok {
			service = m.lookup(l, row)
			if m.cache == nil {
				m.cache = make(map[moduleKey]string)
			}
			m.cache[key] = service
		}
		if service != "" {
			s.Processes[0].Info = m.info(key.pid, service)
		}
	}
}

// info returns the shared ProcessInfo of service in process pid.
func (m *moduleResolver) info(pid int32, service string) *ProcessInfo {
	k := serviceKey{pid, service}
	if p := m.infos[k]; p != nil {
		return p
	}
	if m.infos == nil {
		m.infos = make(map[serviceKey]*ProcessInfo)
	}
	p := &ProcessInfo{PID: pid, UID: NoUID, Unit: service}
	m.infos[k] = p
	return p
}
