// Command sockscope shows every socket on the machine, its state and the
// processes that own it. Invoked as "netstat" (a symlink), it behaves as
// netstat. See the README and docs/.
package main

import (
	"os"

	"github.com/sockscope/sockscope/internal/app"
)

func main() { os.Exit(app.Main()) }
