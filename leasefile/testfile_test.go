package leasefile

import (
	"context"
	"net/netip"
	"os"
)

func readFile(name string) ([]byte, error) { return os.ReadFile(name) }

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }

// bg is the context of updates that need no deadline.
var bg = context.Background()
