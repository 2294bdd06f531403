package i18n

// cli2：命令行转述的其他包的文字：render、sockets、diagram、statsview
// 的错误，以及 cobra 的帮助模板和内置命令。
func init() {
	merge(zh, map[string]string{
		"cli.sep":               "、",
		"cli.err.format":        "--format 的格式 %q 无法识别（可选：%s）",
		"cli.err.style":         "--style 的布局 %q 无法识别（可选：%s）",
		"cli.err.state.suggest": "--state 的状态 %q 无法识别（是不是想输入 %s？）",
		"cli.err.state.unknown": "--state 的状态 %q 无法识别（可选：%s）",
		"cli.err.diagram.view":  "diagram 不支持视图 %q（可选：open、close；不给则显示整张图）",
		"cli.err.stats.proto":   "-s 的协议 %q 无法识别（可选：%s）",
		"cli.err.source":        "--source 的数据来源 %q 无法识别（可选：%s）",

		// pflag 的 "invalid argument" 错误：值（带引号）、选项、原因（保留 pflag 原文）。
		"cli.pflag.invalid": "选项 \"%[2]s\" 的参数 %[1]s 无效：%[3]s",

		// cobra 的帮助模板（英文沿用 cobra 自带的模板）。
		"cli.tmpl.usage":        "用法：",
		"cli.tmpl.command":      "[命令]",
		"cli.tmpl.flags.use":    "[选项]",
		"cli.tmpl.aliases":      "别名：",
		"cli.tmpl.examples":     "示例：",
		"cli.tmpl.commands":     "可用命令：",
		"cli.tmpl.addcommands":  "其他命令：",
		"cli.tmpl.flags":        "选项：",
		"cli.tmpl.globalflags":  "全局选项：",
		"cli.tmpl.topics":       "其他帮助主题：",
		"cli.tmpl.more":         `运行 "%s [命令] --help" 查看命令的详细用法。`,
		"cli.tmpl.default":      "（默认 %s）",
		"cli.flag.help":         "显示 %s 的帮助",
		"cli.help.short":        "显示任一命令的帮助",
		"cli.help.long":         "显示程序中任一命令的帮助。\n运行 %s help [命令路径] 查看完整说明。",
		"cli.completion.short":  "生成指定 shell 的自动补全脚本",
		"cli.completion.long":   "为指定的 shell 生成 %s 的自动补全脚本。\n生成的脚本如何使用，见各子命令的帮助。\n",
		"cli.completion.shell":  "生成 %s 的自动补全脚本",
		"cli.completion.nodesc": "补全时不显示说明",
	})
}
