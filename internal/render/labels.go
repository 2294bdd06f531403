package render

import (
	"strings"

	"github.com/sockscope/sockscope/internal/i18n"
)

// labels are the headings of the tables in one language.
type labels struct {
	// modern holds the heading of each modern column kind (colProto...).
	modern [colNetNS + 1]string
	pid    string // the PID column when only ShowPID is set
	// modernTitle heads the modern table: in Chinese the title of the
	// Windows layout, "活动连接", so that a Chinese user sees the title
	// Windows netstat prints whichever layout is chosen; none in English, whose table starts with its headings so
	// that scripts reading it stay as they are.
	modernTitle string

	// Windows netstat: the title and the heading line, without and with
	// the PID column, exactly as the Windows of that language prints them.
	winTitle, winHead, winHeadPID string
}

// english and chinese are built once from the i18n catalog, so a Write
// resolves its labels with no catalog lookups.
var english, chinese = catalogLabels("en"), catalogLabels("zh")

// catalogLabels builds the labels of catalog lang ("en" or "zh").
func catalogLabels(lang string) labels {
	t := func(key string) string { return i18n.T(lang, key) }
	return labels{
		modern: [...]string{
			colProto: t("render.col.proto"), colRecvQ: t("render.col.recvq"),
			colSendQ: t("render.col.sendq"), colLocal: t("render.col.local"),
			colRemote: t("render.col.remote"), colState: t("render.col.state"),
			colPID: t("render.col.pidprog"), colUser: t("render.col.user"),
			colInode: t("render.col.inode"), colExe: t("render.col.exe"),
			colTimer: t("render.col.timer"), colNetNS: t("render.col.netns"),
		},
		pid:         t("render.col.pid"),
		modernTitle: pick(lang == "zh", t("render.win.title"), ""),
		winTitle:    t("render.win.title"),
		winHead:     t("render.win.head"),
		winHeadPID:  t("render.win.headpid"),
	}
}

// labelsFor returns the labels of a language tag: Chinese for any "zh"
// tag ("zh-CN", "zh_CN.UTF-8", "zh"), English otherwise.
func labelsFor(lang string) *labels {
	l := strings.ToLower(lang)
	if l == "zh" || strings.HasPrefix(l, "zh-") || strings.HasPrefix(l, "zh_") {
		return &chinese
	}
	return &english
}
