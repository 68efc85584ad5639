package testlab

import (
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"
)

// RaceDhcpdPools alternates b.N runs of ours with b.N runs of dhcpd-pools
// (the Debian package, JSON output) on the same dhcpd.conf and lease file,
// and reports the medians and the median of the paired ratios: on a machine
// whose speed drifts (a VM with noisy neighbours), runs measured back to
// back compare fairly. ours returns how long its run took.
func RaceDhcpdPools(b *testing.B, conf, leases string, ours func() time.Duration) {
	b.Helper()
	dhcpdPools, err := exec.LookPath("dhcpd-pools")
	if err != nil {
		b.Skip("dhcpd-pools not installed")
	}
	var oursS, theirsS, ratios []float64
	for i := 0; i < b.N; i++ {
		o := ours().Seconds()
		start := time.Now()
		if out, err := exec.Command(dhcpdPools, "-c", conf, "-l", leases, "-f", "j", "-o", os.DevNull).CombinedOutput(); err != nil {
			b.Fatalf("dhcpd-pools: %v: %s", err, out)
		}
		d := time.Since(start).Seconds()
		oursS, theirsS, ratios = append(oursS, o), append(theirsS, d), append(ratios, d/o)
	}
	b.ReportMetric(median(oursS)*1000, "ours-ms")
	b.ReportMetric(median(theirsS)*1000, "dhcpd-pools-ms")
	b.ReportMetric(median(ratios), "x-faster")
	b.ReportMetric(slices.Min(ratios), "x-faster-min")
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}
