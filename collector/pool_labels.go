package collector

import (
	"sync"

	dto "github.com/prometheus/client_model/go"

	"github.com/dhcpd-exporter/dhcpd_exporter/dhcpdconf"
	"github.com/dhcpd-exporter/dhcpd_exporter/leasefile"
)

// poolLabels identify a pool: its shared network (explicit, or the implicit
// "A.B.C.D/LEN" of a bare subnet), its first range "LOW-HIGH", and its
// failover peer ("" without failover).
var poolLabels = []string{"shared_network", "pool", "failover_peer"}

func poolGauge(name, help string, extra ...string) *family {
	return newGauge(namespace+"_pool_"+name, help, append(append([]string{}, poolLabels...), extra...)...)
}

// Owners of free addresses (dhcpd_pool_free_addresses's owner label).
const (
	ownerLocal = iota
	ownerPartner
)

var ownerNames = [2]string{"local", "partner"}

// poolLabelSet holds the labels of every pool series of one pool, sorted
// by label name (failover_peer, owner, pool, shared_network, state) as the
// exposition formats carry them. Built once per configuration and shared
// by every scrape, so a scrape only sets values.
type poolLabelSet struct {
	plain  labelSet    // the pool labels alone
	states []labelSet  // plus state, by index in leasefile.Buckets
	owners [2]labelSet // plus owner, by ownerLocal and ownerPartner
}

// poolLabelCache builds the label sets of a configuration's pools once; a
// new configuration replaces them.
type poolLabelCache struct {
	mu   sync.Mutex
	cfg  *dhcpdconf.Config
	sets map[*dhcpdconf.Pool]*poolLabelSet
}

var (
	labelFailoverPeer  = "failover_peer"
	labelOwner         = "owner"
	labelPool          = "pool"
	labelSharedNetwork = "shared_network"
	labelState         = "state"

	statePairs = func() []*dto.LabelPair {
		pairs := make([]*dto.LabelPair, len(leasefile.Buckets))
		for i, b := range leasefile.Buckets {
			pairs[i] = &dto.LabelPair{Name: &labelState, Value: labelValue(b.String())}
		}
		return pairs
	}()
	ownerPairs = [2]*dto.LabelPair{
		{Name: &labelOwner, Value: labelValue(ownerNames[ownerLocal])},
		{Name: &labelOwner, Value: labelValue(ownerNames[ownerPartner])},
	}
)

// of returns the label sets of cfg's pools, building them when cfg is not
// the configuration they were built for.
func (c *poolLabelCache) of(cfg *dhcpdconf.Config) map[*dhcpdconf.Pool]*poolLabelSet {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cfg == cfg && c.sets != nil {
		return c.sets
	}
	sets := map[*dhcpdconf.Pool]*poolLabelSet{}
	cfg.EachPool(func(sn *dhcpdconf.SharedNetwork, p *dhcpdconf.Pool) {
		sets[p] = newPoolLabelSet(sn, p)
	})
	c.cfg, c.sets = cfg, sets
	return sets
}

func newPoolLabelSet(sn *dhcpdconf.SharedNetwork, p *dhcpdconf.Pool) *poolLabelSet {
	peer := &dto.LabelPair{Name: &labelFailoverPeer, Value: labelValue(p.FailoverPeer)}
	pool := &dto.LabelPair{Name: &labelPool, Value: labelValue(p.ID)}
	network := &dto.LabelPair{Name: &labelSharedNetwork, Value: labelValue(sn.Name)}
	plain := []*dto.LabelPair{peer, pool, network}
	// One string per pool, {failover_peer="…",pool="…",shared_network="…"};
	// every text of the pool is cut out of it.
	text := labelText(plain)
	afterPeer := len(labelText(plain[:1])) - 1 // where ",pool=" starts
	set := &poolLabelSet{plain: labelSet{pairs: plain, text: [3]string{text}}}
	set.states = make([]labelSet, len(statePairs))
	pairs := make([]*dto.LabelPair, 4*(len(statePairs)+len(ownerPairs)))
	next := func(ps ...*dto.LabelPair) []*dto.LabelPair {
		n := copy(pairs, ps)
		out := pairs[:n:n]
		pairs = pairs[n:]
		return out
	}
	for i, st := range statePairs {
		set.states[i] = labelSet{
			pairs: next(peer, pool, network, st),
			text:  [3]string{text[:len(text)-1], stateTexts[i]},
		}
	}
	for i, ow := range ownerPairs {
		set.owners[i] = labelSet{
			pairs: next(peer, ow, pool, network),
			text:  [3]string{text[:afterPeer], ownerTexts[i], text[afterPeer+1:]},
		}
	}
	return set
}

// The texts the state and owner labels add to a pool's.
var (
	stateTexts = func() []string {
		texts := make([]string, len(statePairs))
		for i, st := range statePairs {
			texts[i] = "," + labelText([]*dto.LabelPair{st})[1:]
		}
		return texts
	}()
	ownerTexts = func() (texts [2]string) {
		for i, ow := range ownerPairs {
			t := labelText([]*dto.LabelPair{ow})
			texts[i] = "," + t[1:len(t)-1] + ","
		}
		return texts
	}()
)
