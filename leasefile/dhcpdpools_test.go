package leasefile

// Differential test against dhcpd-pools (Debian package dhcpd-pools), the
// reference for pool arithmetic, on generated files: many records per
// address, failover backup leases, abandoned leases, active leases past
// their end, and a truncated last record.
//
// Where the semantics agree the counts must be equal: configured addresses
// ("max"), addresses whose last record is active ("cur"), and backup leases
// ("bu"), all by the binding state written in the last record. Where they
// differ the exporter follows dhcpd (docs/lease-states.md): dhcpd-pools
// counts the state as written, the exporter the state dhcpd holds now, so a
// lease whose end has passed counts in its next binding state (an active
// lease as free, or in a pool without failover an expired, released or reset
// lease as free), and a reset record hides nothing.

import (
	"bytes"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dhcpd-exporter/dhcpd_exporter/binding"
	"github.com/dhcpd-exporter/dhcpd_exporter/dhcpdconf"
	"github.com/dhcpd-exporter/dhcpd_exporter/internal/leasegen"
	"github.com/dhcpd-exporter/dhcpd_exporter/internal/testlab"
)

type poolsRow struct{ max, cur, backup uint64 }

// runDhcpdPools returns dhcpd-pools' per-range counts by "LOW-HIGH".
func runDhcpdPools(t *testing.T, conf, leases string) map[string]poolsRow {
	out, err := exec.Command("dhcpd-pools", "-c", conf, "-l", leases, "-f", "c").CombinedOutput()
	if err != nil {
		t.Fatalf("dhcpd-pools: %v\n%s", err, out)
	}
	section := out[:bytes.Index(out, []byte("\"Shared networks:\""))]
	r := csv.NewReader(bytes.NewReader(section))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]poolsRow{}
	for _, row := range rows {
		// Without failover dhcpd-pools leaves out the two backup columns.
		if len(row) < 9 || row[0] == "shared net name" {
			continue
		}
		num := func(s string) uint64 { v, _ := strconv.ParseUint(s, 10, 64); return v }
		bu := uint64(0)
		if len(row) >= 11 {
			bu = num(row[9])
		}
		got[row[1]+"-"+row[2]] = poolsRow{num(row[3]), num(row[4]), bu}
	}
	return got
}

func TestDifferentialAgainstDhcpdPools(t *testing.T) {
	testlab.RequireCommand(t, "dhcpd-pools", "dhcpd-pools")
	for _, seed := range []uint64{1, 2, 3} {
		o := leasegen.Options{Seed: seed, Pools: 60, PoolSize: 120, Records: 30000, Failover: seed != 3, Now: time.Now(), TruncateTail: true}
		dir := t.TempDir()
		conf, leases := filepath.Join(dir, "dhcpd.conf"), filepath.Join(dir, "dhcpd.leases")
		var c, l bytes.Buffer
		leasegen.WriteConfig(&c, o, "")
		leasegen.WriteLeases(&l, o)
		os.WriteFile(conf, c.Bytes(), 0o644)
		os.WriteFile(leases, l.Bytes(), 0o644)

		ref := runDhcpdPools(t, conf, leases)
		resetHidden := resetHiddenActives(l.Bytes())
		cfg, err := dhcpdconf.ParseFile(conf, dhcpdconf.Options{})
		if err != nil {
			t.Fatal(err)
		}
		lf := NewLeaseFile(leases)
		if _, err := lf.Update(bg, o.Now); err != nil {
			t.Fatal(err)
		}
		stale, moved, resets := 0, 0, 0
		compared := 0
		for _, sn := range cfg.SharedNetworks {
			for _, p := range sn.Pools {
				want, ok := ref[p.ID]
				if !ok {
					t.Fatalf("seed %d: dhcpd-pools has no range %s", seed, p.ID)
				}
				// The states as written, as dhcpd-pools counts them.
				raw := writtenStates(lf.DB(), p)
				var eff Counts
				countPool(lf.DB(), p, uint32(o.Now.Unix()), &eff)
				if eff.total() != p.Size() {
					t.Errorf("seed %d range %s: %d addresses counted, %d configured", seed, p.ID, eff.total(), p.Size())
				}
				// dhcpd-pools ignores `binding state reset` records: an
				// address whose last record is reset keeps, for it, the
				// state of the record before.
				hidden := resetHidden[p.ID]
				got := poolsRow{p.Size(), raw[binding.Active] + hidden["active"], raw[binding.Backup] + hidden["backup"]}
				if got != want {
					t.Errorf("seed %d range %s: ours max/cur/bu %v (with reset-hidden %v), dhcpd-pools %v", seed, p.ID, got, hidden, want)
				}
				resets += int(hidden["active"] + hidden["backup"])
				stale += int(raw[binding.Active] - eff[binding.Active])
				for _, st := range []binding.State{binding.Expired, binding.Released, binding.Reset} {
					moved += int(raw[st] - eff[st])
				}
				compared++
			}
		}
		if compared != o.Pools {
			t.Fatalf("compared %d of %d ranges", compared, o.Pools)
		}
		t.Logf("seed %d (failover %v): %d ranges agree with dhcpd-pools; differences: %d active leases past their end (dhcpd-pools: used, here: their next state, free), %d expired, released or reset leases past their end in pools without failover (dhcpd-pools: their state, here: free), %d addresses last reset after being active or backup (dhcpd-pools: used or backup, here: reset)",
			seed, o.Failover, compared, stale, moved, resets)
		if stale == 0 || (!o.Failover && moved == 0) || (o.Failover && moved != 0) {
			t.Errorf("seed %d: the generated file should show the differences: %d stale actives, %d moved", seed, stale, moved)
		}
	}
}

// writtenStates counts a pool's addresses by the binding state written in
// their last record (no record: free), without dhcpd's transitions.
func writtenStates(db *LeaseDB, p *dhcpdconf.Pool) Counts {
	var c Counts
	for _, r := range p.Ranges {
		for a := r.Low; a.Compare(r.High) <= 0; a = a.Next() {
			l, ok := db.Get(a)
			if !ok {
				l.State = binding.Free
			}
			c[l.State]++
		}
	}
	return c
}

// resetHiddenActives counts, per generated pool ("LOW-HIGH" of its /24) and
// state, the addresses whose last record is `binding state reset`, by the
// state of their last other record: dhcpd-pools counts them in that state.
// It reads leasegen's canonical output line by line, independently of the
// parser under test.
func resetHiddenActives(leases []byte) map[string]map[string]uint64 {
	last, lastNonReset := map[string]string{}, map[string]string{}
	var ip string
	for _, line := range strings.Split(string(leases), "\n") {
		switch {
		case strings.HasPrefix(line, "lease "):
			ip = strings.Fields(line)[1]
		case strings.HasPrefix(line, "  binding state "):
			st := strings.TrimSuffix(strings.TrimPrefix(line, "  binding state "), ";")
			last[ip] = st
			if st != "reset" {
				lastNonReset[ip] = st
			}
		}
	}
	out := map[string]map[string]uint64{}
	for ip, st := range last {
		if st != "reset" || lastNonReset[ip] == "" {
			continue
		}
		octets := strings.Split(ip, ".")
		prefix := strings.Join(octets[:3], ".")
		pool := prefix + ".2-" + prefix + ".121"
		if out[pool] == nil {
			out[pool] = map[string]uint64{}
		}
		out[pool][lastNonReset[ip]]++
	}
	return out
}
