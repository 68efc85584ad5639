package omapi

import "context"

// decoder turns an object's handle and values into a typed object.
type decoder[T any] func(Handle, Values) (T, error)

// many sends reqs through the windowed pipeline and decodes every reply.
// errs[i] belongs to reqs[i]; err is set when the exchange itself failed.
func many[T any](ctx context.Context, cl *Client, reqs []*Request, decode decoder[T]) (objs []T, errs []error, err error) {
	resps, err := cl.Do(ctx, reqs...)
	if err != nil {
		return nil, nil, err
	}
	objs, errs = make([]T, len(reqs)), make([]error, len(reqs))
	for i, r := range resps {
		if r.Err != nil {
			errs[i] = r.Err
			continue
		}
		objs[i], errs[i] = decode(handleOf(reqs[i], r), r.Object)
	}
	return objs, errs, nil
}

// one sends a single request and decodes its reply.
func one[T any](ctx context.Context, cl *Client, r *Request, decode decoder[T]) (T, error) {
	var zero T
	resps, err := cl.Do(ctx, r)
	if err != nil {
		return zero, err
	}
	if resps[0].Err != nil {
		return zero, resps[0].Err
	}
	return decode(handleOf(r, resps[0]), resps[0].Object)
}

// handleOf is the object's handle: the reply's, or the one refreshed.
func handleOf(r *Request, resp Response) Handle {
	if resp.Handle != 0 {
		return resp.Handle
	}
	return r.Handle
}
