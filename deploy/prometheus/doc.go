// Package prometheus holds sockscope's Prometheus rules (sockscope.rules.yml)
// and their promtool unit tests (sockscope.rules_test.yml). It has no Go
// code: its test runs promtool on those files and checks that every alert
// is tested and uses only metrics docs/serve.md promises.
package prometheus
