package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/roms-dev/roms/internal/aco"
)

// clientsCommand lists the ACO service's clients with what each owes, writes them as CSV
// or applies a CSV of them, whether the bot runs or not.
func clientsCommand(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flags("clients")
	out := fs.String("o", "", "with export: the file to write (stdout without it)")
	cfg, _, rest, err := loadConfig(fs, args, getenv)
	if err != nil {
		return err
	}
	what := "list"
	if len(rest) > 0 {
		what, rest = rest[0], rest[1:]
	}
	if what == "export" { // bot clients export -o FILE: the flag comes after the word
		sub := flags("clients export")
		sub.StringVar(out, "o", *out, "the file to write (stdout without it)")
		if err := sub.Parse(rest); err != nil {
			return err
		}
		rest = sub.Args()
	}
	b, done, err := openBackend(ctx, cfg, false, io.Discard)
	if err != nil {
		return fmt.Errorf("clients: %w", err)
	}
	defer done()
	switch {
	case what == "list" && len(rest) == 0:
		list, owed, err := b.Clients(ctx)
		if err != nil {
			return err
		}
		printClients(stdout, list, owed)
		return nil
	case what == "export" && len(rest) == 0:
		list, _, err := b.Clients(ctx)
		if err != nil {
			return err
		}
		return writeTo(*out, stdout, func(w io.Writer) error { return aco.WriteClients(w, list) })
	case what == "import" && len(rest) == 1:
		f, err := os.Open(rest[0])
		if err != nil {
			return fmt.Errorf("clients import: %w", err)
		}
		defer f.Close()
		list, err := aco.ReadClients(f)
		if err != nil {
			return fmt.Errorf("clients import %s: nothing was imported: %w", rest[0], err)
		}
		added, replaced, err := b.PutClients(ctx, list)
		if err != nil {
			return fmt.Errorf("clients import %s: %w", rest[0], err)
		}
		fmt.Fprintf(stdout, "Imported %s: %d clients added, %d replaced.\n", rest[0], added, replaced)
		return nil
	}
	return fmt.Errorf("clients: write bot clients [list], bot clients export [-o FILE] or bot clients import FILE")
}

func printClients(w io.Writer, list []aco.Client, owed []aco.Owed) {
	if len(list) == 0 {
		fmt.Fprintln(w, "No clients yet: add them on the dashboard's Clients page, with /client add, or bot clients import FILE.")
		return
	}
	owes := map[string]aco.Owed{}
	for _, o := range owed {
		owes[o.Client] = o
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "CLIENT\tID\tFEE\tPENDING\tDUE\tINVOICED\tCREDIT\tPAID\tOWES\t")
	for _, c := range list {
		o := owes[c.ID]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", c.Name, c.ID, c.Fee, o.Pending, o.Due, o.Invoiced, o.Credit, o.Paid, o.Owes)
	}
	_ = tw.Flush()
}

// writeTo writes to a file, or to stdout without one.
func writeTo(file string, stdout io.Writer, write func(io.Writer) error) error {
	if file == "" {
		return write(stdout)
	}
	f, err := os.OpenFile(file, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600) // it holds emails
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
