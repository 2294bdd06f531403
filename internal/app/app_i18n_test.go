package app

import (
	"context"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/sockscope/sockscope/internal/iostreams"
	"github.com/sockscope/sockscope/internal/sockets"
)

// withLocale runs the test with env as the environment's locale variables.
func withLocale(t *testing.T, env map[string]string) {
	t.Helper()
	old := getenv
	getenv = func(k string) string { return env[k] }
	t.Cleanup(func() { getenv = old })
}

// TestUsageErrorsChinese: usage errors follow LANG and --lang, with exit
// status 2 either way.
func TestUsageErrorsChinese(t *testing.T) {
	zhLocale := map[string]string{"LANG": "zh_CN.UTF-8"}
	tests := []struct {
		env  map[string]string
		args []string
		want []string // on stderr
	}{
		{zhLocale, []string{"sockscope", "-p", "bogus"}, []string{`sockscope: -p 的协议 "bogus" 无法识别`, "（详见 'sockscope --help'）"}},
		{zhLocale, []string{"netstat", "-rn", "x"}, []string{`无法识别的参数 "x"`, "详见 'netstat --help'"}},
		{zhLocale, []string{"sockscope", "list", "--port", "0"}, []string{`--port 的端口 "0" 无效`}},
		{zhLocale, []string{"sockscope", "--lang", "fr"}, []string{`--lang 不支持语言 "fr"`}},
		{zhLocale, []string{"sockscope", "--bogus"}, []string{"未知选项：--bogus"}},
		{zhLocale, []string{"sockscope", "-r", "-p", "tcp"}, []string{"-p (--protocol) 不适用于 -r（路由表）"}},
		{zhLocale, []string{"sockscope", "list", "--port"}, []string{"选项缺少参数：--port"}},
		{nil, []string{"sockscope", "--lang", "zh-CN", "-z"}, []string{"未知短选项 'z'（位于 -z）"}},
		{nil, []string{"sockscope", "-tan", "0", "--lang=zh_CN.UTF-8"}, []string{`间隔 "0" 超出范围`}},
		{nil, []string{"sockscope", "explain", "--lang", "zh-CN", "TIME_WAT"}, []string{`未知的状态或计数器 "TIME_WAT"`, "TIME_WAIT"}},
		{nil, []string{"sockscope", "diagram", "--lang", "zh-CN", "--format", "svg"}, []string{`diagram 不支持格式 "svg"`}},
		// --lang en wins over the locale.
		{zhLocale, []string{"sockscope", "list", "--lang", "en", "--pid", "-3"}, []string{`sockscope: bad PID "-3" for --pid`, "(see 'sockscope --help')"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			withLocale(t, tt.env)
			ios, _, out, errOut := iostreams.Test()
			if code := Run(context.Background(), tt.args, ios); code != ExitUsage {
				t.Errorf("exit %d, want %d (stderr %q)", code, ExitUsage, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut.String(), w) {
					t.Errorf("stderr %q does not contain %q", errOut, w)
				}
			}
			if n := strings.Count(errOut.String(), "\n"); n != 1 {
				t.Errorf("stderr has %d lines, want 1: %q", n, errOut)
			}
			if out.Len() != 0 {
				t.Errorf("stdout not empty: %q", out)
			}
		})
	}
}

// TestHelpChinese: help follows the locale, and --lang anywhere on the
// command line.
func TestHelpChinese(t *testing.T) {
	for _, tt := range []struct {
		env  map[string]string
		args []string
		want []string
	}{
		{map[string]string{"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, []string{"sockscope", "--help"},
			[]string{"sockscope 列出本机所有", "每 5 秒刷新一次", "只看 IPv4", "--state S", "列出套接字（长选项写法"}},
		{nil, []string{"sockscope", "--help", "--lang", "zh-CN"}, []string{"sockscope 列出本机所有", "只看 IPv4"}},
		{map[string]string{"LANG": "zh_CN.UTF-8"}, []string{"sockscope", "explain", "--help"}, []string{"解释 TCP 状态", "不统计各状态当前的套接字数"}},
		{map[string]string{"LANG": "zh_CN.UTF-8"}, []string{"sockscope", "diagram", "-h"}, []string{"TCP 状态图", "用 ASCII 字符代替制表符绘图"}},
		{map[string]string{"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "C"}, []string{"sockscope", "--help"}, []string{"sockscope shows every", "IPv4 only"}},
	} {
		withLocale(t, tt.env)
		ios, _, out, errOut := iostreams.Test()
		if code := Run(context.Background(), tt.args, ios); code != ExitOK {
			t.Errorf("%q: exit %d: %s", tt.args, code, errOut)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%q %v: help lacks %q:\n%s", tt.args, tt.env, w, out)
			}
		}
	}
}

// TestPassedOnErrorsChinese: errors of other packages that the command
// line passes on, and pflag's invalid argument, follow the locale; the
// exit status is unchanged.
func TestPassedOnErrorsChinese(t *testing.T) {
	zh := map[string]string{"LANG": "zh_CN.UTF-8"}
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"sockscope", "--format", "xml"}, []string{`--format 的格式 "xml" 无法识别（可选：table、json、ndjson、csv）`}},
		{[]string{"sockscope", "--style", "fancy"}, []string{`--style 的布局 "fancy" 无法识别`}},
		{[]string{"sockscope", "list", "--state", "bogus"}, []string{`--state 的状态 "bogus" 无法识别`}},
		{[]string{"sockscope", "list", "--state", "TIME_WAT"}, []string{`--state 的状态 "TIME_WAT" 无法识别（是不是想输入 TIME_WAIT`}},
		{[]string{"sockscope", "diagram", "sideways"}, []string{`diagram 不支持视图 "sideways"`}},
		{[]string{"sockscope", "-s", "-p", "bogus"}, []string{`-s 的协议 "bogus" 无法识别（可选：ip、ipv6`}},
		{[]string{"sockscope", "--source", "carrier-pigeon"}, []string{`--source 的数据来源 "carrier-pigeon" 无法识别（可选：auto、netlink、proc）`}},
		{[]string{"sockscope", "-a=maybe"}, []string{`选项 "-a, --all" 的参数 "maybe" 无效：`}},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			withLocale(t, zh)
			ios, _, _, errOut := iostreams.Test()
			if code := Run(context.Background(), tt.args, ios); code != ExitUsage {
				t.Errorf("exit %d, want %d (stderr %q)", code, ExitUsage, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut.String(), w) {
					t.Errorf("stderr %q does not contain %q", errOut, w)
				}
			}
		})
	}
}

// TestPassedOnErrorsEnglish: in English the messages are the packages'
// own, as before.
func TestPassedOnErrorsEnglish(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"sockscope", "--format", "xml"}, `sockscope: unknown format "xml" (valid: table, json, ndjson, csv) (see 'sockscope --help')` + "\n"},
		{[]string{"sockscope", "list", "--state", "TIME_WAT"}, `sockscope: --state: unknown state "TIME_WAT" (did you mean TIME_WAIT?) (see 'sockscope --help')` + "\n"},
		{[]string{"sockscope", "diagram", "sideways"}, `sockscope: unknown diagram view "sideways": valid views are open, close, or none for the whole diagram (see 'sockscope --help')` + "\n"},
		{[]string{"sockscope", "-s", "-p", "bogus"}, `sockscope: unknown protocol "bogus" for statistics (valid: ip, ipv6, icmp, icmpv6, tcp, tcpv6, udp, udpv6) (see 'sockscope --help')` + "\n"},
		{[]string{"sockscope", "--source", "x"}, `sockscope: unknown source "x" for --source (valid: auto, netlink, proc) (see 'sockscope --help')` + "\n"},
		{[]string{"sockscope", "-a=maybe"}, `sockscope: invalid argument "maybe" for "-a, --all" flag: must be true or false (see 'sockscope --help')` + "\n"},
	} {
		withLocale(t, nil)
		ios, _, _, errOut := iostreams.Test()
		if code := Run(context.Background(), tt.args, ios); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", tt.args, code, ExitUsage)
		}
		if errOut.String() != tt.want {
			t.Errorf("%v: stderr %q, want %q", tt.args, errOut, tt.want)
		}
	}
}

// TestHelpTemplateChinese: cobra's template words are translated in
// Chinese, and English keeps cobra's own.
func TestHelpTemplateChinese(t *testing.T) {
	withLocale(t, map[string]string{"LANG": "zh_CN.UTF-8"})
	ios, _, out, _ := iostreams.Test()
	if code := Run(context.Background(), []string{"sockscope", "--help"}, ios); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	for _, w := range []string{"用法：", "示例：", "可用命令：", "选项：", "显示 sockscope 的帮助", "显示任一命令的帮助",
		"（默认 table）", `运行 "sockscope [命令] --help" 查看命令的详细用法。`} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("help does not contain %q", w)
		}
	}
	for _, w := range []string{"Usage:", "Flags:", "Available Commands:", "help for", "(default"} {
		if strings.Contains(out.String(), w) {
			t.Errorf("Chinese help contains %q", w)
		}
	}
	withLocale(t, nil)
	ios, _, out, _ = iostreams.Test()
	Run(context.Background(), []string{"sockscope", "--help"}, ios)
	for _, w := range []string{"Usage:", "Flags:", "Available Commands:", "help for sockscope", `Use "sockscope [command] --help" for more information about a command.`} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("English help does not contain %q", w)
		}
	}
}

// TestGBKTerminal checks that a GBK terminal gets GBK bytes for tables and
// messages, and UTF-8 for JSON; and that a terminal that cannot show
// Chinese gets English, said once.
func TestGBKTerminal(t *testing.T) {
	withLocale(t, map[string]string{"LANG": "zh_CN.GBK"})
	ios, _, _, errOut := iostreams.Test()
	if code := Run(context.Background(), []string{"sockscope", "-s", "-p", "bogus"}, ios); code != ExitUsage {
		t.Fatalf("exit %d", code)
	}
	if want, _ := simplifiedchinese.GBK.NewEncoder().String("无法识别"); !strings.Contains(errOut.String(), want) {
		t.Errorf("GBK terminal: stderr %q is not GBK Chinese", errOut.String())
	}
	ios, _, out, _ := iostreams.Test()
	if code := Run(context.Background(), []string{"sockscope", "-s", "-p", "tcp"}, ios); code != ExitOK {
		t.Fatalf("-s -p tcp: exit %d", code)
	}
	if want, _ := simplifiedchinese.GBK.NewEncoder().String("主动开放"); !strings.Contains(out.String(), want) {
		t.Errorf("GBK terminal: -s -p tcp is not GBK Chinese:\n%q", out.String())
	}

	// JSON stays UTF-8: a unix socket named in Chinese.
	defer func(f func(sockets.SourceOptions) (sockets.Source, error)) { newSource = f }(newSource)
	newSource = func(sockets.SourceOptions) (sockets.Source, error) {
		return listed{{Proto: sockets.Unix, Family: sockets.Local, Path: "/run/套接字", Inode: 7}}, nil
	}
	ios, _, out, _ = iostreams.Test()
	if code := Run(context.Background(), []string{"sockscope", "-xa", "--format", "json", "--lang", "zh-CN"}, ios); code != ExitOK {
		t.Fatalf("-xa --format json: exit %d", code)
	}
	if !strings.Contains(out.String(), `"path":"/run/套接字"`) {
		t.Errorf("GBK terminal: JSON is not UTF-8:\n%q", out.String())
	}

	withLocale(t, map[string]string{"LANG": "en_US.ISO-8859-1"})
	ios, _, _, errOut = iostreams.Test()
	Run(context.Background(), []string{"sockscope", "--lang", "zh-CN", "-s", "-p", "bogus"}, ios)
	if s := errOut.String(); !strings.Contains(s, "cannot show Chinese") || !strings.Contains(s, `unknown protocol "bogus"`) {
		t.Errorf("Latin-1 terminal with --lang zh-CN: stderr %q, want English and one notice", s)
	}
}

// listed is a socket source that lists its sockets, whatever is asked.
type listed []sockets.Socket

func (l listed) Snapshot(_ context.Context, _ sockets.Filter, dst []sockets.Socket) ([]sockets.Socket, error) {
	return append(dst, l...), nil
}
