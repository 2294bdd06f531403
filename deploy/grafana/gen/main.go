// Command gen writes sockscope's Grafana dashboard to standard output:
//
//	go run ./deploy/grafana/gen > deploy/grafana/sockscope.json
//
// (go test ./deploy/grafana -update does the same.)
package main

import (
	"fmt"
	"os"

	"github.com/sockscope/sockscope/deploy/grafana"
)

func main() {
	b, err := grafana.Dashboard()
	if err == nil {
		_, err = os.Stdout.Write(b)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
