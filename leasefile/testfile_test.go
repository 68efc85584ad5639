package leasefile

import (
	"net/netip"
	"os"
)

func readFile(name string) ([]byte, error) { return os.ReadFile(name) }

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }
