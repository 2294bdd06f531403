package cli

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/sockscope/sockscope/internal/iostreams"
)

// TestEveryTextInTheCatalog: every command's summary and every flag's
// help, in both languages, comes from the catalog (a key missing from it
// would show as the key itself, "cli.flag.x").
func TestEveryTextInTheCatalog(t *testing.T) {
	for _, lang := range []string{"", "zh-CN"} {
		ios, _, _, _ := iostreams.Test()
		root := NewRootCmd(&Factory{IO: ios, Lang: lang}, nil)
		var walk func(c *cobra.Command)
		walk = func(c *cobra.Command) {
			if strings.HasPrefix(c.Short, "cli.") {
				t.Errorf("%s %q: summary %q is a missing catalog key", lang, c.CommandPath(), c.Short)
			}
			c.Flags().VisitAll(func(f *pflag.Flag) {
				if strings.HasPrefix(f.Usage, "cli.") {
					t.Errorf("%s %q --%s: help %q is a missing catalog key", lang, c.CommandPath(), f.Name, f.Usage)
				}
			})
			for _, sub := range c.Commands() {
				walk(sub)
			}
		}
		walk(root)
	}
}
