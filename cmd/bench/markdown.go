package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// writeMarkdown writes the figures of a run into path as a page: how they were made, on
// what machine, and the bench's own output as it printed it.
func writeMarkdown(path, figures string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Performance figures\n\n")
	fmt.Fprintf(&b, "Written by `go run ./cmd/bench %s` on %s; run it again to bring this page up to date.\n",
		strings.Join(os.Args[1:], " "), time.Now().UTC().Format("2006-01-02"))
	fmt.Fprintf(&b, "Machine: %s, %d cores (GOMAXPROCS %d), %s/%s, %s.\n\n", cpuModel(), runtime.NumCPU(), runtime.GOMAXPROCS(0),
		runtime.GOOS, runtime.GOARCH, runtime.Version())
	b.WriteString("The machines here are shared and noisy: compare a figure with its baseline of the same run ")
	b.WriteString("(the ratio column), not with another run's nanoseconds. README's Performance section reads these ")
	b.WriteString("figures, with the ranges of several runs.\n\n```\n")
	b.WriteString(figures)
	b.WriteString("```\n")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("write the figures: %w", err)
	}
	return nil
}

// cpuModel is the processor's name as Linux gives it, or "a CPU" elsewhere.
func cpuModel() string {
	raw, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "a CPU"
	}
	for line := range strings.Lines(string(raw)) {
		if name, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimLeft(name, " \t:"))
		}
	}
	return "a CPU"
}
