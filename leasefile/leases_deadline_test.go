package leasefile

import (
	"context"
	"errors"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/dhcpd-exporter/dhcpd_exporter/binding"
	"github.com/dhcpd-exporter/dhcpd_exporter/dhcpdconf"
)

// A FIFO, a device or a directory at the path is refused at once, with an
// error naming the path, and leaves nothing behind: a FIFO's open would
// block until a writer comes, a read of /dev/zero would never end.
func TestNonRegularFilesAreRefused(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "dhcpd.leases")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ path, kind string }{
		{fifo, "named pipe"},
		{dir, "directory"},
		{"/dev/zero", "character device"},
	} {
		t.Run(c.kind, func(t *testing.T) {
			if _, err := os.Stat(c.path); err != nil {
				t.Skip(err)
			}
			lf := NewLeaseFile(c.path)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			runtime.GC()
			goroutines := runtime.NumGoroutine()
			begin := time.Now()
			for i := 0; i < 20; i++ {
				_, err := lf.Update(ctx, testNow)
				if err == nil || !strings.Contains(err.Error(), c.path) || !strings.Contains(err.Error(), "not a regular file") || !strings.Contains(err.Error(), c.kind) {
					t.Fatalf("update %d: %v", i, err)
				}
			}
			if took := time.Since(begin); took > 2*time.Second {
				t.Errorf("20 updates took %v", took)
			}
			time.Sleep(10 * time.Millisecond) // let the read goroutines exit
			if n := runtime.NumGoroutine(); n > goroutines+1 {
				t.Errorf("%d goroutines after 20 updates, %d before", n, goroutines)
			}
		})
	}
}

// hungFS serves one file whose reads block until released, as on a hung
// NFS mount.
type hungFS struct {
	*memFS
	opens   atomic.Int32
	release chan struct{}
	once    sync.Once
}

func newHungFS(path string, data []byte) *hungFS {
	h := &hungFS{memFS: newMemFS(), release: make(chan struct{})}
	h.write(path, data)
	return h
}

func (h *hungFS) open(path string) (leaseHandle, error) {
	h.opens.Add(1)
	f, err := h.memFS.open(path)
	if err != nil {
		return nil, err
	}
	return hungHandle{f.(*memHandle), h.release}, nil
}

func (h *hungFS) unblock() { h.once.Do(func() { close(h.release) }) }

type hungHandle struct {
	*memHandle
	release chan struct{}
}

func (h hungHandle) ReadAt(p []byte, off int64) (int, error) {
	<-h.release
	return h.memHandle.ReadAt(p, off)
}

func (h hungHandle) Stat() (fs.FileInfo, error) { return h.memHandle.Stat() }

// A read that hangs is abandoned at each caller's deadline; callers that
// come meanwhile wait for the same read, and no goroutine piles up. When it
// finishes, its result is the next caller's.
func TestHungReadIsAbandonedAtTheDeadline(t *testing.T) {
	const path = "/nfs/dhcpd.leases"
	data := []byte("lease 10.0.0.1 {\n  binding state active;\n  ends never;\n}\nlease 10.0.0.2 {\n  binding state free;\n}\n")
	h := newHungFS(path, data)
	defer h.unblock()
	lf := NewLeaseFile(path)
	lf.open = h.open

	update := func(d time.Duration) (UpdateResult, time.Duration, error) {
		// The clock starts before the deadline is set, so that a call that
		// returns at the deadline never measures shorter than d.
		begin := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		res, err := lf.Update(ctx, testNow)
		return res, time.Since(begin), err
	}
	runtime.GC()
	goroutines := runtime.NumGoroutine()

	// The first caller and a second one, each with its own deadline.
	var wg sync.WaitGroup
	for _, d := range []time.Duration{50 * time.Millisecond, 150 * time.Millisecond} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, took, err := update(d)
			if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), path) {
				t.Errorf("deadline %v: %v", d, err)
			}
			if took < d || took > d+time.Second {
				t.Errorf("deadline %v: returned after %v", d, took)
			}
		}()
	}
	wg.Wait()
	// More scrapes while it hangs: each returns at its deadline, and the one
	// read stays the only one.
	for i := 0; i < 20; i++ {
		if _, took, err := update(5 * time.Millisecond); err == nil || took > time.Second {
			t.Fatalf("update %d: %v after %v", i, err, took)
		}
	}
	if n := h.opens.Load(); n != 1 {
		t.Errorf("%d reads started, want 1", n)
	}
	if n := runtime.NumGoroutine(); n > goroutines+2 {
		t.Errorf("%d goroutines, %d before", n, goroutines)
	}
	if lf.DB() != nil || lf.Stats().Offset != 0 {
		t.Error("state changed before the read finished")
	}
	lf.ReadDB(func(db *LeaseDB) {
		if db.Addresses() != 0 {
			t.Error("state before the first read is not empty")
		}
	})

	// The read finishes with nobody waiting; the next caller gets its
	// counts, with its own read of nothing new.
	h.unblock()
	deadline := time.Now().Add(5 * time.Second)
	for lf.Stats().Offset == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	res, _, err := update(5 * time.Second)
	if err != nil || !res.FullParse || res.Records != 2 || res.BytesRead != int64(len(data)) {
		t.Fatalf("after the read finished: %+v %v", res, err)
	}
	if n := h.opens.Load(); n != 2 {
		t.Errorf("%d reads, want 2", n)
	}
	if l, _ := lf.DB().Get(netip.MustParseAddr("10.0.0.1")); l.State != binding.Active {
		t.Error("the abandoned read's state was not kept")
	}
	if res, _, _ := update(5 * time.Second); res.Records != 0 || res.FullParse {
		t.Errorf("counts given twice: %+v", res)
	}
}

// A caller that arrives while a read hangs, and waits long enough, gets
// that read's result when it finishes.
func TestLateCallerGetsTheReadInFlight(t *testing.T) {
	const path = "/nfs/dhcpd.leases"
	h := newHungFS(path, []byte("lease 10.0.0.1 { binding state backup; }\n"))
	defer h.unblock()
	lf := NewLeaseFile(path)
	lf.open = h.open
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := lf.Update(ctx, testNow); err == nil {
		t.Fatal("no timeout")
	}
	done := make(chan error)
	go func() {
		res, err := lf.Update(context.Background(), testNow)
		if err == nil && res.Records != 1 {
			err = errors.New("wrong result")
		}
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	h.unblock()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := h.opens.Load(); n != 1 {
		t.Errorf("%d reads, want 1", n)
	}
}

// Scrapes may update and count at the same time (run with -race): counts
// see whole records, and a read applies records between reads of the file.
func TestConcurrentUpdatesAndCounts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dhcpd.leases")
	os.WriteFile(path, nil, 0o644)
	lf := NewLeaseFile(path)
	lf.chunk = 512
	pool := &dhcpdconf.Pool{Ranges: []dhcpdconf.Range{{Low: netip.MustParseAddr("10.0.0.0"), High: netip.MustParseAddr("10.0.3.255")}}}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				_, err := lf.Update(ctx, testNow)
				cancel()
				if err != nil {
					t.Error(err)
					return
				}
				lf.ReadDB(func(db *LeaseDB) {
					var c Counts
					countPool(db, pool, uint32(testNow.Unix()), &c)
					if c.total() != 1024 {
						t.Errorf("counted %d addresses", c.total())
					}
				})
				_ = lf.Stats()
			}
		}()
	}
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	for i := 0; i < 1024; i++ {
		f.WriteString("lease 10.0." + strconv.Itoa(i/256) + "." + strconv.Itoa(i%256) + " {\n  binding state active;\n  ends never;\n}\n")
		if i%100 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	f.Close()
	close(stop)
	wg.Wait()
	if _, err := lf.Update(bg, testNow); err != nil {
		t.Fatal(err)
	}
	if lf.DB().Addresses() != 1024 || lf.Stats().Malformed != 0 {
		t.Errorf("%d addresses, %d malformed (%v)", lf.DB().Addresses(), lf.Stats().Malformed, lf.Stats().LastMalformed)
	}
}
