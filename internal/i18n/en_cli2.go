package i18n

// cli2: text of other packages that the command line shows: errors of
// render, sockets, diagram and statsview it passes on, and cobra's help
// template and built-in commands. The English errors are the packages'
// own text, byte for byte.
func init() {
	merge(en, map[string]string{
		"cli.sep":               ", ",
		"cli.err.format":        "unknown format %q (valid: %s)",
		"cli.err.style":         "unknown style %q (valid: %s)",
		"cli.err.state.suggest": "--state: unknown state %q (did you mean %s?)",
		"cli.err.state.unknown": "--state: unknown state %q (valid: %s)",
		"cli.err.diagram.view":  "unknown diagram view %q: valid views are open, close, or none for the whole diagram",
		"cli.err.stats.proto":   "unknown protocol %q for statistics (valid: %s)",
		"cli.err.source":        "unknown source %q for --source (valid: %s)",

		// pflag's "invalid argument" error: the value (quoted), the flag
		// (as pflag names it) and the reason, kept as pflag gives it.
		"cli.pflag.invalid": "invalid argument %[1]s for \"%[2]s\" flag: %[3]s",

		// cobra's help template (English uses cobra's own, unchanged).
		"cli.tmpl.usage":        "Usage:",
		"cli.tmpl.command":      "[command]",
		"cli.tmpl.flags.use":    "[flags]",
		"cli.tmpl.aliases":      "Aliases:",
		"cli.tmpl.examples":     "Examples:",
		"cli.tmpl.commands":     "Available Commands:",
		"cli.tmpl.addcommands":  "Additional Commands:",
		"cli.tmpl.flags":        "Flags:",
		"cli.tmpl.globalflags":  "Global Flags:",
		"cli.tmpl.topics":       "Additional help topics:",
		"cli.tmpl.more":         `Use "%s [command] --help" for more information about a command.`,
		"cli.tmpl.default":      "(default %s)",
		"cli.flag.help":         "help for %s",
		"cli.help.short":        "Help about any command",
		"cli.help.long":         "Help provides help for any command in the application.\nSimply type %s help [path to command] for full details.",
		"cli.completion.short":  "Generate the autocompletion script for the specified shell",
		"cli.completion.long":   "Generate the autocompletion script for %s for the specified shell.\nSee each sub-command's help for details on how to use the generated script.\n",
		"cli.completion.shell":  "Generate the autocompletion script for %s",
		"cli.completion.nodesc": "disable completion descriptions",
	})
}
