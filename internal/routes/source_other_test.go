//go:build !linux && !windows

package routes

import (
	"context"
	"errors"
	"testing"
)

func TestListUnsupported(t *testing.T) {
	if _, err := List(context.Background()); !errors.Is(err, ErrUnsupported) {
		t.Errorf("List error %v, want one wrapping ErrUnsupported", err)
	}
}
