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
	for ctx.Err() == nil {
		changes, stop := hub.Follow(4096)
		s.sweep(ctx)
		s.follow(ctx, changes, every)
		stop()
	}
}

// follow reconciles each change until the subscription ends or ctx does.
func (s *Service) follow(ctx context.Context, changes <-chan live.OrderChange, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			s.sweep(ctx)
		case c, ok := <-changes:
			if !ok {
				s.logger.Warn("fees fell behind the changes; checking every recent order again")
				return
			}
			if _, err := s.Reconcile(ctx, c.Order.OrderNumber); err != nil && ctx.Err() == nil {
				s.logger.Warn("could not bring a fee up to date; the next sweep tries again", "order", c.Order.OrderNumber, "error", err)
			}
		}
	}
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
