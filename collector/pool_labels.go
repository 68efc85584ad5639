package collector

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dhcpd-exporter/dhcpd_exporter/dhcpdconf"
)

// poolLabels identify a pool: its shared network (explicit, or the implicit
// "A.B.C.D/LEN" of a bare subnet), its first range "LOW-HIGH", and its
// failover peer ("" without failover).
var poolLabels = []string{"shared_network", "pool", "failover_peer"}

func poolDesc(name, help string, extra ...string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(namespace, "pool", name), help, append(append([]string{}, poolLabels...), extra...), nil)
}

func poolLabelValues(sn *dhcpdconf.SharedNetwork, p *dhcpdconf.Pool, extra ...string) []string {
	return append([]string{sn.Name, p.ID, p.FailoverPeer}, extra...)
}
