// Command bot is ROMS: it captures Refract checkouts from Discord and from its HTTP
// webhook into a local database, and serves them back. main only wires the process to
// run, which holds the whole program so tests can drive it.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // time zone names work on machines and images without a zone database
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Environ(), os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "roms:", err)
		os.Exit(1)
	}
}
