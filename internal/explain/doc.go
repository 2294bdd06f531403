// Package explain is the content of sockscope explain: what each socket
// state means (WriteState), a table of all states (WriteAll), and what the
// statistics counters mean (WriteCounter), in English or Simplified
// Chinese, for Linux or for Windows (Options.OS): each has its own
// settings and advice. All text comes from internal/i18n; this package
// only picks the messages, reads the Linux settings that govern state
// durations (ReadSettings) and lays the text out.
package explain
