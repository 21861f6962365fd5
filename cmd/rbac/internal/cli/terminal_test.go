package cli

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// review chooses its default format by whether stdout is a terminal (a
// character device): CSV for pipes and files, a table for a person.
func TestIsTerminal(t *testing.T) {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Skip(err)
	}
	defer null.Close()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	file, err := os.Create(filepath.Join(t.TempDir(), "out.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	for _, tc := range []struct {
		name string
		w    io.Writer
		want bool
		why  string
	}{
		{"device", null, true, "a character device, as a terminal is"},
		{"pipe", pw, false, "rbac review | sort: a program reads it"},
		{"file", file, false, "rbac review > review.csv"},
		{"buffer", &bytes.Buffer{}, false, "not a file at all"},
	} {
		if got := isTerminal(tc.w); got != tc.want {
			t.Errorf("isTerminal(%s) = %v, want %v: %s", tc.name, got, tc.want, tc.why)
		}
	}
}
