// Package demo holds what the example programs need and none of them is
// about: running main, an Authorizer on a memory store loaded from the
// example's policy file, and printing the answers to a list of questions.
// examples/quickstart writes these steps out in full.
package demo

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
)

// Main runs the example on standard output; if it fails, Main prints the
// error after the program's name and exits 1.
func Main(name string, run func(w io.Writer) error) {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

// Authorizer loads and validates policyYAML, writes it into a memory store
// and returns an Authorizer following that store, as the quickstart does
// step by step. close releases both.
func Authorizer(ctx context.Context, policyYAML []byte) (a *rbac.Authorizer, close func(), err error) {
	p, err := rbac.LoadPolicy(bytes.NewReader(policyYAML))
	if err != nil {
		return nil, nil, err
	}
	store := memstore.New()
	if _, err := rbac.Import(ctx, store, p); err != nil {
		store.Close()
		return nil, nil, err
	}
	a, err = rbac.New(ctx, store)
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	return a, func() { a.Close(); store.Close() }, nil
}

// Question is a request and what it asks, in words.
type Question struct {
	Text    string
	Request rbac.Request
}

// Ask explains each question's request and prints its text and, indented
// below, the decision with its route or its nearest miss.
func Ask(ctx context.Context, w io.Writer, a *rbac.Authorizer, questions []Question) error {
	for _, q := range questions {
		d, err := a.Explain(ctx, q.Request)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "%s\n  %s\n", q.Text, d); err != nil {
			return err
		}
	}
	return nil
}

// SyncBuffer is a log sink the examples' tests read while a service's
// handlers, on their own goroutines, write to it.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
