package cf

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
)

// Limits of what one answer may make cfkeys hold in memory. Real credentials are a few kB; a listing page of 5,000
// service instances with their fields is around 10 MB.
const (
	// maxDetailsBody caps a key's /details answer.
	maxDetailsBody = 4 << 20
	// maxPageBody caps any other Cloud Controller answer, a listing page included.
	maxPageBody = 32 << 20
	// maxErrorBody is how much of a non-2xx answer is read; only a short summary of it is kept.
	maxErrorBody = 64 << 10
	// freeBody is how much of a body of unknown length is read before it must fit the in-flight budget: enough
	// for every real /details answer, small enough that 64 parallel requests hold only 4 MB this way.
	freeBody = 64 << 10
	// inflightBudget bounds the bytes of answers held at once by every client of the process, so that parallel
	// requests cannot multiply the caps above.
	inflightBudget = 64 << 20
)

// bodies is the process-wide in-flight budget.
var bodies = newByteBudget(inflightBudget)

// TooLargeError is an answer larger than cfkeys accepts for that request. It is not retried: the same answer
// would come again.
type TooLargeError struct {
	Limit    int64
	Declared int64 // the Content-Length the server announced, or -1 when it sent more than Limit without saying
}

func (e *TooLargeError) Error() string {
	if e.Declared >= 0 {
		return fmt.Sprintf("the answer is %d bytes, more than the %s cfkeys accepts for it (not read)", e.Declared, mib(e.Limit))
	}
	return fmt.Sprintf("the answer is larger than the %s cfkeys accepts for it", mib(e.Limit))
}

func mib(n int64) string { return fmt.Sprintf("%d MB", n>>20) }

// readBody reads a 2xx answer's body, at most limit bytes, holding the bytes against the process-wide budget. The
// returned release gives them back; call it when the data is no longer used (after decoding).
//
// A declared length is allocated once and read in place. A body of unknown length (chunked: what Go's and most
// servers send for anything over a few kB) reads its first freeBody bytes freely; beyond that it reserves the
// rest of its cap from the budget all at once (so two large answers never wait for each other while each holds a
// part), grows by doubling up to the cap, and gives back what it did not use as soon as it has read the end. It
// does not allocate the whole cap up front: a 100 kB listing page once cost a zeroed 32 MB buffer. The price: while
// the last doubling copies, an answer near its cap holds up to 1.5 times the cap (TestPeakRSSHugeDetails: every
// /details a chunked 120 MB, peak RSS 173 MB at concurrency 16 and 184 MB at 64, against 300 MB allowed).
func readBody(ctx context.Context, resp *http.Response, limit int64) ([]byte, func(), error) {
	noop := func() {}
	if resp.ContentLength > limit {
		return nil, noop, &TooLargeError{Limit: limit, Declared: resp.ContentLength}
	}
	if resp.ContentLength >= 0 {
		n := resp.ContentLength
		if err := bodies.acquire(ctx, n); err != nil {
			return nil, noop, err
		}
		release := func() { bodies.release(n) }
		data := make([]byte, n)
		if _, err := io.ReadFull(resp.Body, data); err != nil {
			release()
			return nil, noop, err
		}
		var more [1]byte
		if k, _ := io.ReadFull(resp.Body, more[:]); k > 0 { // more than announced: the server lies, and the answer is not trusted
			release()
			return nil, noop, fmt.Errorf("the answer is longer than its Content-Length of %d bytes", n)
		}
		return data, release, nil
	}
	buf := make([]byte, 0, 4<<10)
	buf, err := readUpTo(resp.Body, buf, freeBody+1)
	if err != nil {
		return nil, noop, err
	}
	if len(buf) <= freeBody {
		return buf, noop, nil
	}
	rest := limit - freeBody
	if err := bodies.acquire(ctx, rest); err != nil {
		return nil, noop, err
	}
	if buf, err = readUpTo(resp.Body, buf, limit+1); err != nil {
		bodies.release(rest)
		return nil, noop, err
	}
	if int64(len(buf)) > limit {
		bodies.release(rest)
		return nil, noop, &TooLargeError{Limit: limit, Declared: -1}
	}
	held := int64(len(buf)) - freeBody
	bodies.release(rest - held)
	return buf, func() { bodies.release(held) }, nil
}

// readUpTo appends from r to buf until r ends or buf holds most bytes, doubling its capacity as it fills but never
// beyond most.
func readUpTo(r io.Reader, buf []byte, most int64) ([]byte, error) {
	for int64(len(buf)) < most {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(most, int64(2*cap(buf))))
			copy(grown, buf)
			buf = grown
		}
		end := min(int64(cap(buf)), most)
		n, err := r.Read(buf[len(buf):end])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// readErrorBody reads the start of a non-2xx answer, enough to summarise it; the rest is not read.
func readErrorBody(resp *http.Response) ([]byte, error) {
	return io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
}

// byteBudget is a counting semaphore of bytes with first-come, first-served waiting, so a large request is not
// starved by a stream of small ones.
type byteBudget struct {
	mu      sync.Mutex
	size    int64
	used    int64
	waiters []*budgetWaiter
}

type budgetWaiter struct {
	n     int64
	ready chan struct{}
}

func newByteBudget(size int64) *byteBudget { return &byteBudget{size: size} }

// acquire takes n bytes of the budget, waiting until they are free or ctx is done. A request for more than the
// whole budget waits for all of it.
func (b *byteBudget) acquire(ctx context.Context, n int64) error {
	n = min(n, b.size)
	b.mu.Lock()
	if len(b.waiters) == 0 && b.used+n <= b.size {
		b.used += n
		b.mu.Unlock()
		return nil
	}
	w := &budgetWaiter{n: n, ready: make(chan struct{})}
	b.waiters = append(b.waiters, w)
	b.mu.Unlock()
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		b.mu.Lock()
		defer b.mu.Unlock()
		select {
		case <-w.ready: // granted while giving up: give it back
			b.used -= n
			b.grantLocked()
		default:
			for i, x := range b.waiters {
				if x == w {
					b.waiters = append(b.waiters[:i], b.waiters[i+1:]...)
					break
				}
			}
			b.grantLocked() // the head may have changed
		}
		return ctx.Err()
	}
}

// release gives n bytes back.
func (b *byteBudget) release(n int64) {
	n = min(n, b.size)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
	b.grantLocked()
}

// grantLocked wakes waiters in order while their requests fit.
func (b *byteBudget) grantLocked() {
	for len(b.waiters) > 0 {
		w := b.waiters[0]
		if b.used+w.n > b.size {
			return
		}
		b.used += w.n
		b.waiters = b.waiters[1:]
		close(w.ready)
	}
}

// inUse returns the bytes currently held (for tests).
func (b *byteBudget) inUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}
