package testlab

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"testing"
)

// Env is the part of testing.TB the lab needs: every testing.TB satisfies
// it, and so does Session, for labs that outlive one test or live in a
// program.
type Env interface {
	Helper()
	Logf(format string, args ...any)
	Fatalf(format string, args ...any)
	Cleanup(func())
	TempDir() string
}

// Session is an Env outside a single test: a lab shared by a package's
// tests (see Global and Main) or started by a program. Cleanups run on
// Close, last registered first. The zero value is ready to use.
type Session struct {
	// OnFatal runs after Fatalf has logged and run the cleanups. Programs
	// set it (typically to os.Exit(1)); nil means runtime.Goexit, which in a
	// test goroutine ends and fails that test.
	OnFatal func()

	mu       sync.Mutex
	cleanups []func()
}

// Helper does nothing: there is no test frame to hide.
func (s *Session) Helper() {}

// Logf writes to stderr.
func (s *Session) Logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "testlab: "+format+"\n", args...)
}

// Fatalf logs, tears everything down and calls OnFatal (or runtime.Goexit).
func (s *Session) Fatalf(format string, args ...any) {
	s.Logf(format, args...)
	s.Close()
	if s.OnFatal != nil {
		s.OnFatal()
	}
	runtime.Goexit()
}

// Cleanup registers f to run on Close.
func (s *Session) Cleanup(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cleanups = append(s.cleanups, f)
}

// TempDir creates a directory that Close removes.
func (s *Session) TempDir() string {
	d, err := os.MkdirTemp("", "dhcpd-lab-")
	if err != nil {
		s.Fatalf("temp dir: %v", err)
	}
	s.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// Close runs the cleanups, last registered first. It may be called again;
// later calls run only what was registered since.
func (s *Session) Close() {
	s.mu.Lock()
	cs := s.cleanups
	s.cleanups = nil
	s.mu.Unlock()
	for i := len(cs) - 1; i >= 0; i-- {
		cs[i]()
	}
}

var global = &Session{}

// Global is the package-wide session that Main closes after all tests: use
// it for a lab shared by several tests (start it lazily, e.g. in a
// sync.Once, so packages whose tests all skip never build one).
func Global() *Session { return global }

// Main runs the tests and then tears down everything started under Global.
// Use it as TestMain: func TestMain(m *testing.M) { testlab.Main(m) }.
func Main(m *testing.M) {
	code := m.Run()
	global.Close()
	os.Exit(code)
}
