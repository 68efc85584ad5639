package dhcpdconf_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dhcpd-exporter/dhcpd_exporter/dhcpdconf"
)

const goodConf = "subnet 10.0.0.0 netmask 255.255.255.0 { pool { range 10.0.0.10 10.0.0.19; } }\n"

func loadCtx(t *testing.T, c *dhcpdconf.Source, d time.Duration) (time.Duration, error, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	begin := time.Now()
	cfg, err := c.Load(ctx)
	return time.Since(begin), err, cfg != nil
}

// A typo saved while dhcpd runs changes nothing in dhcpd: the exporter keeps
// the configuration it read last and says the reload failed, until the file
// parses again.
func TestConfigTypoKeepsLastGood(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dhcpd.conf")
	os.WriteFile(path, []byte(goodConf), 0o644)
	c := dhcpdconf.NewSource(path, "/")
	ctx := context.Background()
	first, err := c.Load(ctx)
	if err != nil || len(first.SharedNetworks) != 1 {
		t.Fatalf("good config: %v", err)
	}
	if ok, at := c.LastReload(); !ok || at.IsZero() {
		t.Fatalf("LastReload %v %v", ok, at)
	}
	gen := c.Generation()

	os.WriteFile(path, []byte("max-lease-time 7200 oops {;\n"+goodConf), 0o644)
	cfg, err := c.Load(ctx)
	if cfg != first || err == nil || !strings.Contains(err.Error(), "dhcpd.conf:1:") {
		t.Fatalf("after a typo: cfg kept %v, err %v", cfg == first, err)
	}
	if ok, _ := c.LastReload(); ok {
		t.Fatal("LastReload says ok after a typo")
	}
	if c.Generation() != gen {
		t.Fatal("generation moved on a failed read")
	}

	os.WriteFile(path, []byte(goodConf+"subnet 10.1.0.0 netmask 255.255.255.0 { }\n"), 0o644)
	cfg, err = c.Load(ctx)
	if err != nil || cfg == first || len(cfg.SharedNetworks) != 2 {
		t.Fatalf("after the fix: %v", err)
	}
	if ok, _ := c.LastReload(); !ok || c.Generation() != gen+1 {
		t.Fatalf("after the fix: ok %v generation %d", ok, c.Generation())
	}
}

// Started before dhcpd.conf exists: nothing to use yet, and the file is
// picked up once it appears, without a restart.
func TestConfigAppearsLater(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dhcpd.conf")
	c := dhcpdconf.NewSource(path, "/")
	if cfg, err := c.Load(context.Background()); cfg != nil || err == nil {
		t.Fatalf("missing file: %v %v", cfg, err)
	}
	os.WriteFile(path, []byte(goodConf), 0o644)
	if cfg, err := c.Load(context.Background()); cfg == nil || err != nil {
		t.Fatalf("after it appeared: %v", err)
	}
}

// A read that blocks (a FIFO here; a hung NFS mount in the field) cannot
// hold a scrape past its deadline, and scrapes meanwhile start no second
// read.
func TestConfigReadBoundedByDeadline(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "dhcpd.conf")
	os.WriteFile(path, []byte(goodConf), 0o644)
	c := dhcpdconf.NewSource(path, "/")
	if _, err, _ := loadCtx(t, c, time.Second); err != nil {
		t.Fatal(err)
	}
	// Replace the file by a FIFO nobody writes: opening it blocks.
	os.Remove(path)
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
	defer func() {
		// Let the blocked read finish: open the FIFO for writing, close it.
		if f, err := os.OpenFile(path, os.O_WRONLY, 0); err == nil {
			f.Close()
		}
	}()
	for i := 0; i < 3; i++ {
		took, err, kept := loadCtx(t, c, 200*time.Millisecond)
		if took > 400*time.Millisecond || err == nil || !strings.Contains(err.Error(), "deadline") || !kept {
			t.Fatalf("load %d took %v, err %v, last good kept %v", i, took, err, kept)
		}
	}
}
