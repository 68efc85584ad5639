package testlab

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Server is one dhcpd process of the lab.
type Server struct {
	Role       string // "primary" or "secondary"
	Dir        string // holds all of the pair's files
	ConfPath   string
	LeasesPath string
	LogPath    string // dhcpd's stderr (-f -d); appended to across restarts
	PidPath    string
	Iface      string // the interface dhcpd serves: br0 or vs1
	Addr       string // its address there: 192.0.2.1 or 192.0.2.2
	OMAPIPort  int    // inside the namespace: 7911 primary, 7912 secondary
	OMAPIAddr  string // "127.0.0.1:<OMAPIPort>", reachable inside the namespace

	pair *Pair

	mu       sync.Mutex
	cmd      *exec.Cmd
	done     chan struct{} // closed once the current process has exited and been reaped
	logStart int64         // log size when the current process started
}

// start launches dhcpd in the foreground (-f -d: it logs to stderr, and
// there is no syslog here), with stderr going to LogPath.
func (s *Server) start(env Env) {
	env.Helper()
	// A stale pid file naming a live pid (a zombie, or a reused pid) makes
	// dhcpd refuse with "There's already a DHCP server running".
	os.Remove(s.PidPath)
	logf, err := os.OpenFile(s.LogPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		env.Fatalf("%v", err)
	}
	fi, _ := logf.Stat()
	cmd := s.pair.NS.Command(context.Background(), "dhcpd", "-4", "-f", "-d",
		"-cf", s.ConfPath, "-lf", s.LeasesPath, "-pf", s.PidPath, s.Iface)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid:   true,            // a terminal's Ctrl-C goes to the program, which then tears down in order
		Pdeathsig: syscall.SIGKILL, // an aborted test binary leaves no dhcpd behind
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		env.Fatalf("start dhcpd %s: %v", s.Role, err)
	}
	done := make(chan struct{})
	// Reap as soon as it exits: a zombie still passes kill(pid, 0), which is
	// how dhcpd checks its pid file.
	go func() { _ = cmd.Wait(); logf.Close(); close(done) }() // the exit status is not the lab's business
	s.mu.Lock()
	s.cmd, s.done, s.logStart = cmd, done, fi.Size()
	s.mu.Unlock()
}

// stop ends the process: SIGTERM, then SIGKILL after 3 s.
func (s *Server) stop() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Process.Signal(syscall.SIGCONT) // in case a test left it stopped
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}

// Kill sends sig to the dhcpd process the lab started (SIGTERM, SIGKILL,
// SIGSTOP, SIGCONT, ...). The lab reaps the process when it exits; use Wait
// to wait for that.
func (s *Server) Kill(sig os.Signal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return fmt.Errorf("dhcpd %s not started", s.Role)
	}
	return s.cmd.Process.Signal(sig)
}

// Wait blocks until the current process has exited and been reaped.
func (s *Server) Wait() {
	s.mu.Lock()
	done := s.done
	s.mu.Unlock()
	if done != nil {
		<-done
	}
}

// Restart starts dhcpd again with the same config, leases, log and pid
// files. A process still running is killed first (SIGKILL). It does not wait
// for any failover state; see WaitState.
func (s *Server) Restart(env Env) {
	env.Helper()
	if s.Alive() {
		_ = s.Kill(syscall.SIGKILL)
	}
	s.Wait()
	s.start(env)
}

// Alive reports whether the process is running (or stopped), i.e. has not
// exited.
func (s *Server) Alive() bool {
	s.mu.Lock()
	done := s.done
	s.mu.Unlock()
	if done == nil {
		return false
	}
	select {
	case <-done:
		return false
	default:
		return true
	}
}

// Pid is the dhcpd process id (`ip netns exec` execs dhcpd in place), or 0.
func (s *Server) Pid() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// Log is the whole log so far, across restarts.
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.LogPath)
	return string(b)
}

// currentLog is the log of the current process only.
func (s *Server) currentLog() string {
	s.mu.Lock()
	start := s.logStart
	s.mu.Unlock()
	l := s.Log()
	if start > int64(len(l)) {
		return l
	}
	return l[start:]
}

// LogTail is the last n lines of the log.
func (s *Server) LogTail(n int) string {
	lines := strings.Split(strings.TrimRight(s.Log(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// fatalLog matches what dhcpd logs when an internal check fails (ISC's
// REQUIRE/INSIST/ENSURE assertions) or when it gives up ("exiting.").
var fatalLog = regexp.MustCompile(`(?m)^.*(REQUIRE|INSIST|ENSURE|Assertion|assertion failed|exiting).*$`)

// AssertHealthy fails t unless dhcpd is still running and the log of the
// current process shows no failed assertion and no exit. Call it after
// tests that hammer dhcpd.
func (s *Server) AssertHealthy(t testing.TB) {
	t.Helper()
	if !s.Alive() {
		t.Errorf("dhcpd %s is not running; log tail:\n%s", s.Role, s.LogTail(20))
		return
	}
	if m := fatalLog.FindAllString(s.currentLog(), 5); m != nil {
		t.Errorf("dhcpd %s log shows trouble: %q", s.Role, m)
	}
}
