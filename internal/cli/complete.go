package cli

import (
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/sockscope/sockscope/internal/order"
	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/statsview"
)

// ProcessName is a running process, for the completion of --pid and
// --program.
type ProcessName struct {
	PID  int32
	Name string
}

// stateGroups are the names of ss's state groups, which --state takes too.
var stateGroups = []string{"all", "connected", "synchronized", "bucket", "big"}

// fixedValues completes a flag from a fixed list of values.
func fixedValues(vals ...string) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return matching(vals, toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// listValues completes a comma-separated list: the values already typed
// are kept and the last is completed from vals.
func listValues(vals ...string) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		head, last := "", toComplete
		if i := strings.LastIndexByte(toComplete, ','); i >= 0 {
			head, last = toComplete[:i+1], toComplete[i+1:]
		}
		var out []cobra.Completion
		for _, v := range matching(vals, last) {
			out = append(out, head+v)
		}
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	}
}

// matching returns the values of vals that start with prefix, ignoring
// case.
func matching(vals []string, prefix string) []cobra.Completion {
	var out []cobra.Completion
	for _, v := range vals {
		if len(v) >= len(prefix) && strings.EqualFold(v[:len(prefix)], prefix) {
			out = append(out, v)
		}
	}
	return out
}

// stateValues are the state names --state completes: the kernel's names in
// the lower-case, hyphenated form ss uses, and ss's groups.
func stateValues() []string {
	var vals []string
	for _, n := range sockets.StateNames {
		vals = append(vals, strings.ReplaceAll(strings.ToLower(n), "_", "-"))
	}
	return append(vals, stateGroups...)
}

// protoValues are the protocols -p completes for form p.
func protoValues(p protoForm) []string {
	if p == protoStats {
		return statsview.Protos
	}
	var vals []string
	for name, spec := range protoNames {
		if spec.proto != 0 {
			vals = append(vals, name)
		}
	}
	slices.Sort(vals)
	return vals
}

// listValuesOf is listValues of values read only at a completion: what
// reads the system (its interfaces) runs when Tab is pressed, not at
// every start of every command.
func listValuesOf(vals func() []string) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return listValues(vals()...)(cmd, args, toComplete)
	}
}

// registerCompletions completes the values of cmd's flags: fixed lists,
// and the PIDs and program names of running processes.
func registerCompletions(cmd *cobra.Command, f *Factory, p protoForm, lf *listFlags) {
	fixed := map[string]cobra.CompletionFunc{
		"state":    listValues(stateValues()...),
		"protocol": listValues(protoValues(p)...),
		"format":   fixedValues("table", "json", "ndjson", "csv"),
		"style":    fixedValues("modern", "windows", "linux"),
		"lang":     fixedValues("en", "zh-CN"),
		"color":    fixedValues("auto", "always", "never"),
		"source":   fixedValues(sockets.SourceKinds...),
		"sort":     listValues(order.Fields()...),
		"pid":      processValues(f, true),
		"program":  processValues(f, false),
		"iface":    listValuesOf(ifaceNames),
	}
	for name, fn := range fixed {
		if cmd.Flags().Lookup(name) != nil {
			_ = cmd.RegisterFlagCompletionFunc(name, fn)
		}
	}
	// The other flags' values (a number, a directory) complete to nothing
	// rather than to file names.
	cmd.Flags().VisitAll(func(fl *pflag.Flag) {
		if _, ok := fixed[fl.Name]; !ok && fl.Value.Type() != "bool" {
			_ = cmd.RegisterFlagCompletionFunc(fl.Name, cobra.NoFileCompletions)
		}
	})
	// Arguments are an INTERVAL, or -p's protocols when -p took no value
	// ("-anop tcp": pflag parsed -p alone before this is called).
	protos := listValues(protoValues(p)...)
	cmd.ValidArgsFunction = func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if lf.proto == programSentinel && len(args) == 0 {
			return protos(c, args, toComplete)
		}
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
}

// interfaces lists this namespace's network interfaces (a variable, for
// the test that no command reads them before a completion asks).
var interfaces = net.Interfaces

// ifaceNames are the names of this namespace's network interfaces.
func ifaceNames() []string {
	ifs, err := interfaces()
	if err != nil {
		return nil
	}
	names := make([]string, len(ifs))
	for i, ifi := range ifs {
		names[i] = ifi.Name
	}
	return names
}

// processValues completes running processes: their PIDs (with the name as
// description) when pids, else their distinct names.
func processValues(f *Factory, pids bool) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if f.Processes == nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		seen := map[string]bool{}
		for _, p := range f.Processes() {
			if pids {
				id := strconv.Itoa(int(p.PID))
				if strings.HasPrefix(id, toComplete) {
					out = append(out, cobra.CompletionWithDesc(id, p.Name))
				}
				continue
			}
			if p.Name != "" && !seen[p.Name] && strings.HasPrefix(p.Name, toComplete) {
				seen[p.Name] = true
				out = append(out, p.Name)
			}
		}
		if !pids {
			slices.Sort(out)
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}
