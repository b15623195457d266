package transport

import (
	"context"
	"errors"
	"net"
	"sync"

	"golang.org/x/crypto/ssh"
)

// pool holds one shared connection per bastion, dialled lazily by the first
// host that needs it and reused by every later one. A failed dial is
// remembered: every host behind that bastion fails fast with the same
// error. A connection that ends is dialled again on next use. Each bastion
// also has a semaphore capping the host channels open through it.
type pool struct {
	mu      sync.Mutex
	closed  bool
	conns   map[string]*bastionConn
	slots   map[string]chan struct{}
	life    context.Context // cancelled by close
	cancel  context.CancelFunc
	dialers sync.WaitGroup
}

type bastionConn struct {
	ready  chan struct{} // closed when the dial finished
	client *ssh.Client
	err    error
	dead   chan struct{} // closed when the established connection ended
}

func newPool() *pool {
	life, cancel := context.WithCancel(context.Background())
	return &pool{conns: map[string]*bastionConn{}, slots: map[string]chan struct{}{}, life: life, cancel: cancel}
}

var errClosed = errors.New("transport closed")

// get returns the shared connection for ep, dialling it with dial (under the
// pool's own lifetime, not the caller's: the connection outlives the host
// that triggered it). It waits for a dial in progress, or until ctx ends.
func (p *pool) get(ctx context.Context, ep *endpoint, dial func(context.Context) (*ssh.Client, error)) (*ssh.Client, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, errClosed
	}
	bc := p.conns[ep.poolKey]
	if bc != nil && bc.ended() {
		bc = nil
	}
	if bc == nil {
		bc = &bastionConn{ready: make(chan struct{}), dead: make(chan struct{})}
		p.conns[ep.poolKey] = bc
		p.dialers.Add(1)
		go p.dial(bc, dial)
	}
	p.mu.Unlock()

	select {
	case <-bc.ready:
		return bc.client, bc.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (p *pool) dial(bc *bastionConn, dial func(context.Context) (*ssh.Client, error)) {
	defer p.dialers.Done()
	c, err := dial(p.life)
	p.mu.Lock()
	if p.closed && c != nil {
		_ = c.Close()
		c, err = nil, errClosed
	}
	bc.client, bc.err = c, err
	close(bc.ready)
	p.mu.Unlock()
	if c != nil {
		go func() {
			_ = c.Wait()
			close(bc.dead)
		}()
	}
}

// ended reports whether bc holds a connection that has since closed.
func (bc *bastionConn) ended() bool {
	select {
	case <-bc.ready:
	default:
		return false
	}
	if bc.err != nil {
		return false
	}
	select {
	case <-bc.dead:
		return true
	default:
		return false
	}
}

// acquire takes one of ep's channel slots; the returned func gives it back.
func (p *pool) acquire(ctx context.Context, ep *endpoint) (func(), error) {
	p.mu.Lock()
	sem := p.slots[ep.poolKey]
	if sem == nil {
		sem = make(chan struct{}, max(ep.concurrency, 1))
		p.slots[ep.poolKey] = sem
	}
	p.mu.Unlock()
	select {
	case sem <- struct{}{}:
		var once sync.Once
		return func() { once.Do(func() { <-sem }) }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// close closes every bastion connection and waits for dials in progress.
func (p *pool) close() error {
	p.mu.Lock()
	p.closed = true
	p.cancel()
	var errs []error
	for _, bc := range p.conns {
		select {
		case <-bc.ready:
			if bc.client != nil {
				if err := bc.client.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
					errs = append(errs, err)
				}
			}
		default:
		}
	}
	p.mu.Unlock()
	p.dialers.Wait()
	return errors.Join(errs...)
}
