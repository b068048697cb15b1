package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/roms-dev/roms/internal/aco"
)

// apiCall sends a JSON request to the bot and decodes the answer, failing on an unexpected
// status.
func apiCall(t *testing.T, method, url string, body any, want int, out any) {
	t.Helper()
	var r io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		r = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, url, r)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d, want %d: %s", method, url, resp.StatusCode, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, url, err, raw)
		}
	}
}

// TestAnACOServiceOverTheAPI runs the fees of two clients through the running bot: clients
// added over the API, checkouts posted to the webhook matched by profile pattern and by
// jigged and catch-all email, a cancel that voids its fee, an invoice, a payment, and a
// refund after it that the next invoice credits; and the clients' CSV out and in.
func TestAnACOServiceOverTheAPI(t *testing.T) {
	t.Chdir(t.TempDir())
	bot := startBot(t, map[string]string{"ROMS_ACO_HOLD": "0"})
	api := bot.base + "/api/v2"
	apiCall(t, "POST", api+"/clients", map[string]any{"name": "Lennar", "profiles": []string{"Lennar #*"}, "fee": "5/order"}, 201, nil)
	apiCall(t, "POST", api+"/clients", map[string]any{"name": "Bob Cooks", "emails": []string{"bob.cooks@gmail.com", "@bobcooks.io"}, "fee": "10% min 3"}, 201, nil)
	apiCall(t, "POST", api+"/clients", map[string]any{"name": "Bad", "fee": "5 a week"}, 422, nil)
	checkout := func(number, profile, email, price string) {
		postText(t, bot.base, "Successful Checkout | Target\nProduct\nETB\nPrice\n$"+price+"\nOrder Number\n"+number+"\nProfile\n"+profile+"\nEmail\n"+email+"\n")
	}
	checkout("T-1", "Lennar #4", "x@y.com", "100.00")
	checkout("T-2", "Main", "b.o.b.cooks+drop@gmail.com", "200.00")
	checkout("T-3", "Main", "anything@bobcooks.io", "20.00")
	checkout("T-4", "Mine", "me@me.com", "20.00")
	fees := func(client string) []aco.Fee {
		var out []aco.Fee
		apiCall(t, "GET", api+"/fees?client="+client, nil, 200, &out)
		return out
	}
	waitFor(t, "the three clients' fees", func() bool { return len(fees("lennar")) == 1 && len(fees("bob-cooks")) == 2 })
	var unmatched []aco.Unmatched
	apiCall(t, "GET", api+"/aco/unmatched", nil, 200, &unmatched)
	if len(unmatched) != 1 || unmatched[0].Order != "T-4" {
		t.Errorf("unmatched %+v", unmatched)
	}

	apiCall(t, "PATCH", api+"/orders/T-3", map[string]any{"status": "cancelled"}, 200, nil)
	waitFor(t, "the cancelled order's fee voided", func() bool {
		f := fees("bob-cooks")
		return len(f) == 2 && f[1].State == aco.FeeVoid
	})
	var inv aco.Invoice
	apiCall(t, "POST", api+"/invoices", map[string]any{"client": "bob-cooks", "period": "all"}, 201, &inv)
	if inv.Total.String() != "20.00" || len(inv.Lines) != 1 {
		t.Fatalf("Bob's invoice: %+v", inv)
	}
	apiCall(t, "POST", api+"/invoices/"+inv.ID+"/sent", nil, 200, nil)
	apiCall(t, "POST", api+"/invoices/"+inv.ID+"/payments", map[string]any{"amount": 20, "method": "Zelle"}, 200, &inv)
	if inv.State != aco.InvoicePaid {
		t.Fatalf("after paying in full: %+v", inv)
	}
	apiCall(t, "PATCH", api+"/orders/T-2", map[string]any{"status": "refunded"}, 200, nil)
	var owed []aco.Owed
	waitFor(t, "a credit for the refund after payment", func() bool {
		apiCall(t, "GET", api+"/owed", nil, 200, &owed)
		return len(owed) == 2 && owed[0].Client == "bob-cooks" && owed[0].Credit.String() == "20.00"
	})
	checkout("T-5", "Main", "bob@bobcooks.io", "300.00")
	waitFor(t, "the next fee", func() bool { return len(fees("bob-cooks")) == 3 })
	apiCall(t, "POST", api+"/invoices", map[string]any{"client": "bob-cooks", "period": "all"}, 201, &inv)
	if inv.Total.String() != "10.00" || len(inv.Credits) != 1 {
		t.Errorf("the next invoice, 30.00 less the 20.00 credit: %+v", inv)
	}
	resp, err := http.Get(api + "/invoices/" + inv.ID + "/csv")
	if err != nil {
		t.Fatal(err)
	}
	sheet, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(sheet), "T-5") || !strings.Contains(string(sheet), "-20.00") || !strings.Contains(string(sheet), "10.00") {
		t.Errorf("the invoice's CSV:\n%s", sheet)
	}

	resp, err = http.Get(api + "/clients/export.csv")
	if err != nil {
		t.Fatal(err)
	}
	file, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	edited := strings.Replace(string(file), "5.00/order", "6.00/order", 1) + "new-one,New One,,,Card 9,,2/unit,dm,\n"
	var imported struct{ Added, Replaced int }
	req, _ := http.NewRequest("POST", api+"/clients/import", strings.NewReader(edited))
	req.Header.Set("Content-Type", "text/csv")
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	_ = json.NewDecoder(resp.Body).Decode(&imported)
	resp.Body.Close()
	var lennar aco.Client
	apiCall(t, "GET", api+"/clients/lennar", nil, 200, &lennar)
	if imported.Added != 1 || imported.Replaced != 2 || lennar.Fee.String() != "6.00/order" {
		t.Errorf("the clients' CSV back in: %+v, Lennar's fee %s\n%s", imported, lennar.Fee, edited)
	}
	apiCall(t, "DELETE", api+"/clients/bob-cooks", nil, 409, nil)
	apiCall(t, "DELETE", api+"/clients/new-one", nil, 204, nil)
}
