package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	"github.com/roms-dev/roms/internal/gateway"

	"github.com/bwmarrin/discordgo"

	"github.com/roms-dev/roms/internal/discord"
	"github.com/roms-dev/roms/internal/fakediscord"
)

// discordFigures times checkouts from their post on the fake Discord gateway until their
// order is on disk: the real listener reads MESSAGE_CREATE over a websocket on loopback,
// ingests it, and the hub hears of the order once it is committed. One checkout at a
// time, then bursts of 64 posted at once as in a drop; each for a while.
func discordFigures(dir string, each time.Duration) error {
	const channel = "1290000000000000001" // message.json's
	fake := fakediscord.New(func(string, ...any) {})
	defer fake.Close()
	st, svc, hub, logger, err := quietService(filepath.Join(dir, "discord.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	listener, err := discord.New(discord.Config{Token: fake.Token, Channels: []string{channel}, APIURL: fake.URL,
		InitialSince: time.Now()}, svc, logger)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- listener.Run(ctx) }()
	defer func() { cancel(); <-done }()
	for start := time.Now(); listener.Status(ctx).State != gateway.StateConnected || !fake.Connected(); time.Sleep(10 * time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			return fmt.Errorf("the listener did not connect to the fake Discord")
		}
	}
	stored, unsubscribe := hub.Subscribe(1024)
	defer unsubscribe()
	fmt.Fprintf(out, "%-40s %10s %10s %10s\n", "Discord, fake gateway to disk, "+each.String(), "per second", "p50", "p99")
	n := 0
	for _, burst := range []int{1, 64} {
		var latencies []time.Duration
		start := time.Now()
		for time.Since(start) < each {
			posted := map[string]time.Time{}
			for range burst {
				n++
				number := fmt.Sprintf("DISCORD-%d", n)
				m, err := checkoutMessage(number)
				if err != nil {
					return err
				}
				posted[number] = time.Now()
				fake.Post(channel, m)
			}
			for len(posted) > 0 {
				select {
				case change := <-stored:
					if at, ok := posted[change.Order.OrderNumber]; ok {
						latencies = append(latencies, time.Since(at))
						delete(posted, change.Order.OrderNumber)
					}
				case <-time.After(10 * time.Second):
					return fmt.Errorf("%d checkouts posted to the fake Discord were not stored within 10 s", len(posted))
				}
			}
		}
		fmt.Fprintf(out, "%-40s %10.0f %10s %10s\n", fmt.Sprintf("bursts of %d", burst), float64(len(latencies))/time.Since(start).Seconds(),
			percentile(latencies, 0.5).Round(10*time.Microsecond), percentile(latencies, 0.99).Round(10*time.Microsecond))
	}
	fmt.Fprintln(out)
	return nil
}

// checkoutMessage is message.json, Refract's post of a checkout, with another number.
func checkoutMessage(number string) (discordgo.Message, error) {
	var m discordgo.Message
	err := json.Unmarshal(bytes.Replace(discordBody, []byte("#BBY01-807102506907"), []byte("#"+number), 1), &m)
	m.ID, m.Timestamp = "", time.Time{} // the fake gives them
	return m, err
}
