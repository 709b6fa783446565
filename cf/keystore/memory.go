package keystore

import (
	"sync"

	"github.com/zalando/go-keyring"
)

// Memory is an in-memory keyring backend for tests. Its fields let a test make it fail the way real keyrings do.
type Memory struct {
	mu sync.Mutex
	m  map[string]string
	// Err, when set, is returned by every call (e.g. a locked-collection error).
	Err error
	// MaxSize, when above zero, refuses larger secrets as Windows and macOS do.
	MaxSize int
	// Block, when set, makes every call wait until it is closed (a keyring that hangs).
	Block chan struct{}
}

// NewMemory returns an empty in-memory backend.
func NewMemory() *Memory { return &Memory{m: map[string]string{}} }

func (b *Memory) enter() error {
	if b.Block != nil {
		<-b.Block
	}
	return b.Err
}

// Get implements Backend.
func (b *Memory) Get(service, user string) (string, error) {
	if err := b.enter(); err != nil {
		return "", err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	v, ok := b.m[service+"|"+user]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return v, nil
}

// Set implements Backend.
func (b *Memory) Set(service, user, secret string) error {
	if err := b.enter(); err != nil {
		return err
	}
	if b.MaxSize > 0 && len(secret) > b.MaxSize {
		return keyring.ErrSetDataTooBig
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.m[service+"|"+user] = secret
	return nil
}

// Delete implements Backend.
func (b *Memory) Delete(service, user string) error {
	if err := b.enter(); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.m[service+"|"+user]; !ok {
		return keyring.ErrNotFound
	}
	delete(b.m, service+"|"+user)
	return nil
}

// Entries returns a copy of the stored entries, keyed "service|user".
func (b *Memory) Entries() map[string]string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[string]string, len(b.m))
	for k, v := range b.m {
		out[k] = v
	}
	return out
}
