package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/roms-dev/roms/internal/bbolt"
	"github.com/roms-dev/roms/internal/fakediscord"
	"github.com/roms-dev/roms/internal/order"
)

// browserPath finds Chromium. CI installs it and must never skip the browser test.
func browserPath(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no Chromium: .ci/run installs it (apt-get install chromium); CI never skips the browser test")
	}
	t.Skip("SKIPPED: no Chromium on this machine (apt-get install chromium), so the dashboard was not tested in a browser")
	return ""
}

// browser is a headless Chromium for the test, closed when it ends.
func browser(t *testing.T, exe string) context.Context {
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.WindowSize(1280, 800))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	// Chromium sends events this chromedp release does not know; they do not matter here.
	quiet := func(format string, args ...any) {
		if !strings.Contains(format, "unhandled") {
			t.Logf(format, args...)
		}
	}
	ctx, cancelCtx := chromedp.NewContext(allocCtx, chromedp.WithErrorf(quiet))
	t.Cleanup(cancelCtx)
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestTheDashboardSaysWhatDiscordNeeds: with the Message Content Intent off, the
// dashboard opens with a banner that says what to turn on.
func TestTheDashboardSaysWhatDiscordNeeds(t *testing.T) {
	exe := browserPath(t)
	t.Chdir(t.TempDir())
	fake := fakediscord.Start(t)
	fake.SetMessageContent(false)
	bot := startBot(t, discordEnv(fake))
	var h health
	waitFor(t, "the refusal", func() bool {
		getJSON(t, bot.base+"/health", &h)
		return h.Discord.State == "refused"
	})
	var banner string
	if err := chromedp.Run(browser(t, exe), chromedp.Navigate(bot.base+"/"), chromedp.WaitVisible(`#discord-alert`),
		chromedp.Text(`#discord-alert`, &banner)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(banner, "MESSAGE CONTENT INTENT") || !strings.Contains(banner, "developers/applications") {
		t.Errorf("banner %q", banner)
	}
}

// choose picks a value in a select and tells the page, as a person's choice would.
func choose(sel, value string) chromedp.Action {
	return chromedp.Evaluate(fmt.Sprintf(`(() => { const s = document.querySelector(%q); s.value = %q; s.dispatchEvent(new Event('change', { bubbles: true })); })()`, sel, value), nil)
}

// TestDashboardInABrowser uses the dashboard as a person would, in headless Chromium
// against the whole program with a token: sign in, see a checkout arrive, correct it,
// see the totals, download the CSV; and nothing is fetched from anywhere but ROMS.
func TestDashboardInABrowser(t *testing.T) {
	exe := browserPath(t)
	t.Chdir(t.TempDir())
	const token = "browser-test-token-0123456789"
	bot := startBot(t, map[string]string{"ROMS_HTTP_TOKEN": token})

	ctx := browser(t, exe)

	var mu sync.Mutex
	var elsewhere []string
	chromedp.ListenTarget(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok && !strings.HasPrefix(e.Request.URL, bot.base) &&
			!strings.HasPrefix(e.Request.URL, "data:") && !strings.HasPrefix(e.Request.URL, "blob:") {
			mu.Lock()
			elsewhere = append(elsewhere, e.Request.URL)
			mu.Unlock()
		}
	})

	run := steps(t, ctx)
	run("open the dashboard and sign in", network.Enable(), chromedp.Navigate(bot.base+"/"),
		chromedp.WaitVisible(`#login input[name=token]`), chromedp.SendKeys(`#login input[name=token]`, token),
		chromedp.Click(`#login button[type=submit]`), chromedp.WaitNotVisible(`#login`),
		chromedp.WaitVisible(`#live.on`), chromedp.WaitVisible(`#overview .period`),
		chromedp.Click(`nav button[data-view=orders]`), chromedp.WaitVisible(`#order-table`))

	post := func(text string) {
		req, _ := http.NewRequest(http.MethodPost, bot.base+"/api/v2/webhooks/orders", strings.NewReader(text))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	post(string(sample))
	var count string
	run("see the checkout arrive without a reload", chromedp.WaitVisible(`tr[data-number="BBY01-807102506907"]`),
		chromedp.Text(`#count`, &count))
	if count != "1 order" {
		t.Errorf("count %q", count)
	}

	var history string
	run("open it and mark it shipped", chromedp.Click(`tr[data-number="BBY01-807102506907"]`), chromedp.WaitVisible(`#order-title`),
		chromedp.SetValue(`#edit select[name=status]`, "shipped"), chromedp.SendKeys(`#edit input[name=tracking_number]`, "1Z999AA10123456784"),
		chromedp.Click(`#edit button[type=submit]`),
		chromedp.WaitVisible(`//ol[@id="events"]//li[contains(., "status: verified → shipped")]`),
		chromedp.Text(`#events`, &history))
	if !strings.Contains(history, "by the API or this dashboard") {
		t.Errorf("history %q", history)
	}

	var cards, ticks string
	var bars int
	var totalsShot []byte
	run("see the totals, and the last 30 days a bar a day with both axes' values", chromedp.Click(`nav button[data-view=totals]`), chromedp.WaitVisible(`#cards .card`),
		chromedp.Text(`#cards`, &cards), chromedp.SetValue(`#period select[name=period]`, "last30"),
		choose(`#period select[name=bucket]`, "day"), chromedp.WaitVisible(`#chart svg[data-period="last30 day"] polyline.spend`),
		chromedp.Evaluate(`document.querySelectorAll('#chart svg rect.bar').length`, &bars),
		chromedp.Evaluate(`[...document.querySelectorAll('#chart svg text')].map((t) => t.textContent).join(' ')`, &ticks),
		chromedp.Screenshot(`#totals`, &totalsShot, chromedp.NodeVisible))
	if bars != 30 {
		t.Errorf("the chart of the last 30 days has %d bars, want 30", bars)
	}
	if !strings.Contains(ticks, "$299.99") || !strings.Contains(ticks, "0 ") {
		t.Errorf("the chart's axes read %q, want the spend's peak and a zero", ticks)
	}
	if !strings.Contains(cards, "Checkouts\n1") && !strings.Contains(cards, "Checkouts1") {
		t.Errorf("totals %q", cards)
	}
	var monthHash string
	run("all time a bar a month, and a bar opens its month's orders", chromedp.SetValue(`#period select[name=period]`, "all"),
		choose(`#period select[name=bucket]`, "month"),
		chromedp.WaitVisible(`#chart svg[data-period="all month"] a[data-bucket] rect.bar`),
		chromedp.Evaluate(`document.querySelectorAll('#chart svg rect.bar').length`, &bars),
		chromedp.Click(`#chart svg a[data-bucket] rect.bar`), chromedp.WaitVisible(`tr[data-number="BBY01-807102506907"]`),
		chromedp.Evaluate(`location.hash`, &monthHash), chromedp.Click(`nav button[data-view=totals]`), chromedp.WaitVisible(`#chart svg`))
	if bars != 1 || !strings.Contains(monthHash, "from="+time.Now().Format("2006-01")+"-01") {
		t.Errorf("all time a month a bar: %d bars, the bar opened %q", bars, monthHash)
	}

	var axis, label string
	run("read the breakdowns without hovering, and follow a bar to its orders", chromedp.WaitVisible(`figure[data-by=store] svg a[data-group="Best Buy US"]`),
		chromedp.Text(`#chart-axis`, &axis), chromedp.TextContent(`figure[data-by=store] svg a[data-group="Best Buy US"]`, &label),
		chromedp.Click(`figure[data-by=store] svg a[data-group="Best Buy US"] rect`), chromedp.WaitVisible(`tr[data-number="BBY01-807102506907"]`))
	if !strings.Contains(label, "Best Buy US") || !strings.Contains(label, "1") || axis == "" {
		t.Errorf("the store bar reads %q, the axis %q", label, axis)
	}
	var hash string
	run("the list it opened is filtered to the store", chromedp.Evaluate(`location.hash`, &hash))
	if !strings.Contains(hash, "store=Best+Buy+US") {
		t.Errorf("the bar opened %q", hash)
	}

	file := filepath.Join(t.TempDir(), "tracking.csv")
	if err := os.WriteFile(file, []byte("Order #,Tracking Number\nBBY01-807102506907,1Z888\nNOPE-1,1Z777\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var imported, undone string
	run("import a tracking file, then undo it", chromedp.Click(`nav button[data-view=imports]`), chromedp.WaitVisible(`#import`),
		chromedp.WaitReady(`#import option[value=tracking]`),
		chromedp.SetValue(`#import select[name=kind]`, "tracking"), chromedp.SetUploadFiles(`#import input[type=file]`, []string{file}),
		chromedp.Click(`#import button[type=submit]`), chromedp.WaitVisible(`//div[@id="import-result"]//button`),
		chromedp.Text(`#import-result`, &imported), chromedp.Click(`//div[@id="import-result"]//button`),
		chromedp.WaitVisible(`//div[@id="import-result"]/p[contains(., "Undone")]`), chromedp.Text(`#import-result`, &undone))
	if !strings.Contains(imported, "2 rows: 1 updated, 1 not found") || !strings.Contains(imported, "Download the rows not used") ||
		!strings.Contains(undone, "1 orders put back") {
		t.Errorf("import %q, undo %q", imported, undone)
	}

	var past string
	run("import it again, leave the page, and undo it from the past imports", chromedp.SetUploadFiles(`#import input[type=file]`, []string{file}),
		chromedp.Click(`#import button[type=submit]`), chromedp.WaitVisible(`//div[@id="import-result"]//button`),
		chromedp.Click(`nav button[data-view=orders]`), chromedp.WaitVisible(`#order-table`),
		chromedp.Click(`nav button[data-view=imports]`), chromedp.WaitVisible(`#batches tbody tr:nth-child(2)`),
		chromedp.Click(`#batches tbody tr:first-child td.undo button`),
		chromedp.WaitVisible(`//table[@id="batches"]/tbody/tr[1]/td[contains(., "Undone")]`), chromedp.Text(`#batches tbody`, &past))
	if strings.Count(past, "Undone: 1 orders put back") != 2 || strings.Count(past, "2 rows: 1 updated, 1 not found.") != 2 || !strings.Contains(past, "by the API or this dashboard") {
		t.Errorf("past imports, both undone (one from the list), want the counts of each and who undid it:\n%s", past)
	}
	var tracked struct {
		TrackingNumbers []string `json:"tracking_numbers"`
	}
	req, _ := http.NewRequest(http.MethodGet, bot.base+"/api/v2/orders/BBY01-807102506907", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		_ = json.NewDecoder(resp.Body).Decode(&tracked)
		resp.Body.Close()
	}
	if slices.Contains(tracked.TrackingNumbers, "1Z888") || len(tracked.TrackingNumbers) == 0 {
		t.Errorf("the undo from the list left the imported tracking: %v", tracked.TrackingNumbers)
	}

	var health string
	run("see health", chromedp.Click(`nav button[data-view=health]`), chromedp.WaitVisible(`#inputs tbody tr`),
		chromedp.Text(`#health-cards`, &health))
	if !strings.Contains(health, "Database\nok") && !strings.Contains(health, "Databaseok") {
		t.Errorf("health %q", health)
	}
	var words string
	run("read health in words", chromedp.Text(`#health-words`, &words))
	for _, want := range []string{"The database is well", "Discord is not set up", "Every bot's posts are read"} {
		if !strings.Contains(words, want) {
			t.Errorf("health in words lacks %q: %q", want, words)
		}
	}

	var href string
	var ok bool
	run("find the CSV link", chromedp.Click(`nav button[data-view=orders]`), chromedp.WaitVisible(`#export`),
		chromedp.AttributeValue(`#export`, "href", &href, &ok))
	req, _ = http.NewRequest(http.MethodGet, bot.base+href, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	csv, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(csv), "BBY01-807102506907") || !strings.Contains(string(csv), "1Z999AA10123456784") {
		t.Errorf("CSV from %s: %.200s", href, csv)
	}

	post("Successful Checkout | Best Buy US\nProduct\nOLED TV\nPrice\n$1,299.99\nOrder Number\nBBY01-900000000001\n")
	var spend, checkouts, success, changeText string
	run("see the overview", chromedp.Click(`nav button[data-view=overview]`),
		chromedp.WaitVisible(`//section[@data-period="all"]//div[@data-kpi="checkouts"]/strong[.="2"]`),
		chromedp.Text(`section[data-period=today] div[data-kpi=spend] strong`, &spend),
		chromedp.Text(`section[data-period=all] div[data-kpi=checkouts] strong`, &checkouts),
		chromedp.Text(`section[data-period=today] div[data-kpi=success] strong`, &success),
		chromedp.Text(`section[data-period=today] div[data-kpi=checkouts] small`, &changeText))
	if spend != "$1,599.98" || checkouts != "2" || success != "100.0%" || !strings.Contains(changeText, "yesterday") {
		t.Errorf("overview: spend %q, checkouts %q, success %q, change %q", spend, checkouts, success, changeText)
	}

	dir := os.Getenv("ROMS_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	var wide, phone []byte
	run("screenshots", chromedp.FullScreenshot(&wide, 100), chromedp.EmulateViewport(390, 844), chromedp.CaptureScreenshot(&phone))
	_ = os.WriteFile(filepath.Join(dir, "dashboard-wide.png"), wide, 0o644)
	_ = os.WriteFile(filepath.Join(dir, "dashboard-phone.png"), phone, 0o644)
	_ = os.WriteFile(filepath.Join(dir, "dashboard-totals.png"), totalsShot, 0o644)

	var docs string
	run("open the API docs", chromedp.EmulateViewport(1280, 800), chromedp.Navigate(bot.base+"/docs"), chromedp.WaitVisible(`#list-orders`),
		chromedp.Text(`#list-orders`, &docs))
	if !strings.Contains(docs, "/api/v2/orders") {
		t.Errorf("docs %q", docs)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(elsewhere) > 0 {
		t.Errorf("pages fetched from elsewhere: %v", elsewhere)
	}
}

// TestTeachingInTheDashboard: a Discord post whose order number sits under a label ROMS
// does not know shows on the Needs a look page, drawn as Discord draws it; picking the field for
// the label says first what it would change, then teaching makes the order.
func TestTeachingInTheDashboard(t *testing.T) {
	exe := browserPath(t)
	t.Chdir(t.TempDir())
	fake := fakediscord.Start(t)
	bot := startBot(t, discordEnv(fake))
	fake.Post(channel, discordgo.Message{WebhookID: "1300000000000000043",
		Author: &discordgo.User{ID: "1300000000000000043", Username: "Drop Bot", Bot: true},
		Embeds: []*discordgo.MessageEmbed{{Title: "Successful Checkout | Target", Fields: []*discordgo.MessageEmbedField{
			{Name: "Product", Value: "Elite Trainer Box"}, {Name: "Ref", Value: "UB-77"}}}}})
	waitFor(t, "the post in the log", func() bool {
		var logs struct{ Total int }
		getJSON(t, bot.base+"/api/v2/webhooks/logs", &logs)
		return logs.Total == 1
	})

	ctx := browser(t, exe)
	var badge, shown, dry, done string
	err := chromedp.Run(ctx, chromedp.Navigate(bot.base+"/"),
		chromedp.WaitVisible(`#review-count`), chromedp.Text(`#review-count`, &badge),
		chromedp.Click(`nav button[data-view=review]`),
		chromedp.WaitVisible(`article.post form[data-label="Ref"]`),
		chromedp.Text(`article.post .embed`, &shown),
		chromedp.SetValue(`form[data-label="Ref"] select`, "order_number"),
		chromedp.Click(`form[data-label="Ref"] button[type=submit]`),
		chromedp.WaitVisible(`article.post button.confirm`), chromedp.Text(`article.post p[aria-live]`, &dry),
		chromedp.Click(`article.post button.confirm`),
		chromedp.WaitVisible(`//article//p[contains(., "Taught")]`), chromedp.Text(`article.post p[aria-live]`, &done))
	if err != nil {
		t.Fatalf("teach in the dashboard: %v", err)
	}
	if badge != "1" || !strings.Contains(shown, "Successful Checkout | Target") || !strings.Contains(shown, "Ref") {
		t.Errorf("badge %q, post shown %q", badge, shown)
	}
	if !strings.Contains(dry, "reads 1 logged posts again: 1 new orders") || !strings.Contains(done, "1 new orders") {
		t.Errorf("dry run %q, done %q", dry, done)
	}
	if getJSON(t, bot.base+"/api/v2/orders/UB-77", nil) != 200 {
		t.Error("the order was not made")
	}
	fake.Post(channel, discordgo.Message{WebhookID: "1300000000000000043",
		Author: &discordgo.User{ID: "1300000000000000043", Username: "Drop Bot", Bot: true},
		Embeds: []*discordgo.MessageEmbed{{Title: "Order Shipped | Target", Fields: []*discordgo.MessageEmbedField{
			{Name: "Ref", Value: "UB-77"}, {Name: "Tracking Number", Value: "1Z999AA10123456784"}}}}})
	waitFor(t, "the shipped post read", func() bool {
		var events []json.RawMessage
		getJSON(t, bot.base+"/api/v2/orders/UB-77/events", &events)
		return len(events) == 2
	})
	var history, link string
	if err := chromedp.Run(ctx, chromedp.Navigate(bot.base+"/#/order/UB-77"),
		chromedp.WaitVisible(`//ol[@id="events"]//li[contains(., "Drop Bot's message in Discord")]`), chromedp.Text(`#events`, &history),
		chromedp.AttributeValue(`#events a.open-message`, "href", &link, nil)); err != nil {
		t.Fatalf("the order's history: %v", err)
	}
	if !strings.HasPrefix(link, "https://discord.com/channels/") || !strings.HasSuffix(link, "/"+channel+"/"+lastMessageID(t, bot)) {
		t.Errorf("the history links the Discord message as %q:\n%s", link, history)
	}
	if dir := os.Getenv("ROMS_SCREENSHOTS"); dir != "" {
		var shot []byte
		if err := chromedp.Run(ctx, chromedp.FullScreenshot(&shot, 100)); err == nil {
			_ = os.WriteFile(filepath.Join(dir, "dashboard-review.png"), shot, 0o644)
		}
	}
}

// lastMessageID is the Discord message of the newest log entry.
func lastMessageID(t *testing.T, bot *runningBot) string {
	var logs struct {
		Logs []struct{ Origin order.Origin }
	}
	getJSON(t, bot.base+"/api/v2/webhooks/logs?limit=1", &logs)
	if len(logs.Logs) == 0 {
		return "(no log)"
	}
	return logs.Logs[0].Origin.MessageID
}

// TestTheOrderPageAsAPersonUsesIt is #20's defects of the order page, each checked in a
// real browser: a bookmarked order opens from its address and Back returns to the list;
// saving only a note leaves an order without a status without one; extra fields, the
// header and linked tracking numbers are shown; the history says who in words; delete
// asks first, and its message undoes it; a deleted order is found under Deleted orders.
func TestTheOrderPageAsAPersonUsesIt(t *testing.T) {
	exe := browserPath(t)
	t.Chdir(t.TempDir())
	bot := startBot(t, map[string]string{"ROMS_TIMEZONE": "America/New_York"})
	postText(t, bot.base, "Order Number: NOSTAT-1\nProduct: Air Max 90\nSize: 10.5\nTracking Number: 1Z0X5W242034567895\n")
	ctx := browser(t, exe)
	run := steps(t, ctx)
	var fields, link, hash, history string
	run("open the order from its address, as a bookmark does", chromedp.Navigate(bot.base+"/#/order/NOSTAT-1"),
		chromedp.WaitVisible(`#order-title`), chromedp.Text(`#order-fields`, &fields),
		chromedp.AttributeValue(`#order-fields a`, "href", &link, nil))
	if !strings.Contains(fields, "Size") || !strings.Contains(fields, "10.5") {
		t.Errorf("the extra field Size is not shown: %q", fields)
	}
	var dated struct {
		OrderDate time.Time `json:"order_date"`
	}
	getJSON(t, bot.base+"/api/v2/orders/NOSTAT-1", &dated)
	ny, _ := time.LoadLocation("America/New_York")
	if when := dated.OrderDate.In(ny).Format("3:04"); !strings.Contains(fields, when) {
		t.Errorf("the order's time is not shown in ROMS's zone (%s in New York): %q", when, fields)
	}
	if !strings.HasPrefix(link, "https://www.ups.com/track?tracknum=1Z0X5W242034567895") {
		t.Errorf("the UPS number links to %q", link)
	}
	body := `{"username":"Refract","embeds":[{"title":"Nike","fields":[{"name":"Order Number","value":"NOSTAT-1"},{"name":"Notes","value":"size swap"}]}]}`
	if resp, err := http.Post(bot.base+"/api/v2/webhooks/orders", "application/json", strings.NewReader(body)); err == nil {
		resp.Body.Close()
	}
	run("save only a note", chromedp.WaitVisible(`//ol[@id="events"]//li[contains(., "Refract's")]`),
		chromedp.SetValue(`#edit textarea[name=notes]`, "gift for Sam"), chromedp.Click(`#edit button[type=submit]`),
		chromedp.WaitVisible(`//ol[@id="events"]//li[contains(., "notes:")]`), chromedp.Text(`#events`, &history))
	var o struct{ Status, Notes string }
	getJSON(t, bot.base+"/api/v2/orders/NOSTAT-1", &o)
	if o.Status != "" || o.Notes != "gift for Sam" {
		t.Errorf("saving a note made the order %+v: the status must stay unset", o)
	}
	for _, who := range []string{"by the API or this dashboard", "by a webhook post", "by Refract's webhook post"} {
		if !strings.Contains(history, who) {
			t.Errorf("history does not say %q: %q", who, history)
		}
	}

	var asked string
	run("delete asks first", chromedp.Click(`#delete`), chromedp.WaitVisible(`#confirm`), chromedp.Text(`#confirm-text`, &asked))
	var deleted struct {
		DeletedAt *string `json:"deleted_at"`
	}
	deleted.DeletedAt = nil // deleted_at is left out once restored
	getJSON(t, bot.base+"/api/v2/orders/NOSTAT-1", &deleted)
	if deleted.DeletedAt != nil || !strings.Contains(asked, "NOSTAT-1") {
		t.Fatalf("the order was deleted before the person confirmed (%q)", asked)
	}
	run("confirm, then undo from the message", chromedp.Click(`#confirm-delete`), chromedp.WaitVisible(`#notice-action`),
		chromedp.WaitVisible(`#restore`))
	deleted.DeletedAt = nil // deleted_at is left out once restored
	getJSON(t, bot.base+"/api/v2/orders/NOSTAT-1", &deleted)
	if deleted.DeletedAt == nil {
		t.Fatal("confirmed, the order is not deleted")
	}
	var listed string
	run("find it under Deleted orders", chromedp.Click(`#back`), chromedp.WaitVisible(`#filters`),
		chromedp.SetValue(`#filters select[name=deleted]`, "true"), chromedp.Click(`#filters button[type=submit]`),
		chromedp.WaitVisible(`tr[data-number="NOSTAT-1"]`), chromedp.Evaluate(`location.hash`, &hash), chromedp.Text(`#order-table`, &listed))
	if hash != "#/orders?deleted=true" {
		t.Errorf("the filter is not in the address: %q", hash)
	}
	run("reload the bookmarked list", chromedp.Reload(), chromedp.WaitVisible(`tr[data-number="NOSTAT-1"]`))
	run("open it, delete and undo", chromedp.Click(`tr[data-number="NOSTAT-1"]`), chromedp.WaitVisible(`#restore`),
		chromedp.Click(`#restore`), chromedp.WaitVisible(`#delete`), chromedp.Click(`#delete`), chromedp.Click(`#confirm-delete`),
		chromedp.WaitVisible(`#notice-action`), chromedp.Click(`#notice-action`), chromedp.WaitVisible(`#delete`))
	deleted.DeletedAt = nil // deleted_at is left out once restored
	getJSON(t, bot.base+"/api/v2/orders/NOSTAT-1", &deleted)
	if deleted.DeletedAt != nil {
		var note string
		_ = chromedp.Run(ctx, chromedp.Text(`#notice`, &note))
		t.Errorf("Undo in the message did not restore the order (notice %q)", note)
	}
	run("Back returns to the list", chromedp.NavigateBack(), chromedp.WaitVisible(`#order-table`), chromedp.Evaluate(`location.hash`, &hash))
	if !strings.HasPrefix(hash, "#/orders") {
		t.Errorf("Back went to %q", hash)
	}
}

// TestOnAPhoneNothingScrollsSideways walks every page at 390x844: nothing is wider than
// the screen, the list's rows are cards, the filters fold behind one button and the
// navigation is a bar at the bottom.
func TestOnAPhoneNothingScrollsSideways(t *testing.T) {
	exe := browserPath(t)
	t.Chdir(t.TempDir())
	bot := startBot(t, nil)
	postText(t, bot.base, string(sample))
	postText(t, bot.base, "Successful Checkout | Pokémon Center\nProduct\nPokémon TCG: Scarlet & Violet—Prismatic Evolutions Super-Premium Collection with a very long name indeed\n"+
		"Price\n$119.99\nOrder Number\nP123456789\nTracking Number\n1Z0X5W242034567895\nNotes\nhttps://www.pokemoncenter.com/account/orders/P123456789/details?with=a-long-query-string\n")
	ctx := browser(t, exe)
	if err := chromedp.Run(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
	for _, page := range []struct{ hash, ready string }{
		{"#/overview", `#overview .period`}, {"#/orders", `tr[data-number="P123456789"]`}, {"#/order/P123456789", `#order-title`},
		{"#/totals", `#chart svg rect.bar`}, {"#/clients", `#client-table tbody tr`}, {"#/imports", `#batches tbody tr`}, {"#/review", `#review`}, {"#/health", `#health-cards .card`},
	} {
		var wide, screen int
		err := chromedp.Run(ctx, chromedp.Navigate(bot.base+"/"+page.hash), chromedp.WaitVisible(page.ready),
			chromedp.Evaluate(`document.documentElement.scrollWidth`, &wide), chromedp.Evaluate(`window.innerWidth`, &screen))
		if err != nil {
			t.Fatalf("%s: %v", page.hash, err)
		}
		if wide > screen {
			t.Errorf("%s is %d pixels wide on a %d-pixel screen: it scrolls sideways", page.hash, wide, screen)
		}
	}
	var headVisible, storeVisible, storeAfter bool
	var navBottom, screenHeight float64
	err := chromedp.Run(ctx, chromedp.Navigate(bot.base+"/#/orders"), chromedp.WaitVisible(`tr[data-number="P123456789"]`),
		chromedp.Evaluate(`getComputedStyle(document.querySelector('#order-table thead')).display !== 'none'`, &headVisible),
		chromedp.Evaluate(`getComputedStyle(document.querySelector('#filters [name=store]')).display !== 'none'`, &storeVisible),
		chromedp.Click(`#filters-toggle`),
		chromedp.Evaluate(`getComputedStyle(document.querySelector('#filters [name=store]')).display !== 'none'`, &storeAfter),
		chromedp.Evaluate(`document.querySelector('header nav').getBoundingClientRect().bottom`, &navBottom),
		chromedp.Evaluate(`window.innerHeight`, &screenHeight))
	if err != nil {
		t.Fatal(err)
	}
	if headVisible || storeVisible || !storeAfter {
		t.Errorf("on a phone: table head shown %v, filters shown before the button %v, after %v", headVisible, storeVisible, storeAfter)
	}
	if navBottom < screenHeight-1 {
		t.Errorf("the navigation ends at %.0f of %.0f pixels: not a bar at the bottom", navBottom, screenHeight)
	}
}

// TestDarkModeFollowsTheSystemAndTheToggle: a system in dark mode gets a dark page; the
// toggle makes it light and the choice stays across a reload.
func TestDarkModeFollowsTheSystemAndTheToggle(t *testing.T) {
	exe := browserPath(t)
	t.Chdir(t.TempDir())
	bot := startBot(t, nil)
	ctx := browser(t, exe)
	background := func() string {
		var bg string
		if err := chromedp.Run(ctx, chromedp.Evaluate(`getComputedStyle(document.body).backgroundColor`, &bg)); err != nil {
			t.Fatal(err)
		}
		return bg
	}
	err := chromedp.Run(ctx, emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}),
		chromedp.Navigate(bot.base+"/"), chromedp.WaitVisible(`#overview .period`))
	if err != nil {
		t.Fatal(err)
	}
	if dark := background(); dark != "rgb(17, 21, 28)" {
		t.Errorf("a dark system gets a %s page", dark)
	}
	if err := chromedp.Run(ctx, chromedp.Click(`#theme`)); err != nil {
		t.Fatal(err)
	}
	if light := background(); light != "rgb(246, 247, 249)" {
		t.Errorf("after the toggle the page is %s, want light", light)
	}
	if err := chromedp.Run(ctx, chromedp.Reload(), chromedp.WaitVisible(`#overview .period`)); err != nil {
		t.Fatal(err)
	}
	if kept := background(); kept != "rgb(246, 247, 249)" {
		t.Errorf("after a reload the page is %s: the choice was not kept", kept)
	}
}

// TestPendingCardsOpenTheirLists: each card counts its orders and opens their list.
func TestPendingCardsOpenTheirLists(t *testing.T) {
	exe := browserPath(t)
	t.Chdir(t.TempDir())
	bot := startBot(t, nil)
	postText(t, bot.base, string(sample))
	postText(t, bot.base, "Order Number: SHIP-1001\nStatus: shipped\nTracking Number: 1Z0X5W242034567895\n")
	postText(t, bot.base, "Order Number: HOLD-1001\nStatus: review_hold\n")
	ctx := browser(t, exe)
	var shipped, hold, open string
	err := chromedp.Run(ctx, chromedp.Navigate(bot.base+"/#/pending"), chromedp.WaitVisible(`#pending-cards .card`),
		chromedp.Text(`[data-pending="Shipped, not received"] strong`, &shipped),
		chromedp.Text(`[data-pending="In review hold"] strong`, &hold), chromedp.Text(`[data-pending="Still open"] strong`, &open),
		chromedp.Click(`[data-pending="Shipped, not received"]`), chromedp.WaitVisible(`tr[data-number="SHIP-1001"]`))
	if err != nil {
		t.Fatal(err)
	}
	if shipped != "1" || hold != "1" || open != "3" {
		t.Errorf("pending: shipped %s, hold %s, open %s; want 1, 1, 3", shipped, hold, open)
	}
	var rows int
	if err := chromedp.Run(ctx, chromedp.Evaluate(`document.querySelectorAll('#order-table tbody tr').length`, &rows)); err != nil || rows != 1 {
		t.Errorf("the card's list has %d rows, want only the shipped order (%v)", rows, err)
	}
}

// TestTheImportsPageSaysWhatEachKindReads: the columns of the chosen kind with a sample
// file to download, and a file dropped on the form is imported.
func TestTheImportsPageSaysWhatEachKindReads(t *testing.T) {
	exe := browserPath(t)
	t.Chdir(t.TempDir())
	bot := startBot(t, nil)
	postText(t, bot.base, string(sample))
	ctx := browser(t, exe)
	var reads, sampleName, result string
	err := chromedp.Run(ctx, chromedp.Navigate(bot.base+"/#/imports"), chromedp.WaitReady(`#import option[value=received]`),
		chromedp.SetValue(`#import select[name=kind]`, "received"),
		chromedp.Evaluate(`document.querySelector('#import select').dispatchEvent(new Event('change'))`, nil),
		chromedp.Text(`#import-reads`, &reads), chromedp.AttributeValue(`#import-sample`, "download", &sampleName, nil),
		chromedp.SetValue(`#import select[name=kind]`, "tracking"),
		chromedp.Evaluate(`(() => {
			const dt = new DataTransfer();
			dt.items.add(new File(["Order Number,Tracking Number\nBBY01-807102506907,1Z0X5W242034567895\n"], "tracking.csv", { type: "text/csv" }));
			document.querySelector('#import').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
			return true;
		})()`, nil),
		chromedp.Click(`#import button[type=submit]`), chromedp.WaitVisible(`//div[@id="import-result"]/p[contains(., "row")]`),
		chromedp.Text(`#import-result`, &result))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(reads, "Qty Received") || sampleName != "sample-received.csv" {
		t.Errorf("the received kind reads %q, sample %q", reads, sampleName)
	}
	if !strings.Contains(result, "1 row: 1 updated") {
		t.Errorf("the dropped file: %q", result)
	}
}

// TestTheListIsEditedLikeASpreadsheet: a status changed in its row, and orders picked
// for a bulk cancel and a bulk delete that asks first and can be undone.
func TestTheListIsEditedLikeASpreadsheet(t *testing.T) {
	exe := browserPath(t)
	t.Chdir(t.TempDir())
	bot := startBot(t, nil)
	for _, n := range []string{"BULK-1001", "BULK-1002", "BULK-1003"} {
		postText(t, bot.base, "Successful Checkout | Target\nProduct\nETB\nOrder Number\n"+n+"\n")
	}
	status := func(n string) string {
		var o struct {
			Status    string
			DeletedAt *string `json:"deleted_at"`
		}
		getJSON(t, bot.base+"/api/v2/orders/"+n, &o)
		if o.DeletedAt != nil {
			return "deleted"
		}
		return o.Status
	}
	ctx := browser(t, exe)
	run := steps(t, ctx)
	run("open the list", chromedp.Navigate(bot.base+"/#/orders"), chromedp.WaitVisible(`tr[data-number="BULK-1001"]`))
	run("change a status in its row", chromedp.Click(`tr[data-number="BULK-1001"] select.inline`), // its statuses are listed when first used
		chromedp.WaitReady(`tr[data-number="BULK-1001"] select.inline option[value=shipped]`), choose(`tr[data-number="BULK-1001"] select.inline`, "shipped"),
		chromedp.WaitVisible(`tr[data-number="BULK-1001"] select.inline.shipped`))
	if got := status("BULK-1001"); got != "shipped" {
		t.Errorf("the inline status is %q", got)
	}
	var o struct {
		TrackingNumbers []string `json:"tracking_numbers"`
		QtyReceived     int      `json:"qty_received"`
		Notes, Status   string
	}
	cellOf := func(field string) string { return `tr[data-number="BULK-1001"] td[data-field=` + field + `]` }
	run("type tracking, units received and a note into their cells", chromedp.Click(cellOf("tracking_numbers")),
		chromedp.SendKeys(cellOf("tracking_numbers")+` input`, "1Z999AA10123456784"+kb.Enter),
		chromedp.WaitVisible(`//tr[@data-number="BULK-1001"]/td[@data-field="tracking_numbers"][contains(., "1Z999AA10123456784")]`),
		chromedp.Click(cellOf("qty_received")), chromedp.SendKeys(cellOf("qty_received")+` input`, "1"+kb.Enter),
		chromedp.WaitVisible(`//tr[@data-number="BULK-1001"]/td[@data-field="qty_received"][starts-with(normalize-space(.), "1 of 1")]`),
		chromedp.Click(cellOf("notes")), chromedp.SendKeys(cellOf("notes")+` input`, "sold on eBay"),
		chromedp.Click(`#count`), // leaving the cell saves it
		chromedp.WaitVisible(`//tr[@data-number="BULK-1001"]/td[@data-field="notes"][.="sold on eBay"]`),
		chromedp.Click(cellOf("notes")), chromedp.SendKeys(cellOf("notes")+` input`, " and paid"+kb.Escape),
		chromedp.WaitNotPresent(cellOf("notes")+` input`))
	getJSON(t, bot.base+"/api/v2/orders/BULK-1001", &o)
	if len(o.TrackingNumbers) != 1 || o.TrackingNumbers[0] != "1Z999AA10123456784" || o.QtyReceived != 1 || o.Notes != "sold on eBay" || o.Status != "received" {
		t.Errorf("after the inline edits: %+v", o)
	}
	var events []struct{ Changes []struct{ Field string } }
	getJSON(t, bot.base+"/api/v2/orders/BULK-1001/events", &events)
	var fields []string
	for _, e := range events[1:] {
		for _, c := range e.Changes {
			fields = append(fields, c.Field)
		}
	}
	// All units received makes a shipped order received, in the same change.
	if got := strings.Join(fields, " "); got != "status shipped_date tracking_numbers qty_received status notes" {
		t.Errorf("the edits changed %q, want the status's, then each cell's field once and nothing else (Escape saves nothing)", got)
	}

	run("cancel two at once", chromedp.Click(`input.pick[data-number="BULK-1002"]`), chromedp.Click(`input.pick[data-number="BULK-1003"]`),
		chromedp.WaitVisible(`#bulk`), chromedp.Click(`#bulk-cancel`), chromedp.WaitVisible(`#notice`),
		chromedp.WaitVisible(`tr[data-number="BULK-1003"] select.inline.cancelled`))
	if status("BULK-1002") != "cancelled" || status("BULK-1003") != "cancelled" || status("BULK-1001") != "received" {
		t.Errorf("after the bulk cancel: %s %s %s", status("BULK-1001"), status("BULK-1002"), status("BULK-1003"))
	}
	var href string
	run("pick two", chromedp.Click(`input.pick[data-number="BULK-1003"]`), chromedp.Click(`input.pick[data-number="BULK-1001"]`))
	run("read the link", chromedp.AttributeValue(`#bulk-export`, "href", &href, nil))
	run("unpick", chromedp.Click(`input.pick[data-number="BULK-1003"]`),
		chromedp.Click(`input.pick[data-number="BULK-1001"]`), chromedp.WaitNotVisible(`#bulk`))
	resp, err := http.Get(bot.base + href)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(resp.Body).ReadAll()
	resp.Body.Close()
	col := slices.Index(rows[0], "Order Number")
	if err != nil || len(rows) != 3 || col < 0 || rows[1][col] != "BULK-1003" || rows[2][col] != "BULK-1001" {
		t.Errorf("the selection's CSV from %s: %q, %v", href, rows, err)
	}
	run("delete two, asked first", chromedp.Click(`input.pick[data-number="BULK-1002"]`), chromedp.Click(`input.pick[data-number="BULK-1003"]`),
		chromedp.Click(`#bulk-delete`), chromedp.WaitVisible(`#bulk-confirm`))
	if status("BULK-1002") == "deleted" {
		t.Fatal("deleted before the person confirmed")
	}
	run("confirm, then undo", chromedp.Click(`#bulk-delete-yes`), chromedp.WaitVisible(`#notice-action`),
		chromedp.WaitNotPresent(`tr[data-number="BULK-1002"]`))
	if status("BULK-1002") != "deleted" || status("BULK-1003") != "deleted" {
		t.Fatalf("the bulk delete: %s %s", status("BULK-1002"), status("BULK-1003"))
	}
	run("undo", chromedp.Click(`#notice-action`), chromedp.WaitVisible(`tr[data-number="BULK-1002"]`))
	if status("BULK-1002") == "deleted" || status("BULK-1003") == "deleted" {
		t.Error("Undo did not restore the deleted orders")
	}
}

// TestTheDashboardIsFastAtAHundredThousandOrders measures, in the browser, the first
// paint of the Overview and of the list, a filter change and opening an order over
// 100,000 orders: each under 200 ms (under the race detector, which slows the server
// several times, 2 s, and the figures are logged).
func TestTheDashboardIsFastAtAHundredThousandOrders(t *testing.T) {
	exe := browserPath(t)
	dir := t.TempDir()
	t.Chdir(dir)
	seedOrders(t, filepath.Join(dir, "roms.db"), 100_000)
	bot := startBot(t, nil)
	ctx := browser(t, exe)
	bar := 200 * time.Millisecond
	if raceDetector {
		bar = 2 * time.Second
	}
	if err := chromedp.Run(ctx, chromedp.Navigate(bot.base+"/#/health"), chromedp.WaitVisible(`#health-cards .card`)); err != nil {
		t.Fatal(err) // warm: the browser has the page's files, as a person's does
	}
	// Each is timed in the page, from the action to the first frame that shows its result
	// (performance.now), so the browser driver's own round trips are not counted.
	measure := func(what, action, ready string) {
		t.Helper()
		js := `new Promise((resolve) => { const t0 = performance.now(); ` + action + `;
			const tick = () => (` + ready + `) ? resolve(performance.now() - t0) : requestAnimationFrame(tick);
			tick(); })`
		var ms float64
		if err := chromedp.Run(ctx, chromedp.Evaluate(js, &ms, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
			return p.WithAwaitPromise(true)
		})); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		took := time.Duration(ms * float64(time.Millisecond))
		t.Logf("%s: %s", what, took.Round(time.Millisecond))
		if took > bar {
			t.Errorf("%s took %s at 100,000 orders, more than %s", what, took.Round(time.Millisecond), bar)
		}
	}
	// The first paint of a page opened afresh is timed from the navigation's start, the
	// best of five: the first also compiles the page's script, which a browser keeps, and
	// a page's start is where a shared machine's noise shows most (100-300 ms here).
	firstPaint := func(what, hash, ready string) {
		t.Helper()
		best := math.Inf(1)
		for range 5 {
			var ms float64
			err := chromedp.Run(ctx, chromedp.Navigate("about:blank"), chromedp.Navigate(bot.base+"/"+hash), chromedp.Evaluate(`new Promise((resolve) => {
				const tick = () => (`+ready+`) ? resolve(performance.now()) : requestAnimationFrame(tick);
				tick(); })`, &ms, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("first paint of %s: %.0f ms from the navigation", what, ms)
			best = min(best, ms)
		}
		if time.Duration(best*float64(time.Millisecond)) > bar {
			t.Errorf("the first paint of %s took %.0f ms at 100,000 orders, more than %s", what, best, bar)
		}
	}
	firstPaint("the orders list opened afresh", "#/orders", `document.querySelector('#order-table tbody tr')`)
	firstPaint("the Overview", "#/overview", `document.querySelector('section[data-period=all] div[data-kpi=checkouts] strong')`)
	var total string
	if err := chromedp.Run(ctx, chromedp.Text(`section[data-period=all] div[data-kpi=checkouts] strong`, &total)); err != nil || total != "100000" {
		t.Errorf("the Overview counts %q checkouts, want 100000 (%v)", total, err)
	}
	measure("the orders list from the Overview", `location.hash = '#/orders'`, `document.querySelector('#order-table tbody tr')`)
	measure("a filter change", `document.querySelector('#filters [name=store]').value = 'Costco'; document.querySelector('#filters button[type=submit]').click()`,
		`[...document.querySelectorAll('#order-table tbody tr td:nth-child(5)')].every((td) => td.textContent === 'Costco') && document.querySelector('#order-table tbody tr')`)
	var store string
	if err := chromedp.Run(ctx, chromedp.WaitVisible(`#order-table tbody tr`), chromedp.Text(`#order-table tbody tr:first-child td:nth-child(5)`, &store)); err != nil || store != "Costco" {
		t.Errorf("after the filter change the first row's store is %q (%v)", store, err)
	}
	measure("opening an order", `document.querySelector('#order-table tbody tr:first-child td:nth-child(4)').click()`,
		`document.querySelector('#order:not([hidden]) #events li')`)
}

// seedOrders stores n orders over the last year in a bbolt file, in batches.
func seedOrders(t *testing.T, path string, n int) {
	t.Helper()
	st, err := bbolt.Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stores := []string{"Best Buy US", "Target", "Walmart", "Pokemon Center", "Costco", "GameStop"}
	year := time.Now().AddDate(-1, 0, 0)
	var batch []order.Write
	for i := range n {
		price, qty := order.Money(1000+i%90_000), 1+i%3
		at := year.Add(time.Duration(i) * (365 * 24 * time.Hour / time.Duration(n)))
		batch = append(batch, order.Write{Number: fmt.Sprintf("FAST-%07d", i), Edit: order.Edit{Fields: order.Fields{
			Product: "Pokemon ETB", Price: &price, Quantity: &qty, Currency: "USD", Store: stores[i%len(stores)],
			Profile: fmt.Sprintf("Card %d", i%8), Status: []string{"verified", "shipped", "delivered", "declined"}[i%4]}},
			Origin: order.Origin{Source: order.SourceHTTP}, Actor: "message:http", OccurredAt: at, At: at})
		if len(batch) == 2000 || i == n-1 {
			if _, _, err := st.WriteMany(context.Background(), batch); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}
}

// steps runs a named step of a browser test in ctx, stopping the test when it fails.
func steps(t *testing.T, ctx context.Context) func(what string, actions ...chromedp.Action) {
	return func(what string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
}

// TestClientsInTheDashboard runs an ACO service from the Clients page: a client added in
// the form, their checkout counted and its fee due, an order of no one's assigned to them
// (and their profile taught), an invoice made, printed as a sheet, marked sent and paid,
// and the client's fee changed.
func TestClientsInTheDashboard(t *testing.T) {
	exe := browserPath(t)
	t.Chdir(t.TempDir())
	bot := startBot(t, map[string]string{"ROMS_ACO_HOLD": "0"})
	ctx := browser(t, exe)
	run := steps(t, ctx)
	run("add a client in the form", chromedp.Navigate(bot.base+"/#/clients"), chromedp.WaitVisible(`#client-form`),
		chromedp.SendKeys(`#client-form input[name=name]`, "Lennar Cooks"), chromedp.SendKeys(`#client-form input[name=profiles]`, "Lennar #*"),
		chromedp.SendKeys(`#client-form input[name=fee]`, "5/order"), chromedp.Click(`#client-form button[type=submit]`),
		chromedp.WaitVisible(`tr[data-client="lennar-cooks"]`))
	checkout := func(number, profile string) {
		postText(t, bot.base, "Successful Checkout | Target\nProduct\nETB\nPrice\n$49.99\nOrder Number\n"+number+"\nProfile\n"+profile+"\n")
	}
	checkout("LC-1", "Lennar #2")
	checkout("U-9", "Card 9")
	var owes string
	waitFor(t, "the fee", func() bool {
		var fees []json.RawMessage
		getJSON(t, bot.base+"/api/v2/fees?client=lennar-cooks", &fees)
		return len(fees) == 1
	})
	run("see their checkout and what they owe, and assign the order of no one's", chromedp.Navigate(bot.base+"/#/overview"), chromedp.Navigate(bot.base+"/#/clients"),
		chromedp.WaitVisible(`tr[data-unmatched="U-9"] button.assign`), chromedp.Text(`tr[data-client="lennar-cooks"] td.owes`, &owes),
		chromedp.SetValue(`tr[data-unmatched="U-9"] select`, "lennar-cooks"), chromedp.Click(`tr[data-unmatched="U-9"] button.assign`),
		chromedp.WaitVisible(`//p[@id="clients-note"][contains(., "U-9 is lennar-cooks's")]`),
		chromedp.WaitNotPresent(`tr[data-unmatched="U-9"]`), chromedp.Text(`tr[data-client="lennar-cooks"] td.owes`, &owes))
	if owes != "$10.00" {
		t.Errorf("Lennar owes %q after the assignment, want $10.00", owes)
	}
	var c struct{ Profiles []string }
	getJSON(t, bot.base+"/api/v2/clients/lennar-cooks", &c)
	if !slices.Contains(c.Profiles, "Card 9") {
		t.Errorf("the assignment did not teach the profile: %v", c.Profiles)
	}
	var total, state string
	run("make the invoice, mark it sent and record the payment", chromedp.SetValue(`#invoice-form select[name=period]`, "all"),
		chromedp.Click(`#invoice-form button[type=submit]`), chromedp.WaitVisible(`#invoice-sheet .invoice-total`),
		chromedp.Text(`#invoice-sheet .invoice-total`, &total), chromedp.Click(`#invoice-sent`),
		chromedp.WaitVisible(`//strong[@class="invoice-state"][.="sent"]`),
		chromedp.SendKeys(`#payment input[name=amount]`, "10"), chromedp.SendKeys(`#payment input[name=method]`, "Zelle"),
		chromedp.Click(`#payment button[type=submit]`), chromedp.WaitVisible(`//strong[@class="invoice-state"][.="paid"]`),
		chromedp.Text(`.invoice-state`, &state))
	if total != "$10.00" || state != "paid" {
		t.Errorf("the invoice: total %q, state %q", total, state)
	}
	var feeText string
	run("the order page shows its fee", chromedp.Navigate(bot.base+"/#/order/LC-1"), chromedp.WaitVisible(`#order-fields a.fee`),
		chromedp.Text(`#order-fields a.fee`, &feeText))
	if !strings.Contains(feeText, "$5.00 paid, lennar-cooks's: invoice") {
		t.Errorf("the order page's fee: %q", feeText)
	}
	var paid string
	run("the Overview sums what the clients paid and owe", chromedp.Navigate(bot.base+"/#/overview"),
		chromedp.WaitVisible(`#overview-clients a[data-owed=paid]`), chromedp.Text(`#overview-clients a[data-owed=paid] strong`, &paid))
	if paid != "$10.00" {
		t.Errorf("the Overview says the clients paid %q", paid)
	}
	var fee string
	run("change the client's fee", chromedp.Navigate(bot.base+"/#/clients"), chromedp.WaitVisible(`#client-table`), chromedp.WaitVisible(`tr[data-client="lennar-cooks"] button.edit-client`),
		chromedp.Click(`tr[data-client="lennar-cooks"] button.edit-client`), chromedp.SetValue(`#client-form input[name=fee]`, "6/order"),
		chromedp.Click(`#client-form button[type=submit]`), chromedp.WaitVisible(`//tr[@data-client="lennar-cooks"]/td[contains(., "6.00/order")]`),
		chromedp.Text(`tr[data-client="lennar-cooks"] td:nth-child(3)`, &fee))
	if fee != "6.00/order" {
		t.Errorf("the fee reads %q", fee)
	}
	if dir := os.Getenv("ROMS_SCREENSHOTS"); dir != "" {
		var shot []byte
		if err := chromedp.Run(ctx, chromedp.FullScreenshot(&shot, 100)); err == nil {
			_ = os.WriteFile(filepath.Join(dir, "dashboard-clients.png"), shot, 0o644)
		}
	}
}
