package discord

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Discord allows 1,000 IDENTIFYs a day and resets the bot's token past that
// (https://discord.com/developers/docs/events/gateway#session-start-limit), so new
// sessions are spent with care: at most one per identify gap, spread over what is left
// of the day once half of it is gone, none once it is all gone, and 1 to 5 seconds after
// Discord invalidated a session.

// identified counts an IDENTIFY sent.
func (l *Listener) identified(at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.identifies = append(recent(l.identifies, at), at)
}

// identifyDelay is how long to wait before the next IDENTIFY, and why in plain words when
// Discord's allowance is running out.
func (l *Listener) identifyDelay(now time.Time, limit discordgo.SessionInformation) (time.Duration, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.limit = limit
	l.identifies = recent(l.identifies, now)
	settle := time.Duration(0)
	if !l.invalidAt.IsZero() {
		settle = time.Second + rand.N(4*time.Second)
	}
	return identifyDelay(now, l.identifies, limit, l.cfg.IdentifyGap, l.invalidAt, settle)
}

// identifyDelay is the rule itself: sent are the IDENTIFYs of the last day, oldest first;
// settle is how long to wait after an invalid session at invalidAt.
func identifyDelay(now time.Time, sent []time.Time, limit discordgo.SessionInformation, gap time.Duration,
	invalidAt time.Time, settle time.Duration) (time.Duration, string) {
	var at time.Time
	later := func(t time.Time) {
		if t.After(at) {
			at = t
		}
	}
	why := ""
	resetIn := time.Duration(limit.ResetAfter) * time.Millisecond
	resetAt := now.Add(resetIn)
	if n := len(sent); n > 0 {
		last := sent[n-1]
		later(last.Add(gap))
		if limit.Total > 0 && limit.Remaining > 0 && limit.Remaining < limit.Total/2 {
			later(last.Add(resetIn / time.Duration(limit.Remaining)))
			if limit.Remaining < limit.Total/4 {
				why = fmt.Sprintf("Discord allows %d new sessions a day and only %d are left until %s: ROMS spaces them out so that "+
					"the bot's token is never reset. A connection that keeps dropping is the cause: check this machine's network.",
					limit.Total, limit.Remaining, resetAt.UTC().Format("15:04 UTC"))
			}
		}
	}
	if !invalidAt.IsZero() {
		later(invalidAt.Add(settle))
	}
	if limit.Total > 0 && limit.Remaining <= 0 {
		later(resetAt)
		why = fmt.Sprintf("Discord's allowance of %d new sessions a day is used up: ROMS connects again at %s, when it resets "+
			"(going past it would reset the bot's token). History since then is read as usual.", limit.Total, resetAt.UTC().Format("15:04 UTC"))
	}
	return max(0, at.Sub(now)), why
}

// recent drops the times more than a day before now.
func recent(times []time.Time, now time.Time) []time.Time {
	i := 0
	for i < len(times) && now.Sub(times[i]) >= 24*time.Hour {
		i++
	}
	return times[i:]
}
