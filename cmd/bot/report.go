package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/orders"
)

// filterFlags are the filters of the orders API as command flags.
type filterFlags struct {
	t orders.FilterText
}

func (ff *filterFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&ff.t.From, "since", "", "orders on or after: 2026-11-01, today, yesterday, week, month, last-week or last-month")
	fs.StringVar(&ff.t.To, "until", "", "orders up to and including this day")
	fs.StringVar(&ff.t.Status, "status", "", "one status or several, comma-separated")
	fs.StringVar(&ff.t.Store, "store", "", "part of the store name")
	fs.StringVar(&ff.t.Profile, "profile", "", "part of the profile name")
	fs.StringVar(&ff.t.Email, "email", "", "part of the email")
	fs.StringVar(&ff.t.Query, "q", "", "text in the order number, product, email, profile, store or tracking")
	fs.StringVar(&ff.t.HasTracking, "has-tracking", "", "true or false")
	fs.StringVar(&ff.t.FullyReceived, "fully-received", "", "true or false")
	fs.BoolVar(&ff.t.Open, "open", false, "only orders still waiting on tracking, units or a review")
	fs.BoolVar(&ff.t.Deleted, "deleted", false, "deleted orders instead of live ones")
}

// statsCommand prints the totals of the orders a filter selects as a table.
func statsCommand(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flags("stats")
	var ff filterFlags
	ff.register(fs)
	by := fs.String("by", "", "group by store, profile, status, product, day, week or month")
	cfg, _, _, err := loadConfig(fs, args, getenv)
	if err != nil {
		return err
	}
	if *by != "" && !slices.Contains(order.Groupings, *by) {
		return fmt.Errorf("stats -by %q: use one of %s", *by, strings.Join(order.Groupings, ", "))
	}
	b, done, err := openBackend(ctx, cfg, false, io.Discard)
	if err != nil {
		return fmt.Errorf("stats: %w", err)
	}
	defer done()
	st, err := b.Stats(ctx, ff.t, *by)
	if err != nil {
		return fmt.Errorf("stats: %w", err)
	}
	printStats(stdout, st, ff.t)
	return nil
}

func printStats(w io.Writer, st orders.Stats, t orders.FilterText) {
	title := "All orders"
	if t.From != "" {
		title = "Orders since " + t.From
	}
	if t.To != "" {
		title += " until " + t.To
	}
	fmt.Fprintf(w, "%s (days in %s)\n\n", title, st.TimeZone)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	group := "GROUP"
	if st.GroupBy != "" {
		group = strings.ToUpper(st.GroupBy)
	}
	fmt.Fprintf(tw, "%s\tCHECKOUTS\tUNITS\tSPEND\tAVERAGE\tCOMMISSION\tCANCELLED\tDECLINED\tCANCEL RATE\tTRACKED\tRECEIVED\t\n", group)
	for _, g := range st.Groups {
		printTotals(tw, orDash(g.Group), g)
	}
	printTotals(tw, "All", st.Overall)
	tw.Flush()
	fmt.Fprintln(w, "\nSpend leaves out declined, cancelled and refunded orders; currencies are never added together.")
}

func printTotals(w io.Writer, name string, t order.Totals) {
	spend, avg, comm := moneyColumns(t.Money)
	fmt.Fprintf(w, "%s\t%d\t%d\t%s\t%s\t%s\t%d\t%d\t%.1f%%\t%d\t%d\t\n",
		name, t.Checkouts, t.Units, spend, avg, comm, t.Cancelled, t.Declined, 100*t.CancelRate, t.WithTracking, t.UnitsReceived)
}

// moneyColumns shows each currency's figures side by side: "299.99 USD, 12.50 EUR".
func moneyColumns(money []order.CurrencyTotals) (spend, average, commission string) {
	var s, a, c []string
	for _, m := range money {
		s = append(s, strings.TrimSpace(m.Spend.String()+" "+m.Currency))
		a = append(a, strings.TrimSpace(m.Average.String()+" "+m.Currency))
		c = append(c, strings.TrimSpace(m.Commission.String()+" "+m.Currency))
	}
	return orDash(strings.Join(s, ", ")), orDash(strings.Join(a, ", ")), orDash(strings.Join(c, ", "))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// exportCommand writes the orders a filter selects to a CSV file.
func exportCommand(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flags("export")
	var ff filterFlags
	ff.register(fs)
	out := fs.String("o", "", "the CSV file to write, for example orders.csv")
	sort := fs.String("sort", order.SortDateDesc, "date_desc, date_asc, price_desc or price_asc")
	cfg, _, _, err := loadConfig(fs, args, getenv)
	if err != nil {
		return err
	}
	switch {
	case *out == "":
		return errors.New("export needs -o FILE, for example: bot export -o orders.csv -since month")
	case !slices.Contains(order.Sorts, *sort):
		return fmt.Errorf("export -sort %q: use one of %s", *sort, strings.Join(order.Sorts, ", "))
	}
	if _, err := os.Stat(*out); err == nil {
		return fmt.Errorf("export: %s exists already; choose a new file name", *out)
	}
	f, err := os.OpenFile(*out+".partial", os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer os.Remove(*out + ".partial") // gone after the rename; a failed export leaves nothing
	defer f.Close()
	b, done, err := openBackend(ctx, cfg, false, io.Discard)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer done()
	rows, err := b.Export(ctx, ff.t, *sort, f)
	if err == nil {
		err = f.Close()
	}
	if err == nil {
		err = os.Rename(*out+".partial", *out)
	}
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	fmt.Fprintf(stdout, "Wrote %d orders to %s\n", rows, *out)
	return nil
}
