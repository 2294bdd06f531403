package summary

import (
	"bufio"
	"io"

	"github.com/sockscope/sockscope/internal/render"
)

// Write writes s to w in opts.Format and opts.Lang: a table, or one JSON
// document (docs/summary.md) with meta's host, time, round (as "seq"),
// unattributed count and warnings. It returns an *OptionError for
// options Validate refuses, else the first error writing to w. Tables
// leave meta to the caller, which says on stderr what it has to say.
func Write(w io.Writer, s *Summary, meta render.Meta, opts Options) error {
	if err := opts.Validate(); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	if opts.Format == render.Table {
		writeTable(bw, s, &opts)
	} else if err := writeJSON(bw, s, &meta); err != nil {
		return err
	}
	return bw.Flush()
}
