package diagram

import (
	"strings"

	"github.com/sockscope/sockscope/internal/i18n"
)

// texts holds the words of one language, taken from the i18n catalog.
type texts struct {
	titleFull, titleOpen, titleClose string
	client, server                   string // the open view's sides
	activeClose, passiveClose        string // the close view's sides
	simOpen, simClose                string
	legend, legendCounts             string
	shared                           string // format of the legend line of counts on both sides
	listSep                          string
	note1                            []string
	// phrases maps each English event or action phrase of transitions
	// to its text in this language.
	phrases map[string]string
}

// english and chinese are built once from the catalog.
var english, chinese = catalogTexts("en"), catalogTexts("zh")

// phraseKey is the catalog key of an RFC 9293 event or action phrase.
func phraseKey(phrase string) string { return "diagram.rfc." + phrase }

// catalogTexts builds the texts of catalog lang ("en" or "zh").
func catalogTexts(lang string) texts {
	t := func(key string) string { return i18n.T(lang, key) }
	x := texts{
		titleFull:    t("diagram.title.full"),
		titleOpen:    t("diagram.title.open"),
		titleClose:   t("diagram.title.close"),
		client:       t("diagram.side.client"),
		server:       t("diagram.side.server"),
		activeClose:  t("diagram.side.active"),
		passiveClose: t("diagram.side.passive"),
		simOpen:      t("diagram.sim.open"),
		simClose:     t("diagram.sim.close"),
		legend:       t("diagram.legend"),
		legendCounts: t("diagram.legend.counts"),
		shared:       t("diagram.legend.shared"),
		listSep:      t("diagram.listsep"),
		note1:        strings.Split(t("diagram.note1"), "\n"),
		phrases:      map[string]string{},
	}
	for _, tr := range transitions {
		for _, p := range []string{tr.ev, tr.act} {
			if p != "" {
				x.phrases[p] = t(phraseKey(p))
			}
		}
	}
	return x
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

// sharedCounts is the legend line of the counts of the states drawn on
// both sides, list being "STATE (n)" joined by listSep.
func (t *texts) sharedCounts(list string) string {
	return strings.Replace(t.shared, "%s", list, 1)
}

// note returns note 1 on one line, for Graphviz.
func (t *texts) note() string {
	var parts []string
	for _, l := range t.note1 {
		parts = append(parts, strings.TrimSpace(l))
	}
	return strings.Join(parts, " ")
}
