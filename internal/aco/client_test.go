package aco

import (
	"errors"
	"slices"
	"testing"

	"github.com/roms-dev/roms/internal/order"
)

func TestCanonicalEmailFoldsEveryJig(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"J.O.H.N+drop1@Gmail.com":  "john@gmail.com",
		"john@googlemail.com":      "john@gmail.com",
		"j.ohn+x+y@outlook.com":    "j.ohn@outlook.com", // dots matter outside Gmail
		"  Ann@Example.COM ":       "ann@example.com",
		"not-an-address":           "not-an-address",
		"first.last+tag@gmail.com": "firstlast@gmail.com",
	} {
		if got := CanonicalEmail(in); got != want {
			t.Errorf("CanonicalEmail(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestWhoseMatchesOneClientOrSaysItIsInDoubt: profile first (exact in any case, or a
// pattern), then email (jigs and catch-all domains); an order two clients could own is
// in doubt, never guessed.
func TestWhoseMatchesOneClientOrSaysItIsInDoubt(t *testing.T) {
	t.Parallel()
	clients := []Client{
		{ID: "lennar", Profiles: []string{"Lennar #*"}, Emails: []string{"lennar.cooks@gmail.com"}},
		{ID: "ann", Profiles: []string{"Ann Main", "Ann Amex"}, Emails: []string{"@anncooks.com"}},
		{ID: "bob", Profiles: []string{"*Bob*"}, Emails: []string{"bob@icloud.com"}},
		{ID: "cat", Emails: []string{"@anncooks.com"}}, // shares Ann's domain: its orders are in doubt
	}
	for _, tt := range []struct {
		name, profile, email string
		want                 Match
	}{
		{"profile pattern", "Lennar #12", "", Match{Client: "lennar", By: "profile"}},
		{"profile in any case", "ann main", "", Match{Client: "ann", By: "profile"}},
		{"pattern with text around", "Visa Bob 2", "", Match{Client: "bob", By: "profile"}},
		{"gmail dots and tag", "Unknown", "L.e.n.n.a.r.Cooks+drop7@gmail.com", Match{Client: "lennar", By: "email"}},
		{"a tag elsewhere", "", "bob+nike@icloud.com", Match{Client: "bob", By: "email"}},
		{"profile and email agree", "Lennar #3", "lennarcooks@gmail.com", Match{Client: "lennar", By: "profile"}},
		{"profile one's, email another's", "Lennar #3", "bob@icloud.com", Match{Doubt: []string{"lennar", "bob"}}},
		{"two patterns", "Lennar #Bob", "", Match{Doubt: []string{"lennar", "bob"}}},
		{"two catch-alls", "", "x@anncooks.com", Match{Doubt: []string{"ann", "cat"}}},
		{"no one's", "Mine", "me@gmail.com", Match{}},
		{"a profile that only starts the same", "Lennar", "", Match{}},
		{"a catch-all is the whole domain", "", "x@sub.anncooks.com", Match{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := Whose(clients, &order.Order{Profile: tt.profile, Email: tt.email})
			if got.Client != tt.want.Client || got.By != tt.want.By || !slices.Equal(got.Doubt, tt.want.Doubt) {
				t.Errorf("Whose(%q, %q) = %+v, want %+v", tt.profile, tt.email, got, tt.want)
			}
		})
	}
}

func TestClientCheck(t *testing.T) {
	t.Parallel()
	good := Client{Name: "  Ann's Cooks #2 ", Profiles: []string{"A", " a ", ""}, Emails: []string{"Ann@X.com", "@Cooks.com"}, DiscordUser: "123456789012345678"}
	if err := good.Check(); err != nil {
		t.Fatal(err)
	}
	if good.ID != "ann-s-cooks-2" || !slices.Equal(good.Profiles, []string{"A"}) || !slices.Equal(good.Emails, []string{"ann@x.com", "@cooks.com"}) {
		t.Errorf("tidied to %+v", good)
	}
	for name, c := range map[string]Client{
		"no name":      {},
		"bad email":    {Name: "x", Emails: []string{"nobody"}},
		"bad user":     {Name: "x", DiscordUser: "@bob"},
		"bad notify":   {Name: "x", Notify: "email"},
		"bad fee":      {Name: "x", Fee: FeeRule{Rate: Rate{Kind: FeePercent, Percent: 150}}},
		"flat without": {Name: "x", Fee: FeeRule{Rate: Rate{Kind: FeeFlat}}},
	} {
		if err := c.Check(); !errors.As(err, new(*InvalidError)) {
			t.Errorf("%s: %+v: %v, want it refused as invalid", name, c, err)
		}
	}
}
