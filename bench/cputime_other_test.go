//go:build !linux

package bench

import "testing"

// threadCPU reports nothing where a thread's CPU clock is not read.
type threadCPU struct{}

func startThreadCPU() threadCPU { return threadCPU{} }

func (threadCPU) report(*testing.B) {}
