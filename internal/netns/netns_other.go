//go:build !linux

package netns

import "github.com/sockscope/sockscope/internal/sockets"

// Discover reports sockets.ErrUnsupported: network namespaces are Linux's.
func Discover(opts *Options) ([]NetNS, []error) { return nil, []error{sockets.ErrUnsupported} }

// Resolve reports sockets.ErrUnsupported: network namespaces are Linux's.
func Resolve(value string, opts *Options) (NetNS, error) { return NetNS{}, sockets.ErrUnsupported }

// Do reports sockets.ErrUnsupported without calling fn.
func Do(ns *NetNS, fn func() error) error { return sockets.ErrUnsupported }

// DoPath reports sockets.ErrUnsupported without calling fn.
func DoPath(path string, fn func() error) error { return sockets.ErrUnsupported }

// EnterPath reports sockets.ErrUnsupported.
func EnterPath(path string) (leave func() error, err error) { return nil, sockets.ErrUnsupported }

// WithNetDir reports sockets.ErrUnsupported without calling fn.
func WithNetDir(ns *NetNS, fn func(dir string) error) error { return sockets.ErrUnsupported }

// procNetDir has no /proc to offer.
func procNetDir(ns *NetNS) (string, bool) { return "", false }

// isEnterError is false: nothing is entered here.
func isEnterError(err error) bool { return false }
