package testfleet

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// TarpitEnv, when set to ADDR:PORT in the environment of a binary that
// imports this package, makes that binary a tarpit on ADDR:PORT instead of
// running its main (see init). Start re-executes itself this way inside the
// fleet's network namespace.
const TarpitEnv = "KAUDIT_TESTFLEET_TARPIT"

// Tarpit limits: it stops by itself after tarpitLifetime, and drops a held
// connection after tarpitHold.
const (
	tarpitLifetime = 12 * time.Hour
	tarpitHold     = 10 * time.Minute
	tarpitMaxConns = 1024
)

func init() {
	if addr := os.Getenv(TarpitEnv); addr != "" {
		if err := RunTarpit(context.Background(), addr); err != nil {
			fmt.Fprintln(os.Stderr, "testfleet tarpit:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
}

// RunTarpit accepts TCP connections on addr and never writes a byte: an SSH
// client waits for a banner that never comes. It returns on SIGTERM/SIGINT,
// when ctx ends, or after 12 hours.
func RunTarpit(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, tarpitLifetime)
	defer cancel()
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("tarpit: %w", err)
	}
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	slots := make(chan struct{}, tarpitMaxConns)
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("tarpit: %w", err)
		}
		select {
		case slots <- struct{}{}:
		default:
			c.Close()
			continue
		}
		go func() {
			defer func() { <-slots }()
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(tarpitHold))
			done := make(chan struct{})
			go func() {
				_, _ = io.Copy(io.Discard, c)
				close(done)
			}()
			select {
			case <-done:
			case <-ctx.Done():
			}
		}()
	}
}
