// Command churn keeps a steady number of short-lived loopback TCP
// connections: every tick it opens a batch and resets the oldest batch,
// so that a live view of the machine sees RATE sockets appear and RATE
// disappear every second (two sockets per connection) while the total
// stays flat. Connections are closed with a reset (SO_LINGER 0), so none
// is left in TIME_WAIT to grow the population.
//
//	churn -rate 1000 -life 2s
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	rate := flag.Int("rate", 1000, "sockets opened (and closed) per second; two per connection")
	life := flag.Duration("life", 2*time.Second, "how long each connection lives")
	tick := flag.Duration("tick", 100*time.Millisecond, "time between batches")
	addr := flag.String("addr", "127.0.0.1:0", "where to listen (loopback only)")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	accepted := make(chan net.Conn, 1024)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	perTick := max(1, *rate/2*int(*tick)/int(time.Second))
	batches := max(1, int(*life / *tick))
	type pair struct{ a, b net.Conn }
	var ring [][]pair
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	t := time.NewTicker(*tick)
	defer t.Stop()
	fmt.Fprintf(os.Stderr, "churn: %s, %d connections per %v, each living %v\n", ln.Addr(), perTick, *tick, *life)
	for {
		select {
		case <-sig:
			return
		case <-t.C:
		}
		batch := make([]pair, 0, perTick)
		for range perTick {
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				log.Print(err)
				break
			}
			batch = append(batch, pair{c, <-accepted})
		}
		ring = append(ring, batch)
		if len(ring) > batches {
			for _, p := range ring[0] {
				p.a.(*net.TCPConn).SetLinger(0)
				p.a.Close()
				p.b.Close()
			}
			ring = ring[1:]
		}
	}
}
