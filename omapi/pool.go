package omapi

import (
	"context"
	"fmt"
)

// Pool is a pool object (server/omapi.c:1719-1763). Pools cannot be looked
// up: REFRESH the handle a lease's Pool field names.
type Pool struct {
	Handle       Handle
	LeaseCount   uint32 // leases in the pool, any state
	FreeLeases   uint32 // FREE leases this server may allocate
	BackupLeases uint32 // BACKUP leases: the failover partner's to allocate
}

// DecodePool decodes the values of a pool object.
func DecodePool(h Handle, vs Values) (*Pool, error) {
	a := &attrs{object: fmt.Sprintf("pool (handle %d)", h), vs: vs}
	p := &Pool{
		Handle:       h,
		LeaseCount:   a.u32("lease-count", true),
		FreeLeases:   a.u32("free-leases", true),
		BackupLeases: a.u32("backup-leases", true),
	}
	return p, a.err
}

// RefreshPool is the request that reads a pool by handle.
func RefreshPool(h Handle) *Request {
	return &Request{Op: OpRefresh, Handle: h, kind: "pool"}
}

// Pool reads a pool by handle.
func (cl *Client) Pool(ctx context.Context, h Handle) (*Pool, error) {
	return one(ctx, cl, RefreshPool(h), DecodePool)
}

// Pools reads many pools through the windowed pipeline; errs[i] belongs to handles[i].
func (cl *Client) Pools(ctx context.Context, handles []Handle) (pools []*Pool, errs []error, err error) {
	reqs := make([]*Request, len(handles))
	for i, h := range handles {
		reqs[i] = RefreshPool(h)
	}
	return many(ctx, cl, reqs, DecodePool)
}
