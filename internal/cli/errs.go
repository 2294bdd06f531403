package cli

import (
	"errors"
	"slices"
	"strings"

	"github.com/sockscope/sockscope/internal/i18n"
	"github.com/sockscope/sockscope/internal/order"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/statsview"
)

// A translatedError is an error of another package (Err) whose message the
// command line rewrote from the catalog in the user's language. It still
// matches Err with errors.Is and errors.As.
type translatedError struct {
	msg string
	Err error
}

func (e *translatedError) Error() string { return e.msg }
func (e *translatedError) Unwrap() error { return e.Err }

// translate returns the usage error of message key in language lang,
// wrapping err.
func translate(err error, lang, key string, args ...any) error {
	return &FlagError{Err: &translatedError{msg: i18n.T(lang, key, args...), Err: err}}
}

// validList joins valid values with the list separator of lang.
func validList(lang string, vals []string) string {
	return strings.Join(vals, i18n.T(lang, "cli.sep"))
}

// enumError is the usage error of err, returned by render.ParseFormat or
// render.ParseStyle, in language lang.
func enumError(lang string, err error) error {
	var ue *render.UnknownValueError
	if errors.As(err, &ue) {
		switch ue.Kind {
		case "format":
			return translate(err, lang, "cli.err.format", ue.Value, validList(lang, ue.Valid))
		case "style":
			return translate(err, lang, "cli.err.style", ue.Value, validList(lang, ue.Valid))
		}
	}
	return &FlagError{Err: err}
}

// stateError is the usage error of err, returned by sockets.ParseState for
// --state, in language lang.
func stateError(lang string, err error) error {
	var ue *sockets.UnknownStateError
	if !errors.As(err, &ue) {
		return &FlagError{Err: &prefixedError{prefix: "--state: ", Err: err}}
	}
	if len(ue.Suggestions) > 0 {
		return translate(err, lang, "cli.err.state.suggest", ue.Name, strings.Join(ue.Suggestions, i18n.T(lang, "cli.or")))
	}
	return translate(err, lang, "cli.err.state.unknown", ue.Name, validList(lang, stateValues()))
}

// sortError is the usage error of err, returned by order.Parse for --sort,
// in language lang.
func sortError(lang string, err error) error {
	var ue *order.UnknownFieldError
	if errors.As(err, &ue) {
		return translate(err, lang, "cli.err.sort.field", ue.Field, validList(lang, order.Fields()))
	}
	return &FlagError{Err: &prefixedError{prefix: "--sort: ", Err: err}}
}

// prefixedError is Err with prefix before its message.
type prefixedError struct {
	prefix string
	Err    error
}

func (e *prefixedError) Error() string { return e.prefix + e.Err.Error() }
func (e *prefixedError) Unwrap() error { return e.Err }

// viewError is the usage error of err, returned by diagram.ParseView for
// the argument arg, in language lang.
func viewError(lang, arg string, err error) error {
	return translate(err, lang, "cli.err.diagram.view", arg)
}

// statsProtoError is the usage error of err, returned by
// statsview.ParseProtos, in language lang.
func statsProtoError(lang string, err error) error {
	var ue *statsview.UnknownProtoError
	if errors.As(err, &ue) {
		return translate(err, lang, "cli.err.stats.proto", ue.Name, validList(lang, statsview.Protos))
	}
	return &FlagError{Err: err}
}

// sourceError is err, returned by Factory.Source for --source kind, in
// language lang: an unknown source is a usage error.
func sourceError(lang, kind string, err error) error {
	if kind != "" && !slices.Contains(sockets.SourceKinds, kind) {
		return translate(err, lang, "cli.err.source", kind, validList(lang, sockets.SourceKinds))
	}
	return err
}
