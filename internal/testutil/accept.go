package testutil

import "net"

// CloseAccepted accepts every connection ln takes and closes it at
// once, in a goroutine of its own, until ln is closed: a peer that ends
// each connection a test makes.
func CloseAccepted(ln net.Listener) {
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
}
