package cf

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"
)

// TestReadBody reads answers of every shape: declared or chunked, small, large, at and over the cap, shorter or
// longer than declared. It checks the bytes, the budget held while the data is in use (a chunked answer holds what
// it read beyond freeBody, not its whole cap) and given back after, and that no answer allocates its cap.
// Not parallel: it reads the process-wide budget, which parallel tests use.
func TestReadBody(t *testing.T) {
	const limit = 1 << 20
	for _, tc := range []struct {
		name     string
		size     int   // bytes the server sends
		declared int64 // Content-Length, or -1
		held     int64 // budget held until release
		err      string
	}{
		{"declared small", 300, 300, 300, ""},
		{"declared at the cap", limit, limit, limit, ""},
		{"declared over the cap", limit + 1, limit + 1, 0, "more than the 1 MB"},
		{"declared but shorter", 100, 300, 0, "unexpected EOF"},
		{"declared but longer", 400, 300, 0, "longer than its Content-Length of 300"},
		{"chunked small", 300, -1, 0, ""},
		{"chunked at freeBody", freeBody, -1, 0, ""},
		{"chunked just over freeBody", freeBody + 1, -1, 1, ""},
		{"chunked 100 kB", 100 << 10, -1, 100<<10 - freeBody, ""},
		{"chunked at the cap", limit, -1, limit - freeBody, ""},
		{"chunked over the cap", limit + 1, -1, 0, "larger than the 1 MB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := bytes.Repeat([]byte("0123456789abcdef"), tc.size/16+1)[:tc.size]
			resp := &http.Response{ContentLength: tc.declared, Body: io.NopCloser(iotest.HalfReader(bytes.NewReader(body)))}
			data, release, err := readBody(context.Background(), resp, limit)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				var tl *TooLargeError
				if strings.Contains(tc.err, "1 MB") && !errors.As(err, &tl) {
					t.Errorf("err %T, want a TooLargeError", err)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(data, body) {
					t.Fatalf("read %d bytes, not the %d sent", len(data), len(body))
				}
				if cap(data) > 2*max(len(data), 4<<10) {
					t.Errorf("a %d-byte answer was read into %d bytes of memory", len(data), cap(data))
				}
			}
			if n := bodies.inUse(); n != tc.held {
				t.Errorf("%d bytes of the budget held while the answer is in use, want %d", n, tc.held)
			}
			release()
			if n := bodies.inUse(); n != 0 {
				t.Errorf("%d bytes of the budget held after release", n)
			}
		})
	}
}
