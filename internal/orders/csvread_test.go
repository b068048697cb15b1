package orders

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

// TestReadRecordsAsSpreadsheetsDo: quotes as spreadsheets write and read them, and a
// stray quote never swallows the rows after it.
func TestReadRecordsAsSpreadsheetsDo(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, in string
		want     [][]string
		lines    []int
		notes    int
	}{
		{"stray quote after a quoted start", "T-1,\"Ultra\" 4K TV,1ZA1\nT-2,TV,1ZA2\n",
			[][]string{{"T-1", "Ultra 4K TV", "1ZA1"}, {"T-2", "TV", "1ZA2"}}, []int{1, 2}, 0},
		{"inch mark in an unquoted cell", "T-1,12\" TV,1Z\n", [][]string{{"T-1", "12\" TV", "1Z"}}, []int{1}, 0},
		{"escaped quotes", "A,\"say \"\"hi\"\"\",B\n", [][]string{{"A", "say \"hi\"", "B"}}, []int{1}, 0},
		{"a cell of lines", "A,\"1 Main St\nApt 2\",B\nC,D,E\n",
			[][]string{{"A", "1 Main St\nApt 2", "B"}, {"C", "D", "E"}}, []int{1, 3}, 0},
		{"never closed", "A,\"Ultra 4K TV,1ZA1\nT-2,TV,1ZA2\nT-3,TV,1ZA3\n",
			[][]string{{"A", "\"Ultra 4K TV", "1ZA1"}, {"T-2", "TV", "1ZA2"}, {"T-3", "TV", "1ZA3"}}, []int{1, 2, 3}, 1},
		{"closed by a later row's quote", "A,\"Ultra 4K TV,1Z\nT-2,\"Other\" set,1Y\n",
			[][]string{{"A", "\"Ultra 4K TV", "1Z"}, {"T-2", "Other set", "1Y"}}, []int{1, 2}, 1},
		{"CRLF and a last line without one", "A,B\r\nC,D", [][]string{{"A", "B"}, {"C", "D"}}, []int{1, 2}, 0},
		{"empty cells", "A,,\n", [][]string{{"A", "", ""}}, []int{1}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rows, notes := readRecords(tt.in, ',')
			var got [][]string
			var lines []int
			for _, r := range rows {
				got, lines = append(got, r.fields), append(lines, r.line)
			}
			if !reflect.DeepEqual(got, tt.want) || !reflect.DeepEqual(lines, tt.lines) || len(notes) != tt.notes {
				t.Errorf("got %q lines %v notes %q, want %q lines %v and %d notes", got, lines, notes, tt.want, tt.lines, tt.notes)
			}
		})
	}
}

// TestAStrayQuoteLosesNoRows is the finding: a tracking file whose second row has a
// stray quote used to fold the four rows after it into one cell.
func TestAStrayQuoteLosesNoRows(t *testing.T) {
	t.Parallel()
	p, _, _ := newPipeline(t)
	ctx := context.Background()
	for _, n := range []string{"T-1", "T-2", "T-3", "T-4", "T-5"} {
		if _, err := p.Ingest(ctx, httpInput("Successful Checkout | Target\nOrder Number\n"+n+"\n")); err != nil {
			t.Fatal(err)
		}
	}
	file := "Order Number,Product,Tracking Number\nT-1,\"Ultra\" 4K TV,1ZA1\nT-2,TV,1ZA2\nT-3,TV,1ZA3\nT-4,TV,1ZA4\nT-5,\"Mini 4K TV,1ZA5\n"
	sum, err := p.Import(ctx, ImportTracking, []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Rows != 5 || sum.Updated != 5 || len(sum.Notes) != 1 || !strings.Contains(sum.Notes[0], "line 6") {
		t.Errorf("summary %+v", sum)
	}
	if o, _ := p.Get(ctx, "T-5"); strings.Join(o.TrackingNumbers, ",") != "1ZA5" {
		t.Errorf("T-5 tracking %v", o.TrackingNumbers)
	}
}

// FuzzReadRecords: any text splits into rows without panicking, each on a later line than
// the last, and never more rows than lines.
func FuzzReadRecords(f *testing.F) {
	f.Add("T-1,\"Ultra\" 4K TV,1ZA1\nT-2,TV\n")
	f.Add("A,\"x\ny\",\"\"\"\n\"")
	f.Fuzz(func(t *testing.T, text string) {
		rows, _ := readRecords(text, ',')
		last := 0
		for _, r := range rows {
			if r.line <= last {
				t.Fatalf("row on line %d after line %d", r.line, last)
			}
			last = r.line
		}
		if n := strings.Count(strings.ReplaceAll(text, "\r\n", "\n"), "\n") + 1; len(rows) > n {
			t.Fatalf("%d rows from %d lines", len(rows), n)
		}
	})
}
