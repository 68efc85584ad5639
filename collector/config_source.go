package collector

import (
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"

	"github.com/dhcpd-exporter/dhcpd_exporter/leasefile"
)

// ConfigSource reads dhcpd.conf and re-reads it only when one of the files it
// consists of changed (size, modification time or inode), so a scrape costs
// a few stat calls, not a parse.
type ConfigSource struct {
	path    string
	workDir string
	// Logger receives the configuration's warnings (statements dhcpd would
	// refuse) each time it is read; nil: not logged.
	Logger log.Logger

	mu     sync.Mutex
	cfg    *leasefile.Config
	err    error
	stamps []fileStamp // nil: read again on the next Load
}

type fileStamp struct {
	path  string
	size  int64
	mtime time.Time
	inode uint64
}

func stampOf(path string) (fileStamp, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, err
	}
	s := fileStamp{path: path, size: fi.Size(), mtime: fi.ModTime()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		s.inode = st.Ino
	}
	return s, nil
}

// NewConfigSource reads path on first use; relative includes resolve against
// workDir, the directory dhcpd was started in.
func NewConfigSource(path, workDir string) *ConfigSource {
	return &ConfigSource{path: path, workDir: workDir}
}

// Path is the main configuration file.
func (c *ConfigSource) Path() string { return c.path }

// Load returns the current configuration, parsing again if a file changed.
// After a failed parse every Load tries again.
func (c *ConfigSource) Load() (*leasefile.Config, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stamps != nil && !c.changed() {
		return c.cfg, c.err
	}
	cfg, err := leasefile.ParseConfigFile(c.path, leasefile.ConfigOptions{WorkDir: c.workDir})
	c.cfg, c.err, c.stamps = cfg, err, nil
	if err != nil {
		return nil, err
	}
	if c.Logger != nil {
		for _, w := range cfg.Warnings {
			level.Warn(c.Logger).Log("msg", "dhcpd would refuse this configuration", "file", c.path, "warning", w)
		}
	}
	for _, f := range cfg.Files {
		s, err := stampOf(f)
		if err != nil {
			// Changed under us: read again next time.
			c.stamps = nil
			break
		}
		c.stamps = append(c.stamps, s)
	}
	return cfg, nil
}

func (c *ConfigSource) changed() bool {
	for _, old := range c.stamps {
		now, err := stampOf(old.path)
		if err != nil || now != old {
			return true
		}
	}
	return false
}
