package aco

import (
	"context"
	"time"

	"github.com/roms-dev/roms/internal/live"
)

// Follow keeps the fees true while ctx lasts: each change of an order reconciles its fee
// at once, and a sweep at the start and every period after brings due the fees whose
// hold has ended and catches up on what was missed (the service was stopped, or fell
// behind a burst and lost its place on the hub).
func (s *Service) Follow(ctx context.Context, hub *live.Hub, every time.Duration) {
	hub.FollowChanges(ctx, every, s.sweep, func(ctx context.Context, c live.OrderChange) {
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
