package dhcpdconf

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"syscall"
	"time"
)

// Source reads dhcpd.conf and re-reads it only when one of the files it
// consists of changed (size, modification time, device or inode), so a scrape
// costs a few stat calls, not a parse.
//
// It keeps the last configuration that parsed. dhcpd reads its configuration
// only when it starts, so a typo saved while it runs changes nothing in
// dhcpd: the exporter goes on with the configuration it read last, and says
// that the reload failed (LastReload) until the files parse again.
//
// A read runs in a goroutine of its own and Load waits for it only as long
// as its context allows: a hung file system cannot hold a scrape past its
// deadline. At most one read runs at a time; callers arriving meanwhile wait
// for that one.
type Source struct {
	path    string
	workDir string
	// Logger receives the configuration's warnings (statements dhcpd would
	// refuse) and reload failures; nil: not logged.
	Logger *slog.Logger

	mu         sync.Mutex
	good       *Config       // the last configuration that parsed
	goodAt     time.Time     // when it was read
	generation uint64        // successful reads so far
	lastErr    error         // of the latest completed read; nil when the files parse as they are
	loggedErr  string        // lastErr as last logged, so a lasting failure is logged once
	stamps     []Stamp       // of good's files; nil: read again on the next Load
	reading    chan struct{} // closed when the read in progress ends; nil when none runs
}

// Stamp tells whether a file changed: its content (size, mtime), its
// identity (device, inode: replaced by rename) or its owner and permissions
// (ctime: a chmod that makes it readable). Stamps compare with ==.
type Stamp struct {
	path         string
	size         int64
	mtime, ctime time.Time
	dev, inode   uint64
}

// StampOf stamps the file at path as it is now.
func StampOf(path string) (Stamp, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return Stamp{}, err
	}
	s := Stamp{path: path, size: fi.Size(), mtime: fi.ModTime()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		s.dev, s.inode = uint64(st.Dev), st.Ino //nolint:unconvert // Stat_t.Dev is not a uint64 on every platform
		s.ctime = time.Unix(st.Ctim.Unix())
	}
	return s, nil
}

// NewSource reads path on first use; relative includes resolve against
// workDir, the directory dhcpd was started in.
func NewSource(path, workDir string) *Source {
	return &Source{path: path, workDir: workDir}
}

// Load returns the last configuration that parsed (nil if none ever did)
// and the error of the latest read, nil when the files as they are now
// parse. It reads the files again when one of them changed, and after a
// failed read on every call. When ctx ends before the read does, Load
// returns at once with the last good configuration and an error that says
// so; the read goes on and a later Load gets its result.
func (c *Source) Load(ctx context.Context) (*Config, error) {
	c.mu.Lock()
	if c.reading == nil {
		done := make(chan struct{})
		c.reading = done
		go c.refresh(done)
	}
	done := c.reading
	c.mu.Unlock()
	select {
	case <-done:
	case <-ctx.Done():
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.good, fmt.Errorf("reading %s did not finish before the scrape's deadline (a hung file system?): %w", c.path, context.Cause(ctx))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.good, c.lastErr
}

// LastReload reports whether the latest read parsed and when the
// configuration in use was read (zero if none ever parsed).
func (c *Source) LastReload() (ok bool, goodAt time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastErr == nil && c.good != nil, c.goodAt
}

// LastError is the error of the latest completed read: nil when the files
// parsed as they were then (or were never read yet).
func (c *Source) LastError() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastErr
}

// Path is the main configuration file.
func (c *Source) Path() string { return c.path }

// Generation counts the successful reads: it changes whenever Load starts
// returning another configuration.
func (c *Source) Generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.generation
}

// refresh reads the files again if they changed since the last good read,
// or if the last read failed, and records the outcome.
func (c *Source) refresh(done chan struct{}) {
	defer func() {
		c.mu.Lock()
		c.reading = nil
		c.mu.Unlock()
		close(done)
	}()
	c.mu.Lock()
	stamps, failed := c.stamps, c.lastErr != nil
	c.mu.Unlock()
	if stamps != nil && !failed && !changed(stamps) {
		return
	}
	begin := time.Now()
	cfg, err := ParseFile(c.path, Options{WorkDir: c.workDir})
	var newStamps []Stamp
	if err == nil {
		for _, f := range cfg.Files {
			s, serr := StampOf(f)
			if serr != nil {
				// Changed under us: read again next time.
				newStamps = nil
				break
			}
			newStamps = append(newStamps, s)
		}
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.lastErr = err
		if c.Logger != nil && err.Error() != c.loggedErr {
			if c.good != nil {
				c.Logger.Error("dhcpd.conf no longer parses; keeping the configuration read before (dhcpd, too, runs what it read at its start) until it does", "err", err, "in_use_since", c.goodAt.Format(time.RFC3339))
			} else {
				c.Logger.Error("cannot read dhcpd.conf; what needs it waits until it can be read", "err", err)
			}
		}
		c.loggedErr = err.Error()
		return
	}
	if c.Logger != nil {
		if c.lastErr != nil && c.good != nil {
			c.Logger.Info("dhcpd.conf parses again", "file", c.path)
		}
		for _, w := range cfg.Warnings {
			c.Logger.Warn("dhcpd would refuse this configuration", "file", c.path, "warning", w)
		}
	}
	c.good, c.goodAt, c.lastErr, c.loggedErr, c.stamps = cfg, begin, nil, "", newStamps
	c.generation++
}

func changed(stamps []Stamp) bool {
	for _, old := range stamps {
		now, err := StampOf(old.path)
		if err != nil || now != old {
			return true
		}
	}
	return false
}
