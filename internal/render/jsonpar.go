package render

import (
	"bufio"

	"github.com/sockscope/sockscope/internal/sockets"
)

// Large listings are encoded by two goroutines, in chunks, and written in
// order: encoding 100k socket objects with their processes is ~20 ms of
// one core, and it is the last thing a JSON listing does, after the dump
// and the /proc walk have used both cores.

const (
	// parallelMin is the listing size from which encoding is split.
	parallelMin = 8192
	// chunkSize is the number of sockets a goroutine encodes at a time.
	chunkSize = 1024
)

// encodeFunc appends one socket's line of a listing to b; first says
// whether it is the listing's first socket.
type encodeFunc func(b []byte, s *sockets.Socket, cache processJSONCache, first bool) []byte

// writeSocketsJSON writes every socket of socks as encode renders it, in
// order. Small listings are encoded here; large ones by two goroutines
// that take alternate chunks, each with its own process cache and two
// buffers, so memory stays bounded (about 4 chunks of text).
func writeSocketsJSON(w *bufio.Writer, socks []sockets.Socket, encode encodeFunc) {
	if len(socks) < parallelMin {
		b := make([]byte, 0, rowBufSize)
		cache := newProcessJSONCache()
		for i := range socks {
			b = encode(b[:0], &socks[i], cache, i == 0)
			w.Write(b)
		}
		return
	}
	const workers = 2
	var ready, free [workers]chan []byte
	for k := range workers {
		ready[k] = make(chan []byte, 2)
		free[k] = make(chan []byte, 2)
		free[k] <- make([]byte, 0, chunkSize*512)
		free[k] <- make([]byte, 0, chunkSize*512)
		go func(k int) {
			cache := newProcessJSONCache()
			for c := k * chunkSize; c < len(socks); c += workers * chunkSize {
				b := <-free[k]
				for i := c; i < min(c+chunkSize, len(socks)); i++ {
					b = encode(b, &socks[i], cache, i == 0)
				}
				ready[k] <- b
			}
			close(ready[k])
		}(k)
	}
	for n := 0; ; n++ {
		b, ok := <-ready[n%workers]
		if !ok {
			break
		}
		w.Write(b)
		free[n%workers] <- b[:0]
	}
	for k := range workers {
		for range ready[k] { // the other worker may still close its channel
		}
	}
}
