package dhcpdconf

import (
	"slices"
	"sort"
)

// claimedAddrs is the set of IPv4 addresses the ranges read so far have
// declared, as sorted, disjoint spans that remember which range declared
// them. It is how a pool's size counts each address once (distinctParts).
type claimedAddrs struct {
	spans []claimedSpan
}

type claimedSpan struct {
	lo, hi uint32
	pos    Position // the range that declared these addresses
}

// addrSpan is an inclusive span of addresses.
type addrSpan struct{ lo, hi uint32 }

// claim records [lo, hi] (lo <= hi) as declared by the range at pos. It
// returns the parts that were not declared before, in address order, how
// many addresses were, and where the first of those was declared.
func (c *claimedAddrs) claim(lo, hi uint32, pos Position) (fresh []addrSpan, dup uint64, earlier Position) {
	// The spans [i, j) overlap [lo, hi].
	i := sort.Search(len(c.spans), func(k int) bool { return c.spans[k].hi >= lo })
	j := i
	next := uint64(lo) // the first address not looked at yet
	for ; j < len(c.spans) && c.spans[j].lo <= hi; j++ {
		s := c.spans[j]
		if uint64(s.lo) > next {
			fresh = append(fresh, addrSpan{uint32(next), s.lo - 1})
		}
		dup += uint64(min(s.hi, hi)) - uint64(max(s.lo, lo)) + 1
		if j == i {
			earlier = s.pos
		}
		next = uint64(s.hi) + 1
	}
	if next <= uint64(hi) {
		fresh = append(fresh, addrSpan{uint32(next), hi})
	}
	if len(fresh) == 0 {
		return nil, dup, earlier
	}
	if j == i {
		// No overlap, the usual case: one insertion (an append when ranges
		// come in address order).
		c.spans = slices.Insert(c.spans, i, claimedSpan{lo, hi, pos})
		return fresh, 0, earlier
	}
	// Splice the fresh parts in among the spans they fall between.
	merged := make([]claimedSpan, 0, len(c.spans)+len(fresh))
	merged = append(merged, c.spans[:i]...)
	old, f := c.spans[i:j], fresh
	for len(old) > 0 || len(f) > 0 {
		if len(f) == 0 || (len(old) > 0 && old[0].lo < f[0].lo) {
			merged = append(merged, old[0])
			old = old[1:]
		} else {
			merged = append(merged, claimedSpan{f[0].lo, f[0].hi, pos})
			f = f[1:]
		}
	}
	c.spans = append(merged, c.spans[j:]...)
	return fresh, dup, earlier
}
