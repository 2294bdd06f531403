package cli

import (
	"fmt"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/sockscope/sockscope/internal/i18n"
)

// setupHelp sets the help of root and its commands: the usage template
// with its words in f.Lang and sockscope's own flag list (no pflag
// "[=true|false]" marks, a value's name after each flag that takes one),
// the -h flag, and help and completion commands that refuse an unknown
// topic or shell as bad input.
func setupHelp(root *cobra.Command, f *Factory) {
	lang := f.Lang
	registerTemplateFuncs()
	root.SetUsageTemplate(usageTemplate(lang))
	root.SetHelpCommand(newHelpCmd(root, f))
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() != "completion" {
			continue
		}
		c.Short = i18n.T(lang, "cli.completion.short")
		c.Long = i18n.T(lang, "cli.completion.long", root.Name())
		c.Args = func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return flagErrorf(lang, "cli.err.completion.shell", args[0], validList(lang, shellNames(cmd)))
			}
			return nil
		}
		c.RunE = func(cmd *cobra.Command, args []string) error { return cmd.Help() }
		for _, sh := range c.Commands() {
			sh.Args = func(cmd *cobra.Command, args []string) error {
				if len(args) > 0 {
					return flagErrorf(lang, "cli.err.noargs", args[0], cmd.CommandPath())
				}
				return nil
			}
			sh.Short = i18n.T(lang, "cli.completion.shell", sh.Name())
			if fl := sh.Flags().Lookup("no-descriptions"); fl != nil {
				fl.Usage = i18n.T(lang, "cli.completion.nodesc")
			}
		}
	}
	addHelpFlags(root, lang)
}

// shellNames are the shells the completion command writes scripts for.
func shellNames(completion *cobra.Command) []string {
	var names []string
	for _, sh := range completion.Commands() {
		names = append(names, sh.Name())
	}
	return names
}

// newHelpCmd returns "help [command]": help of a command, and an unknown
// one is bad input (cobra's own prints the root's help and succeeds).
func newHelpCmd(root *cobra.Command, f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: i18n.T(f.Lang, "cli.help.short"),
		Long:  i18n.T(f.Lang, "cli.help.long", root.DisplayName()),
		ValidArgsFunction: func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			cmd, _, err := root.Find(args)
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var names []cobra.Completion
			for _, sub := range cmd.Commands() {
				if sub.IsAvailableCommand() && strings.HasPrefix(sub.Name(), toComplete) {
					names = append(names, cobra.CompletionWithDesc(sub.Name(), sub.Short))
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			cmd, rest, err := root.Find(args)
			if err != nil || len(rest) > 0 {
				topic := strings.Join(args, " ")
				return flagErrorf(f.Lang, "cli.err.help.topic", topic, root.Name())
			}
			cmd.InitDefaultHelpFlag()
			return cmd.Help()
		},
	}
}

// addHelpFlags defines -h, --help on c and its commands as cobra would,
// with the usage in lang.
func addHelpFlags(c *cobra.Command, lang string) {
	if c.Flags().Lookup("help") == nil {
		c.Flags().BoolP("help", "h", false, i18n.T(lang, "cli.flag.help", c.DisplayName()))
		_ = c.Flags().SetAnnotation("help", cobra.FlagSetByCobraAnnotation, []string{"true"})
	}
	for _, sub := range c.Commands() {
		addHelpFlags(sub, lang)
	}
}

// usageTemplate is cobra's default usage template with its words in lang.
func usageTemplate(lang string) string {
	t := func(key string, args ...any) string { return i18n.T(lang, key, args...) }
	q := fmt.Sprintf("%q", lang)
	return t("cli.tmpl.usage") + `{{if .Runnable}}
  {{sockscopeUseLine .UseLine ` + q + `}}{{end}}{{if .HasAvailableSubCommands}}
  {{.CommandPath}} ` + t("cli.tmpl.command") + `{{end}}{{if gt (len .Aliases) 0}}

` + t("cli.tmpl.aliases") + `
  {{.NameAndAliases}}{{end}}{{if .HasExample}}

` + t("cli.tmpl.examples") + `
{{.Example}}{{end}}{{if .HasAvailableSubCommands}}{{$cmds := .Commands}}{{if eq (len .Groups) 0}}

` + t("cli.tmpl.commands") + `{{range $cmds}}{{if (or .IsAvailableCommand (eq .Name "help"))}}
  {{rpad .Name .NamePadding }} {{.Short}}{{end}}{{end}}{{else}}{{range $group := .Groups}}

{{.Title}}{{range $cmds}}{{if (and (eq .GroupID $group.ID) (or .IsAvailableCommand (eq .Name "help")))}}
  {{rpad .Name .NamePadding }} {{.Short}}{{end}}{{end}}{{end}}{{if not .AllChildCommandsHaveGroup}}

` + t("cli.tmpl.addcommands") + `{{range $cmds}}{{if (and (eq .GroupID "") (or .IsAvailableCommand (eq .Name "help")))}}
  {{rpad .Name .NamePadding }} {{.Short}}{{end}}{{end}}{{end}}{{end}}{{end}}{{if .HasAvailableLocalFlags}}

` + t("cli.tmpl.flags") + `
{{sockscopeFlagUsages .LocalFlags ` + q + ` | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableInheritedFlags}}

` + t("cli.tmpl.globalflags") + `
{{sockscopeFlagUsages .InheritedFlags ` + q + ` | trimTrailingWhitespaces}}{{end}}{{if .HasHelpSubCommands}}

` + t("cli.tmpl.topics") + `{{range .Commands}}{{if .IsAdditionalHelpTopicCommand}}
  {{rpad .CommandPath .CommandPathPadding}} {{.Short}}{{end}}{{end}}{{end}}{{if .HasAvailableSubCommands}}

` + t("cli.tmpl.more", "{{.CommandPath}}") + `{{end}}
`
}

var registerOnce sync.Once

// registerTemplateFuncs adds the functions usageTemplate calls to cobra's
// (global) template functions.
func registerTemplateFuncs() {
	registerOnce.Do(func() {
		cobra.AddTemplateFunc("sockscopeUseLine", func(line, lang string) string {
			return strings.Replace(line, "[flags]", i18n.T(lang, "cli.tmpl.flags.use"), 1)
		})
		cobra.AddTemplateFunc("sockscopeFlagUsages", func(fs *pflag.FlagSet, lang string) string {
			return flagUsages(fs, lang)
		})
	})
}
