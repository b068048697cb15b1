package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/roms-dev/roms/internal/config"
	"github.com/roms-dev/roms/internal/live"
	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/orders"
)

// filterFlags are the filters of the orders API as command flags.
type filterFlags struct {
	t orders.FilterText
}

func (ff *filterFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&ff.t.From, "since", "", "orders on or after: 2026-11-01, today, yesterday, week or month")
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

// query is the filter as the orders API takes it.
func (ff *filterFlags) query() url.Values {
	q := url.Values{}
	for key, v := range map[string]string{
		"from": ff.t.From, "to": ff.t.To, "status": ff.t.Status, "store": ff.t.Store, "profile": ff.t.Profile,
		"email": ff.t.Email, "q": ff.t.Query, "has_tracking": ff.t.HasTracking, "fully_received": ff.t.FullyReceived,
	} {
		if v != "" {
			q.Set(key, v)
		}
	}
	if ff.t.Open {
		q.Set("open", "true")
	}
	if ff.t.Deleted {
		q.Set("deleted", "true")
	}
	return q
}

// withService runs local with the orders service over the database when no bot holds it;
// while the bot runs, it holds a bbolt file, so remote asks the bot instead.
func withService(cfg config.Config, local func(*orders.Service) error, remote func() error) error {
	st, locked, err := openForCommand(context.Background(), cfg, false)
	if locked {
		return remote()
	}
	if err != nil {
		return err
	}
	defer st.close()
	svc, err := newService(cfg, st, live.NewHub(), newLogger(config.Log{Level: "error"}, io.Discard), nil)
	if err != nil {
		return err
	}
	return local(svc)
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
	var st orders.Stats
	err = withService(cfg, func(svc *orders.Service) error {
		f, err := svc.Filter(ff.t)
		if err != nil {
			return err
		}
		st, err = svc.Stats(ctx, f, *by)
		return err
	}, func() error {
		q := ff.query()
		if *by != "" {
			q.Set("group_by", *by)
		}
		return getFromBot(ctx, cfg, "/api/v2/stats?"+q.Encode(), &st)
	})
	if err != nil {
		return fmt.Errorf("stats: %w", err)
	}
	printStats(stdout, st, ff.t)
	return nil
}

// getFromBot GETs a JSON answer from the running bot.
func getFromBot(ctx context.Context, cfg config.Config, path string, v any) error {
	url := localURL(cfg.HTTP.Addr) + path
	resp, err := call(ctx, http.MethodGet, url, cfg.HTTP.Token, "", nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the running bot at %s answered %s: %s", url, resp.Status, strings.TrimSpace(string(body)))
	}
	return json.Unmarshal(body, v)
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
	rows := -1
	err = withService(cfg, func(svc *orders.Service) error {
		filter, err := svc.Filter(ff.t)
		if err != nil {
			return err
		}
		filter.Sort = *sort
		rows, err = svc.Export(ctx, filter, f)
		return err
	}, func() error {
		q := ff.query()
		q.Set("sort", *sort)
		return downloadFromBot(ctx, cfg, "/api/v2/orders/export.csv?"+q.Encode(), f)
	})
	if err == nil {
		err = f.Close()
	}
	if err == nil {
		err = os.Rename(*out+".partial", *out)
	}
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if rows >= 0 {
		fmt.Fprintf(stdout, "Wrote %d orders to %s\n", rows, *out)
	} else {
		fmt.Fprintf(stdout, "Wrote the orders from the running bot to %s\n", *out)
	}
	return nil
}

func downloadFromBot(ctx context.Context, cfg config.Config, path string, w io.Writer) error {
	url := localURL(cfg.HTTP.Addr) + path
	resp, err := call(ctx, http.MethodGet, url, cfg.HTTP.Token, "", nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("the running bot at %s answered %s: %s", url, resp.Status, strings.TrimSpace(string(body)))
	}
	_, err = io.Copy(w, resp.Body)
	return err
}
