package aco

import (
	"context"
	"time"

	"github.com/roms-dev/roms/internal/live"
)

// Follow keeps the fees true while ctx lasts: each change of an order reconciles its fee
// at once; a sweep of every recent order at the start (and after falling behind a burst
// and losing its place on the hub) catches up on what was missed; and every period the
// fees still in their hold are looked at again, since a hold of days ends with no change.
func (s *Service) Follow(ctx context.Context, hub *live.Hub, every time.Duration) {
	hub.FollowChanges(ctx, every, s.sweep, s.sweepHeld, func(ctx context.Context, c live.OrderChange) {
		if _, err := s.Reconcile(ctx, c.Order.OrderNumber); err != nil && ctx.Err() == nil {
			s.logger.Warn("could not bring a fee up to date; the next sweep tries again", "order", c.Order.OrderNumber, "error", err)
		}
	})
}

func (s *Service) sweep(ctx context.Context) {
	n, err := s.Sweep(ctx)
	switch {
	case err != nil && ctx.Err() == nil:
		s.logger.Warn("fee sweep", "error", err)
	case n > 0:
		s.logger.Info("fees brought up to date", "changed", n)
	}
}

func (s *Service) sweepHeld(ctx context.Context) {
	n, err := s.SweepHeld(ctx)
	switch {
	case err != nil && ctx.Err() == nil:
		s.logger.Warn("fee sweep", "error", err)
	case n > 0:
		s.logger.Info("fees past their hold", "changed", n)
	}
}
