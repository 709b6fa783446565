package cf

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestSleep checks the default wait of clients and the notifier: it ends early when the context does, and
// reports why.
func TestSleep(t *testing.T) {
	t.Parallel()
	if err := Sleep(context.Background(), time.Nanosecond); err != nil {
		t.Errorf("a wait that ran out: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled wait of an hour: %v", err)
	}
	if err := Sleep(ctx, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("no wait on a cancelled context: %v", err)
	}
}
