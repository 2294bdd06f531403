package i18n

// diagram: the TCP state diagram (internal/diagram).
func init() {
	merge(en, map[string]string{
		"diagram.title.full":    "TCP connection states (RFC 9293, Figure 5)",
		"diagram.title.open":    "Connection setup: the three-way handshake",
		"diagram.title.close":   "Connection teardown: the four-way close",
		"diagram.side.client":   "Client (active open)",
		"diagram.side.server":   "Server (passive open)",
		"diagram.side.active":   "Active close (closes first)",
		"diagram.side.passive":  "Passive close (peer closed)",
		"diagram.sim.open":      "Simultaneous open (both sides send SYN):",
		"diagram.sim.close":     "Simultaneous close (both sides send FIN):",
		"diagram.legend":        "Arrows: event / action   rcv = receive, snd = send, x = no action",
		"diagram.legend.counts": "(n) = sockets in that state now; a state drawn twice shows it once",
		"diagram.legend.shared": "On both sides, counted once: %s",
		"diagram.listsep":       ", ",
		"diagram.err.args":      "diagram takes one view, open or close, not %d arguments (%s)",
		"diagram.flag.narrow":   "draw the whole diagram in its narrow form (%d columns) even when not writing to a terminal",
		"diagram.err.narrow":    "this drawing needs %d columns and the terminal has %d: widen the terminal, or use --format dot",
		// One line of the drawing per line of the message.
		"diagram.note1": "note 1: SYN_RECV returns to LISTEN on RST only if it was reached from LISTEN\n" +
			"        (after a passive OPEN).",

		// The events and actions on the arrows: the key is "diagram.rfc."
		// and the phrase as RFC 9293 Figure 5 writes it.
		"diagram.rfc.passive OPEN":        "passive OPEN",
		"diagram.rfc.active OPEN":         "active OPEN",
		"diagram.rfc.create TCB":          "create TCB",
		"diagram.rfc.create TCB, snd SYN": "create TCB, snd SYN",
		"diagram.rfc.CLOSE":               "CLOSE",
		"diagram.rfc.delete TCB":          "delete TCB",
		"diagram.rfc.rcv SYN":             "rcv SYN",
		"diagram.rfc.snd SYN,ACK":         "snd SYN,ACK",
		"diagram.rfc.SEND":                "SEND",
		"diagram.rfc.snd SYN":             "snd SYN",
		"diagram.rfc.rcv RST (note 1)":    "rcv RST (note 1)",
		"diagram.rfc.rcv ACK of SYN":      "rcv ACK of SYN",
		"diagram.rfc.rcv SYN,ACK":         "rcv SYN,ACK",
		"diagram.rfc.snd ACK":             "snd ACK",
		"diagram.rfc.snd FIN":             "snd FIN",
		"diagram.rfc.rcv FIN":             "rcv FIN",
		"diagram.rfc.rcv ACK of FIN":      "rcv ACK of FIN",
		"diagram.rfc.Timeout=2MSL":        "Timeout=2MSL",
	})
}
