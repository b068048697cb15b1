package orders

import (
	"context"
	"slices"
	"testing"

	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/parsehealth"
)

// unknownBot is a post whose order number sits under a label no rule reads.
const unknownBot = "Successful Checkout | Target\nProduct\nPokemon ETB\nRef\nAB-123\n"

func fromBot(text, poster string) Input {
	in := httpInput(text)
	in.Origin.Poster = poster
	return in
}

// TestReviewTeachAndReadAgain: a post ROMS could not read is listed with the label it did
// not know; a dry run says what teaching the label would do and does nothing; teaching
// saves the alias, reads the post again as an order made by the alias, and the list
// no longer shows it.
func TestReviewTeachAndReadAgain(t *testing.T) {
	t.Parallel()
	p, st, hub := newPipeline(t)
	ctx := context.Background()
	res, err := p.Ingest(ctx, fromBot(unknownBot, "NewBot"))
	if err != nil || res.Outcome != order.OutcomeIgnored {
		t.Fatalf("outcome %q %v", res.Outcome, err)
	}
	if _, err := p.Ingest(ctx, fromBot("Successfully carted\nProduct\nX\nOrder\nC-1\n", "NewBot")); err != nil {
		t.Fatal(err)
	}
	list, err := p.Review(ctx, 10, "")
	if err != nil || len(list) != 1 {
		t.Fatalf("review %+v %v, want the one post (the cart is noise)", list, err)
	}
	if e := list[0]; e.Source != "http:NewBot" || !slices.Contains(e.Unknown, "Ref") || e.Read.Product != "Pokemon ETB" {
		t.Errorf("entry %+v", e)
	}
	dry, err := p.Teach(ctx, Teaching{Label: "Ref", Field: "order_number", DryRun: true})
	if err != nil || dry.Posts != 1 || dry.Created != 1 {
		t.Fatalf("dry run %+v %v", dry, err)
	}
	if _, err := p.Get(ctx, "AB-123"); err == nil {
		t.Fatal("a dry run stored the order")
	}
	if a, _ := st.Aliases(ctx); len(a) != 0 {
		t.Fatalf("a dry run saved %v", a)
	}
	taught, err := p.Teach(ctx, Teaching{Label: "Ref", Field: "order_number"})
	if err != nil || taught.Posts != 1 || len(taught.Replays) != 1 || taught.Replays[0].Outcome != order.OutcomeCreated {
		t.Fatalf("taught %+v %v", taught, err)
	}
	events, err := p.Events(ctx, "AB-123")
	if err != nil || len(events) != 1 || events[0].Actor != "alias:Ref" {
		t.Fatalf("events %+v %v", events, err)
	}
	if list, _ := p.Review(ctx, 10, ""); len(list) != 0 {
		t.Errorf("still listed: %+v", list)
	}
	// The next post of the bot is read at once, and a second service over the same
	// store (another instance) reads with the taught label after a refresh.
	if res, _ := p.Ingest(ctx, fromBot("Successful Checkout | Target\nRef\nAB-124\n", "NewBot")); res.Outcome != order.OutcomeCreated {
		t.Errorf("next post %q", res.Outcome)
	}
	other := mustNew(t, st, Options{Publisher: hub, Logger: p.logger})
	if err := other.RefreshAliases(ctx); err != nil {
		t.Fatal(err)
	}
	if res, _ := other.Ingest(ctx, fromBot("Successful Checkout | Target\nRef\nAB-125\n", "NewBot")); res.Outcome != order.OutcomeCreated {
		t.Errorf("other instance %q", res.Outcome)
	}
	if _, err := p.Teach(ctx, Teaching{Label: "Ref", Field: "no such field"}); err == nil {
		t.Error("a field that does not exist was taught")
	}
}

// TestPostsOfOneKindAreOneEntry: a drop's posts of one bot read the same way are one
// entry with a count, and dismissing it dismisses them all; another kind stays.
func TestPostsOfOneKindAreOneEntry(t *testing.T) {
	t.Parallel()
	p, _, _ := newPipeline(t)
	ctx := context.Background()
	var res Ingested
	for range 5 {
		res, _ = p.Ingest(ctx, fromBot(unknownBot, "NewBot"))
	}
	if _, err := p.Ingest(ctx, fromBot("Successful Checkout | Target\nProduct\nX\nTicket\nT-1\n", "NewBot")); err != nil {
		t.Fatal(err)
	}
	// A store guessed from the title needs no look: no label could be taught for it.
	if _, err := p.Ingest(ctx, fromBot("Supreme Success\nOrder #\nS-1\n", "NewBot")); err != nil {
		t.Fatal(err)
	}
	list, err := p.Review(ctx, 10, "")
	if err != nil || len(list) != 2 || list[1].Similar != 4 || list[0].Similar != 0 {
		t.Fatalf("review %+v %v, want two kinds, the older of five posts", list, err)
	}
	if err := p.Dismiss(ctx, res.LogID); err != nil {
		t.Fatal(err)
	}
	if list, _ := p.Review(ctx, 10, ""); len(list) != 1 || !slices.Contains(list[0].Unknown, "Ticket") {
		t.Errorf("after dismissing: %+v", list)
	}
	if err := p.Dismiss(ctx, 999); err == nil {
		t.Error("dismissed a log entry that does not exist")
	}
}

// alertsSent is every alert queued on p.Alerts() so far.
func alertsSent(p *Service, sent *[]parsehealth.Alert) []parsehealth.Alert {
	for {
		select {
		case a := <-p.Alerts():
			*sent = append(*sent, a)
		default:
			return *sent
		}
	}
}

// TestAlertWhenABotChangesItsPosts: a source that was read and then is not fires one
// alert, and one more when it is read again; other sources are not affected.
func TestAlertWhenABotChangesItsPosts(t *testing.T) {
	t.Parallel()
	p, _, _ := newPipeline(t)
	var sent []parsehealth.Alert
	ctx := context.Background()
	post := func(text, poster string) {
		t.Helper()
		if _, err := p.Ingest(ctx, fromBot(text, poster)); err != nil {
			t.Fatal(err)
		}
	}
	post("Successful Checkout | Target\nOrder #\nA-1\n", "Bot")
	for range 3 {
		post(unknownBot, "Bot")
		post(unknownBot, "Other") // never read: no alert
	}
	if alerts := alertsSent(p, &sent); len(alerts) != 1 || alerts[0].Source != "http:Bot" || alerts[0].Recovered {
		t.Fatalf("alerts %+v, want one of http:Bot", alerts)
	}
	if got := p.ParseHealthAlerting(); len(got) != 1 || got[0] != "http:Bot" {
		t.Errorf("alerting %v", got)
	}
	post("Successful Checkout | Target\nOrder #\nA-2\n", "Bot")
	if alerts := alertsSent(p, &sent); len(alerts) != 2 || !alerts[1].Recovered {
		t.Errorf("alerts %+v, want the recovery", alerts)
	}
	var bot parsehealth.Source
	for _, s := range p.ParseHealth() {
		if s.Key == "http:Bot" {
			bot = s
		}
	}
	if bot.Seen != 5 || bot.Read != 2 || bot.Unread != 3 || bot.Alerting {
		t.Errorf("health %+v", bot)
	}
}

// TestTeachingCountsOnlyPostsItChanges: a post that mentions the label but reads the same
// after teaching (its quantity a pointer in both readings) is not counted or read again.
func TestTeachingCountsOnlyPostsItChanges(t *testing.T) {
	t.Parallel()
	p, _, _ := newPipeline(t)
	ctx := context.Background()
	if _, err := p.Ingest(ctx, fromBot("Successful Checkout | Target\nOrder Number\nSAME-1\nPrice\n$10.00\nQuantity\n2\nNotes\nsee Ref below\n", "NewBot")); err != nil {
		t.Fatal(err)
	}
	dry, err := p.Teach(ctx, Teaching{Label: "Ref", Field: "order_number", DryRun: true})
	if err != nil || dry.Posts != 0 {
		t.Errorf("dry run %+v %v, want no post: its reading does not change", dry, err)
	}
}
