package app

import "golang.org/x/sys/windows"

// privileged reports whether sockscope runs elevated (with an
// Administrator's full token), which -b needs to name every owner.
func privileged() bool { return windows.GetCurrentProcessToken().IsElevated() }

// systemLang returns the user's Windows display language ("zh-CN"), which
// picks the language when no locale variable is set, as Windows netstat
// speaks the language of the system.
func systemLang() string {
	langs, err := windows.GetUserPreferredUILanguages(windows.MUI_LANGUAGE_NAME)
	if err != nil || len(langs) == 0 {
		return ""
	}
	return langs[0]
}
