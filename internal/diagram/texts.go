package diagram

import "strings"

// texts holds the words of one language. Event and action phrases are
// translated through tr; the English phrase is the key.
type texts struct {
	zh bool

	titleFull, titleOpen, titleClose string
	client, server                   string // the open view's sides
	activeClose, passiveClose        string // the close view's sides
	simOpen, simClose                string
	legend, legendCounts             string
	note1                            []string
	phrases                          map[string]string
}

var english = texts{
	titleFull:    "TCP connection states (RFC 9293, Figure 5)",
	titleOpen:    "Connection setup: the three-way handshake",
	titleClose:   "Connection teardown: the four-way close",
	client:       "Client (active open)",
	server:       "Server (passive open)",
	activeClose:  "Active close (closes first)",
	passiveClose: "Passive close (peer closed)",
	simOpen:      "Simultaneous open (both sides send SYN):",
	simClose:     "Simultaneous close (both sides send FIN):",
	legend:       "Arrows: event / action   rcv = receive, snd = send, x = no action",
	legendCounts: "(n) = sockets in that state now",
	note1: []string{
		"note 1: SYN_RECV returns to LISTEN on RST only if it was reached from LISTEN",
		"        (after a passive OPEN).",
	},
}

var chinese = texts{
	zh:           true,
	titleFull:    "TCP 连接状态图（RFC 9293 图 5）",
	titleOpen:    "建立连接：三次握手",
	titleClose:   "断开连接：四次挥手",
	client:       "客户端（主动打开）",
	server:       "服务端（被动打开）",
	activeClose:  "主动关闭方（先关闭）",
	passiveClose: "被动关闭方（对端先关闭）",
	simOpen:      "同时打开（双方同时发送 SYN）：",
	simClose:     "同时关闭（双方同时发送 FIN）：",
	legend:       "箭头：事件 / 动作   收到 = 接收报文，发送 = 发出报文，x = 无动作",
	legendCounts: "(n) = 当前处于该状态的套接字数",
	note1: []string{
		"注 1：只有从 LISTEN（被动打开）进入的 SYN_RECV，收到 RST 后才回到 LISTEN。",
	},
	phrases: map[string]string{
		"passive OPEN":        "被动打开",
		"active OPEN":         "主动打开",
		"create TCB":          "创建 TCB",
		"create TCB, snd SYN": "创建 TCB，发送 SYN",
		"CLOSE":               "关闭",
		"delete TCB":          "删除 TCB",
		"rcv SYN":             "收到 SYN",
		"snd SYN,ACK":         "发送 SYN,ACK",
		"SEND":                "发送数据",
		"snd SYN":             "发送 SYN",
		"rcv RST (note 1)":    "收到 RST（注 1）",
		"rcv ACK of SYN":      "收到 SYN 的 ACK",
		"rcv SYN,ACK":         "收到 SYN,ACK",
		"snd ACK":             "发送 ACK",
		"snd FIN":             "发送 FIN",
		"rcv FIN":             "收到 FIN",
		"rcv ACK of FIN":      "收到 FIN 的 ACK",
		"Timeout=2MSL":        "超时 2MSL",
	},
}

// textsFor returns the texts of a language tag: Chinese for any "zh"
// tag ("zh", "zh-CN", "zh_CN.UTF-8"), English otherwise.
func textsFor(lang string) *texts {
	l := strings.ToLower(lang)
	if l == "zh" || strings.HasPrefix(l, "zh-") || strings.HasPrefix(l, "zh_") {
		return &chinese
	}
	return &english
}

// tr translates an English event or action phrase.
func (t *texts) tr(s string) string {
	if v, ok := t.phrases[s]; ok {
		return v
	}
	return s
}
