package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/roms-dev/roms/internal/order"
	"github.com/roms-dev/roms/internal/orders"
)

// maxCancel bounds one /cancel: a pasted list longer than this is surely a mistake.
const maxCancel = 100

// updateOrder is /update: status, tracking, units received or notes, by this user.
func updateOrder(svc Orders) handler {
	return func(ctx context.Context, in *Interaction) (*discordgo.InteractionResponseData, error) {
		number := in.String("number")
		var e order.Edit
		e.Status, e.Notes = in.String("status"), in.String("notes")
		if t := in.String("tracking"); t != "" {
			e.TrackingNumbers = []string{t}
		}
		if n, ok := in.Int("qty_received"); ok {
			e.QtyReceived = &n
		}
		res, err := svc.Correct(ctx, number, e, in.Actor())
		if err != nil {
			return nil, refusal(err, number)
		}
		if res.Outcome == order.OutcomeUnchanged {
			return &discordgo.InteractionResponseData{Content: "Order " + res.Order.OrderNumber + " already has these values; nothing changed."}, nil
		}
		return &discordgo.InteractionResponseData{
			Content: clip(fmt.Sprintf("Updated order %s: %s", res.Order.OrderNumber, changesText(res.Changes, svc.Location())), maxContent),
		}, nil
	}
}

// cancelOrders is /cancel: each number set to cancelled, with the reason kept.
func cancelOrders(svc Orders) handler {
	return func(ctx context.Context, in *Interaction) (*discordgo.InteractionResponseData, error) {
		numbers := order.SplitList(in.String("numbers"))
		if len(numbers) == 0 {
			return nil, errors.New("give the order numbers to cancel, separated by commas or spaces")
		}
		if len(numbers) > maxCancel {
			return nil, fmt.Errorf("that is %d order numbers; cancel at most %d at a time", len(numbers), maxCancel)
		}
		e := order.Edit{Fields: order.Fields{Status: order.StatusCancelled}}
		if reason := in.String("reason"); reason != "" {
			e.Extra = map[string]string{"cancel reason": reason}
		}
		var cancelled, already, missing, failed []string
		for _, n := range numbers {
			res, err := svc.Correct(ctx, n, e, in.Actor())
			switch {
			case errors.Is(err, order.ErrNotFound):
				missing = append(missing, n)
			case err != nil:
				failed = append(failed, n+" ("+err.Error()+")")
			case !changed(res.Changes, "status"): // at most the reason was new
				already = append(already, res.Order.OrderNumber)
			default:
				cancelled = append(cancelled, res.Order.OrderNumber)
			}
		}
		var lines []string
		for _, part := range []struct {
			what    string
			numbers []string
		}{{"Cancelled", cancelled}, {"Already cancelled", already}, {"Not found", missing}, {"Could not change", failed}} {
			if len(part.numbers) > 0 {
				lines = append(lines, fmt.Sprintf("%s (%d): %s", part.what, len(part.numbers), strings.Join(part.numbers, ", ")))
			}
		}
		return &discordgo.InteractionResponseData{Content: clip(strings.Join(lines, "\n"), maxContent)}, nil
	}
}

func changed(changes []order.Change, field string) bool {
	for _, c := range changes {
		if c.Field == field {
			return true
		}
	}
	return false
}

// refusal says why a change was not made, in the words the API uses.
func refusal(err error, number string) error {
	var inv *orders.InvalidError
	switch {
	case errors.Is(err, order.ErrNotFound):
		return fmt.Errorf("no order with number %s", number)
	case errors.As(err, &inv):
		return fmt.Errorf("nothing was changed: %s", inv.Error())
	case errors.Is(err, orders.ErrNothingToChange):
		return errors.New("nothing to change: give a status, tracking numbers, units received or notes")
	}
	return err
}

// changesText lists what a change did: "status verified → shipped; tracking_numbers → 1Z999".
func changesText(changes []order.Change, loc *time.Location) string {
	var parts []string
	for _, c := range changes {
		parts = append(parts, fmt.Sprintf("%s %s → %s", c.Field, valueText(c.Old, loc), valueText(c.New, loc)))
	}
	return strings.Join(parts, "; ")
}

func valueText(v any, loc *time.Location) string {
	switch v := v.(type) {
	case nil:
		return "(none)"
	case []string:
		return strings.Join(v, ", ")
	case time.Time:
		return v.In(loc).Format("Jan 2 15:04")
	}
	return fmt.Sprint(v)
}
