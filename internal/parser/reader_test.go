package parser

import (
	"os"
	"strings"
	"testing"
)

func TestAliasesTeachLabels(t *testing.T) {
	t.Parallel()
	r, err := NewReader(map[string]string{"Ticket": "order_number", "🧾 Buyer Acct": "Email", "Site": "notes"})
	if err != nil {
		t.Fatal(err)
	}
	text := "Successful Checkout | Kith\nTicket\nK-100\n**Buyer Acct:** a@example.com\nSite\nkith.com\n"
	msg, err := r.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	f := msg.Fields
	if f.OrderNumber != "K-100" || f.Email != "a@example.com" || f.Notes != "kith.com" || f.Store != "Kith" {
		t.Errorf("with aliases: %+v", f)
	}
	plain, _ := Parse(text)
	if plain.Fields.OrderNumber != "" || plain.Fields.Store != "kith.com" {
		t.Errorf("the built-in table changed: %+v", plain.Fields)
	}
	for _, bad := range []map[string]string{{"Conf": "order numbre"}, {"**": "product"}, {"Item (1)": "cart_item"}} {
		if _, err := NewReader(bad); err == nil {
			t.Errorf("NewReader(%v) accepted", bad)
		} else if !strings.Contains(err.Error(), "use one of") && !strings.Contains(err.Error(), "not a label") {
			t.Errorf("NewReader(%v): %v does not say what is allowed", bad, err)
		}
	}
}

// TestEmbedFieldsKeepTheirPairing: read as lines, a field ROMS does not know with an
// empty value takes the next label for its value; read by structure it cannot.
func TestEmbedFieldsKeepTheirPairing(t *testing.T) {
	t.Parallel()
	e := Embed{Title: "Successful Checkout | Target", Fields: []EmbedField{
		{Name: "Pid", Value: "\u200b"},
		{Name: "Product", Value: "Pokemon ETB"},
		{Name: "Style Code", Value: ""},
		{Name: "Price", Value: "$49.99"},
		{Name: "Order Number", Value: "912-1"},
		{Name: "Profile", Value: "main\nsecond line"},
	}}
	msg, err := ParseEmbed(e)
	if err != nil {
		t.Fatal(err)
	}
	f := msg.Fields
	if f.Product != "Pokemon ETB" || f.Price == nil || f.Price.String() != "49.99" || f.OrderNumber != "912-1" || f.Profile != "main" {
		t.Errorf("fields: %+v", f)
	}
	if f.Extra["Profile"] != "second line" {
		t.Errorf("a one-line field's further lines are lost: %v", f.Extra)
	}
	if _, err := ParseEmbed(Embed{Fields: []EmbedField{{Name: "Product", Value: "a\x00b"}}}); err != ErrBinary {
		t.Errorf("binary in a field: %v, want ErrBinary", err)
	}
	if _, err := ParseEmbed(Embed{}); err != ErrEmpty {
		t.Errorf("empty embed: %v, want ErrEmpty", err)
	}
}

func TestEmbedHeaderFromTitleAndAuthor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                 string
		e                    Embed
		status, store, title string
	}{
		{"store in the author", Embed{Title: "Successful Checkout", Author: "Successful Checkout | Target"}, "verified", "Target", ""},
		{"product as title", Embed{Title: "Yeezy 700", Author: "Successfully checked out!"}, "verified", "", "Yeezy 700"},
		{"store as author", Embed{Title: "Checkout Successful", Author: "Best Buy"}, "verified", "Best Buy", ""},
		{"bot name as author is not taken over a store field", Embed{Title: "Copped!", Author: "CyberAIO",
			Fields: []EmbedField{{Name: "Store", Value: "Supreme US"}}}, "verified", "Supreme US", ""},
		{"failure in the author", Embed{Title: "Jordan 1", Author: "Payment failed"}, "declined", "", "Jordan 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.e.Fields = append(tt.e.Fields, EmbedField{Name: "Order Number", Value: "A-1"})
			msg, err := ParseEmbed(tt.e)
			if err != nil {
				t.Fatal(err)
			}
			if msg.Fields.Status != tt.status || msg.Fields.Store != tt.store || msg.Fields.Product != tt.title {
				t.Errorf("status %q store %q product %q, want %q %q %q", msg.Fields.Status, msg.Fields.Store,
					msg.Fields.Product, tt.status, tt.store, tt.title)
			}
		})
	}
}

func TestPriceInTheTitle(t *testing.T) {
	t.Parallel()
	msg, err := Parse("Checkout Successful - $59.99 | Target\nOrder Number\nA-1\n")
	if err != nil {
		t.Fatal(err)
	}
	if msg.Fields.Price == nil || msg.Fields.Price.String() != "59.99" {
		t.Errorf("price = %v, want 59.99", msg.Fields.Price)
	}
	msg, _ = Parse("Checkout Successful - $59.99\nPrice\n$10.00\nOrder Number\nA-1\n")
	if msg.Fields.Price.String() != "10.00" {
		t.Errorf("a Price field lost to the title: %v", msg.Fields.Price)
	}
}

// TestREADMEListsEveryLabel keeps README's "Labels ROMS knows" table in step with the
// label table: every label under its field, and no label the parser does not know.
func TestREADMEListsEveryLabel(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(raw), "### Labels ROMS knows")
	section, _, _ = strings.Cut(section, "Posts of these bots")
	listed := map[string]string{}
	for line := range strings.Lines(section) {
		cells := strings.Split(line, "|")
		if len(cells) != 4 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			continue
		}
		field := strings.Trim(strings.TrimSpace(cells[1]), "`")
		for label := range strings.SplitSeq(cells[2], ",") {
			listed[strings.Trim(strings.TrimSpace(label), "`")] = field
		}
	}
	for label, field := range aliases {
		if listed[label] != field {
			t.Errorf("README lists %q under %q, the parser reads it as %q", label, listed[label], field)
		}
	}
	for label := range listed {
		if _, ok := aliases[label]; !ok {
			t.Errorf("README lists %q, which the parser does not know", label)
		}
	}
}
