package embedtext

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/roms-dev/roms/internal/golden"
	"github.com/roms-dev/roms/internal/parser"
)

// TestFixtureMessages converts each sample Discord message and parses the text: both the
// text and what the parser makes of it are golden.
func TestFixtureMessages(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("testdata/*-message.json")
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			msg := readMessage(t, file)
			checkouts := Checkouts(msg.Content, msg.Embeds)
			if len(checkouts) != 1 {
				t.Fatalf("got %d checkouts, want 1", len(checkouts))
			}
			base := strings.TrimSuffix(file, ".json")
			golden.Check(t, base+".golden.txt", []byte(checkouts[0].Text))
			parsed, err := parser.Parse(checkouts[0].Text)
			if err != nil {
				t.Fatal(err)
			}
			out, _ := json.MarshalIndent(parsed, "", "  ")
			golden.Check(t, base+".parsed.golden.json", append(out, '\n'))
		})
	}
}

func TestOtherBotEmbed(t *testing.T) {
	t.Parallel()
	msg := readMessage(t, "testdata/other-bot-embed-message.json")
	parsed, err := parser.Parse(Checkouts(msg.Content, msg.Embeds)[0].Text)
	if err != nil {
		t.Fatal(err)
	}
	f := parsed.Fields
	checks := map[string][2]string{
		"product":      {f.Product, "Pokemon TCG: Scarlet & Violet Elite Trainer Box"},
		"store":        {f.Store, "Target"},
		"profile":      {f.Profile, "Main Visa"},
		"order number": {f.OrderNumber, "912004455667"},
		"email":        {f.Email, "buyer.one@example.com"},
		"proxy":        {f.ProxyList, "203.0.113.7:8080"},
		"tracking url": {f.TrackingURL, "https://www.target.com/orders/912004455667"},
		"image":        {f.ImageURL, "https://target.scene7.com/is/image/Target/GUEST_0001"},
		"status":       {f.Status, "verified"},
		"mode":         {f.Extra["Mode"], "Fast"},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", name, c[0], c[1])
		}
	}
	if f.Quantity == nil || *f.Quantity != 2 {
		t.Errorf("quantity = %v, want 2", f.Quantity)
	}
	out, _ := json.Marshal(parsed)
	if bytes.Contains(out, []byte("pass456")) || bytes.Contains(out, []byte("user123")) {
		t.Errorf("proxy credentials reached the parsed message: %s", out)
	}
}

func TestRefractEmbedKeepsShareLinkURL(t *testing.T) {
	t.Parallel()
	msg := readMessage(t, "testdata/refract-success-message.json")
	parsed, err := parser.Parse(Checkouts(msg.Content, msg.Embeds)[0].Text)
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://www.bestbuy.com/site/6579424.p?skuId=6579424"; parsed.Fields.ShareLink != want {
		t.Errorf("share link %q, want %q", parsed.Fields.ShareLink, want)
	}
	if want := time.Date(2026, 11, 20, 18, 4, 4, 0, time.UTC); !Timestamp(msg.Embeds[0]).Equal(want) {
		t.Errorf("timestamp %v, want %v", Timestamp(msg.Embeds[0]), want)
	}
}

func TestCheckoutsOfAMessage(t *testing.T) {
	t.Parallel()
	embed := &discordgo.MessageEmbed{Title: "Successful Checkout | A"}
	tests := []struct {
		name    string
		content string
		embeds  []*discordgo.MessageEmbed
		want    []string
	}{
		{"content only", "Order Number: 1", nil, []string{"Order Number: 1"}},
		{"embed wins over content", "new checkout!", []*discordgo.MessageEmbed{embed}, []string{"Successful Checkout | A\n"}},
		{"each embed", "", []*discordgo.MessageEmbed{embed, embed}, []string{"Successful Checkout | A\n", "Successful Checkout | A\n"}},
		{"nothing", "  ", []*discordgo.MessageEmbed{{}}, nil},
		{"author as header", "", []*discordgo.MessageEmbed{{Author: &discordgo.MessageEmbedAuthor{Name: "Checkout | B"}}}, []string{"Checkout | B\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, c := range Checkouts(tt.content, tt.embeds) {
				got = append(got, c.Text)
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func readMessage(t *testing.T, file string) discordgo.Message {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var msg discordgo.Message
	if err := json.Unmarshal(raw, &msg); err != nil {
		t.Fatal(err)
	}
	return msg
}

func TestPayload(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
		want       int
		err        error
	}{
		{"content", `{"content":"Order Number: 1"}`, 1, nil},
		{"embeds", `{"embeds":[{"title":"A"},{"title":"B"}]}`, 2, nil},
		{"neither", `{"username":"Refract"}`, 0, ErrNoContent},
		{"broken", `{"content":`, 0, ErrBadJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Payload([]byte(tt.body))
			if !errors.Is(err, tt.err) || len(got) != tt.want {
				t.Errorf("got %d checkouts, err %v; want %d, %v", len(got), err, tt.want, tt.err)
			}
		})
	}
}

// TestEmbedsOfOneCart: embeds that share one order number (or carry none beside the one
// that has it) are one order; embeds with different numbers stay separate checkouts.
func TestEmbedsOfOneCart(t *testing.T) {
	t.Parallel()
	field := func(name, value string) *discordgo.MessageEmbedField {
		return &discordgo.MessageEmbedField{Name: name, Value: value}
	}
	item := func(product, price string) *discordgo.MessageEmbed {
		return &discordgo.MessageEmbed{Title: "Item", Fields: []*discordgo.MessageEmbedField{field("Product", product), field("Price", price)}}
	}
	lead := &discordgo.MessageEmbed{Title: "Successful Checkout | Target", Fields: []*discordgo.MessageEmbedField{field("Order #", "T-1")}}
	cart := Checkouts("", []*discordgo.MessageEmbed{lead, item("A", "$1.00"), item("B", "$2.00")})
	if len(cart) != 1 {
		t.Fatalf("%d checkouts of one cart", len(cart))
	}
	for _, want := range []string{"Order #\nT-1", "Product (1)\nA", "Price (2)\n$2.00"} {
		if !strings.Contains(cart[0].Text, want) {
			t.Errorf("cart text lacks %q:\n%s", want, cart[0].Text)
		}
	}
	withNumber := func(n string) *discordgo.MessageEmbed {
		e := item("P"+n, "$1.00")
		e.Fields = append(e.Fields, field("Order Number", n))
		return e
	}
	if got := Checkouts("", []*discordgo.MessageEmbed{withNumber("1"), withNumber("2")}); len(got) != 2 {
		t.Errorf("two orders in one message gave %d checkouts", len(got))
	}
	if got := Checkouts("", []*discordgo.MessageEmbed{withNumber("1"), withNumber("1")}); len(got) != 1 {
		t.Errorf("one order in two embeds gave %d checkouts", len(got))
	}
	if got := Checkouts("", []*discordgo.MessageEmbed{item("A", "$1"), item("B", "$2")}); len(got) != 2 {
		t.Errorf("embeds without a number gave %d checkouts", len(got))
	}
}
