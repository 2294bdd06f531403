// Package packaging holds what the sockscope .deb is built from (nfpm.yaml,
// the systemd unit sockscope.service) and the tests that check them: that
// the unit keeps its hardening, that its capabilities are exactly the ones
// docs/service.md documents, and, as root, that those capabilities are what
// attribution needs and that each one is needed. It has no code of its own.
package packaging
