package render

import "strings"

// labels are the headings of the tables in one language.
type labels struct {
	// modern holds the heading of each modern column kind (colProto...).
	modern [colExe + 1]string
	pid    string // the PID column when only ShowPID is set

	// Windows netstat: the title and the heading line, without and with
	// the PID column, exactly as the Windows of that language prints them.
	winTitle, winHead, winHeadPID string
}

var english = labels{
	modern: [...]string{
		colProto: "Proto", colRecvQ: "Recv-Q", colSendQ: "Send-Q",
		colLocal: "Local Address", colRemote: "Foreign Address", colState: "State",
		colPID: "PID/Program", colUser: "User", colInode: "Inode", colExe: "Exe",
	},
	pid:        "PID",
	winTitle:   "Active Connections",
	winHead:    "  Proto  Local Address          Foreign Address        State",
	winHeadPID: "  Proto  Local Address          Foreign Address        State           PID",
}

// chinese holds the labels Windows netstat prints in Simplified Chinese
// (SPEC section 6); its heading line is not aligned with the rows, as on
// Windows.
var chinese = labels{
	modern: [...]string{
		colProto: "协议", colRecvQ: "接收队列", colSendQ: "发送队列",
		colLocal: "本地地址", colRemote: "外部地址", colState: "状态",
		colPID: "PID/程序", colUser: "用户", colInode: "Inode", colExe: "可执行文件",
	},
	pid:        "PID",
	winTitle:   "活动连接",
	winHead:    "  协议  本地地址          外部地址        状态",
	winHeadPID: "  协议  本地地址          外部地址        状态           PID",
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
