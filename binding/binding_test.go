package binding

import "testing"

// The numbers and names are dhcpd's (includes/dhcpd.h:533-539,
// server/stables.c:161-163).
func TestStates(t *testing.T) {
	want := []string{"free", "active", "expired", "released", "abandoned", "reset", "backup"}
	if len(States) != len(want) {
		t.Fatalf("%d states", len(States))
	}
	for i, s := range States {
		if int(s) != i+1 || s.String() != want[i] || !s.Valid() {
			t.Errorf("state %d: %d %q valid %v, want %d %q", i, s, s, s.Valid(), i+1, want[i])
		}
	}
	for _, s := range []State{0, 8, 255} {
		if s.Valid() {
			t.Errorf("%d is valid", s)
		}
	}
	if State(0).String() != "none" || State(9).String() != "state(9)" {
		t.Errorf("names: %q %q", State(0), State(9))
	}
}
