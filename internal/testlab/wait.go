package testlab

import (
	"context"
	"fmt"
	"time"
)

// Failover state numbers as dhcpd sends them (includes/failover.h).
const (
	AnyState                       = -1 // for WaitState: don't care
	StateUnknown                   = 0
	StateStartup                   = 1
	StateNormal                    = 2
	StateCommunicationsInterrupted = 3
	StatePartnerDown               = 4
	StatePotentialConflict         = 5
	StateRecover                   = 6
	StatePaused                    = 7
	StateShutDown                  = 8
	StateRecoverDone               = 9
	StateResolutionInterrupted     = 10
	StateConflictDone              = 11
	StateRecoverWait               = 254
)

// pollEvery is how often states are polled; one omshell run takes ~5-50 ms.
const pollEvery = 50 * time.Millisecond

// waitListening waits until the server accepts connections on its OMAPI
// port, or the process dies, or the deadline passes.
func (s *Server) waitListening(deadline time.Time) error {
	for {
		if !s.Alive() {
			return fmt.Errorf("dhcpd %s exited", s.Role)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		c, err := s.pair.NS.DialContext(ctx, "tcp", s.OMAPIAddr)
		cancel()
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("dhcpd %s: OMAPI %s not listening: %v", s.Role, s.OMAPIAddr, err)
		}
		time.Sleep(pollEvery / 5)
	}
}

// WaitState waits until every server of the pair reports the given local
// and partner failover states (State* constants; AnyState matches any).
// The error does not include the logs; see Server.LogTail.
func (p *Pair) WaitState(local, partner int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for _, s := range p.Servers() {
		if err := s.waitState(local, partner, time.Until(deadline)); err != nil {
			return err
		}
	}
	return nil
}

// WaitState waits until the server reports the given local and partner
// failover states (AnyState matches any), asking with omshell. The error
// says what it saw last, and includes the tail of the server's log.
func (s *Server) WaitState(local, partner int, limit time.Duration) error {
	if err := s.waitState(local, partner, limit); err != nil {
		return fmt.Errorf("%w; log:\n%s", err, s.LogTail(15))
	}
	return nil
}

func (s *Server) waitState(local, partner int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		if !s.Alive() {
			return fmt.Errorf("dhcpd %s exited while waiting for failover state %d/%d", s.Role, local, partner)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		l, pt, err := s.FailoverState(ctx)
		cancel()
		if err == nil && (local == AnyState || l == local) && (partner == AnyState || pt == partner) {
			return nil
		}
		if time.Now().After(deadline) {
			seen := fmt.Sprintf("%d/%d", l, pt)
			if err != nil {
				seen = err.Error()
			}
			return fmt.Errorf("dhcpd %s: failover state local/partner %d/%d not reached in %v; last seen %s",
				s.Role, local, partner, limit.Round(time.Millisecond), seen)
		}
		time.Sleep(pollEvery)
	}
}
