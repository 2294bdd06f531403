// Package errs names the kinds of failure sockscope's packages report, so
// that a caller tells them apart with errors.Is whichever package made the
// error: data the system gave that cannot be decoded is a runtime failure
// (exit status 1), input the user gave that is not valid is bad input
// (exit status 2, once the command line has said which flag it was).
package errs

import (
	"errors"
	"fmt"
)

var (
	// ErrMalformed is wrapped by every error about malformed data read from
	// the system: a netlink message, a /proc or /sys file, a Windows table.
	ErrMalformed = errors.New("malformed data")
	// ErrInvalid is wrapped by every error about an invalid value given by
	// the user: a state, protocol, format, style or source name.
	ErrInvalid = errors.New("invalid input")
)

// Invalidf returns an error about a value the user gave, printed as the
// message alone (no "invalid input: " before it), that matches
// ErrInvalid with errors.Is.
func Invalidf(format string, args ...any) error {
	return &invalidError{fmt.Sprintf(format, args...)}
}

type invalidError struct{ msg string }

func (e *invalidError) Error() string        { return e.msg }
func (e *invalidError) Is(target error) bool { return target == ErrInvalid }
