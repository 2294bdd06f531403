package cli

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/sockscope/sockscope/internal/i18n"
)

// localizeHelp makes the help of root and its commands, which cobra writes
// in English, follow lang: the usage template's words, the -h flag, and
// the built-in help and completion commands. English keeps cobra's own
// template and text, unchanged.
func localizeHelp(root *cobra.Command, lang string) {
	if i18n.Lang(lang) == "en" {
		return
	}
	registerTemplateFuncs()
	root.SetUsageTemplate(usageTemplate(lang))

	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		switch c.Name() {
		case "help":
			c.Short = i18n.T(lang, "cli.help.short")
			c.Long = i18n.T(lang, "cli.help.long", root.DisplayName())
		case "completion":
			c.Short = i18n.T(lang, "cli.completion.short")
			c.Long = i18n.T(lang, "cli.completion.long", root.Name())
			for _, sh := range c.Commands() {
				sh.Short = i18n.T(lang, "cli.completion.shell", sh.Name())
				if fl := sh.Flags().Lookup("no-descriptions"); fl != nil {
					fl.Usage = i18n.T(lang, "cli.completion.nodesc")
				}
			}
		}
	}
	addHelpFlags(root, lang)
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

// pflagDefault is the "(default ...)" pflag ends a flag's usage line with.
var pflagDefault = regexp.MustCompile(`(?m) \(default (.*)\)$`)

// registerTemplateFuncs adds the functions usageTemplate calls to cobra's
// (global) template functions.
func registerTemplateFuncs() {
	registerOnce.Do(func() {
		cobra.AddTemplateFunc("sockscopeUseLine", func(line, lang string) string {
			if s, ok := strings.CutSuffix(line, " [flags]"); ok {
				return s + " " + i18n.T(lang, "cli.tmpl.flags.use")
			}
			return line
		})
		cobra.AddTemplateFunc("sockscopeFlagUsages", func(fs *pflag.FlagSet, lang string) string {
			return pflagDefault.ReplaceAllStringFunc(fs.FlagUsages(), func(m string) string {
				v := pflagDefault.FindStringSubmatch(m)[1]
				return i18n.T(lang, "cli.tmpl.default", v)
			})
		})
	})
}
