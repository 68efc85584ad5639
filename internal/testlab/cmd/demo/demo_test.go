package main

// `make demo` as an operator runs it: root's standard PATH (no Go on it),
// on a terminal, ended with Ctrl-C typed on that terminal.

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/dhcpd-exporter/dhcpd_exporter/internal/testlab"
)

// rootPath is PATH as root gets it from sudo's secure_path or a login
// shell: /usr/local/go/bin is not on it.
const rootPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// TestMakeDemoEndsCleanlyOnCtrlC runs `make demo` on a pseudo-terminal, in
// the terminal's foreground process group as an interactive shell starts a
// job, waits until both exporters answer, types Ctrl-Z (which must change
// nothing) and Ctrl-C, and checks: make exits 0 without an error line, the
// logs the demo named are still there with the exporters' last words, and
// the namespace and every process of the lab are gone.
func TestMakeDemoEndsCleanlyOnCtrlC(t *testing.T) {
	testlab.Require(t)
	testlab.RequireCommand(t, "make", "make")
	if _, err := os.Stat("/usr/local/go/bin/go"); err != nil {
		testlab.SkipMissing(t, "Go is not at /usr/local/go/bin/go, the place the Makefile falls back to")
	}
	root, err := testlab.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	ports := []int{freePort(t), freePort(t)}

	term := openTerminal(t)
	cmd := exec.Command("make", "-C", root, "demo",
		"BIN="+filepath.Join(work, "dhcpd_exporter"), // the checkout's binary is left alone
		"DEMO_BIN="+filepath.Join(work, "demo"),
		fmt.Sprintf("DEMO_ARGS=--primary-port=%d --secondary-port=%d", ports[0], ports[1]))
	cmd.Env = []string{"HOME=" + os.Getenv("HOME"), "PATH=" + rootPath, "TERM=dumb"}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = term.slave, term.slave, term.slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	term.slave.Close()
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }() // the status is checked below
	t.Cleanup(func() {
		select {
		case <-exited:
		default: // a failed test: end the demo the way an operator would, then harder
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(15 * time.Second):
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
				<-exited
			}
		}
		if t.Failed() {
			t.Logf("make demo said:\n%s", term.output())
		}
	})

	if !term.waitFor(`Ctrl-C stops everything`, 5*time.Minute) {
		t.Fatal("the demo did not come up within 5 minutes")
	}
	banner := term.output()
	for _, p := range ports {
		if body := get(t, fmt.Sprintf("http://127.0.0.1:%d/metrics", p)); !strings.Contains(body, "\ndhcpd_up 1\n") {
			t.Errorf("exporter on port %d: no dhcpd_up 1", p)
		}
	}

	ticks := func() int {
		return len(regexp.MustCompile(`\d\d:\d\d:\d\d secondary`).FindAllString(term.output(), -1))
	}
	before := ticks()
	term.typeKey(t, 0x1a) // Ctrl-Z
	for deadline := time.Now().Add(12 * time.Second); ticks() == before; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the demo stopped reporting after Ctrl-Z")
		}
	}
	term.typeKey(t, 0x03) // Ctrl-C
	select {
	case <-exited:
	case <-time.After(60 * time.Second):
		t.Fatal("make demo still running 60s after Ctrl-C")
	}
	term.drain()
	out := term.output()
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("make demo: %v, want exit status 0", cmd.ProcessState)
	}
	if strings.Contains(out, "make: ***") {
		t.Error("make reported an error")
	}

	// The logs it promised, kept, each ending with its program's shutdown.
	m := regexp.MustCompile(`logs \(kept after the demo\): (\S+)`).FindStringSubmatch(banner)
	if m == nil {
		t.Fatal("the demo named no log directory")
	}
	t.Cleanup(func() { os.RemoveAll(m[1]) })
	if !strings.Contains(out, "logs kept in "+m[1]) {
		t.Errorf("the demo did not say at exit where the logs are")
	}
	for _, f := range []string{"primary-exporter.log", "secondary-exporter.log", "primary-dhcpd.log", "secondary-dhcpd.log"} {
		b, err := os.ReadFile(filepath.Join(m[1], f))
		if err != nil || len(b) == 0 {
			t.Errorf("log %s: %v, %d bytes", f, err, len(b))
			continue
		}
		if strings.HasSuffix(f, "-exporter.log") && !strings.Contains(string(b), `msg="shutting down"`) {
			t.Errorf("%s does not end with the exporter's shutdown:\n%s", f, b)
		}
	}
	for _, f := range []string{"primary-exporter.log", "secondary-exporter.log"} {
		if !strings.Contains(banner, filepath.Join(m[1], f)) {
			t.Errorf("the banner does not name %s", f)
		}
	}

	// Nothing of the lab is left.
	ns := regexp.MustCompile(`network namespace (\S+) \(files in (\S+)\)`).FindStringSubmatch(banner)
	if ns == nil {
		t.Fatal("the demo named no namespace")
	}
	if _, err := os.Stat(filepath.Join("/run/netns", ns[1])); err == nil {
		t.Errorf("namespace %s still exists", ns[1])
	}
	if _, err := os.Stat(ns[2]); err == nil {
		t.Errorf("lab directory %s still exists", ns[2])
	}
	if pids := processesMentioning(ns[2], filepath.Join(work, "dhcpd_exporter")); len(pids) > 0 {
		t.Errorf("processes of the demo still running: %v", pids)
	}
}

// terminal is a pseudo-terminal pair; the test holds the master side and
// reads everything the demo prints.
type terminal struct {
	master, slave *os.File
	mu            sync.Mutex
	out           bytes.Buffer
	done          chan struct{}
}

func openTerminal(t *testing.T) *terminal {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open /dev/ptmx: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetUint32(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("ptsname: %v", err)
	}
	slave, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	term := &terminal{master: master, slave: slave, done: make(chan struct{})}
	go func() {
		defer close(term.done)
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			term.mu.Lock()
			term.out.Write(buf[:n])
			term.mu.Unlock()
			if err != nil { // EIO once the last process holding the slave side is gone
				return
			}
		}
	}()
	t.Cleanup(func() { master.Close() })
	return term
}

func (term *terminal) output() string {
	term.mu.Lock()
	defer term.mu.Unlock()
	return term.out.String()
}

// drain waits until everything written to the terminal has been read.
func (term *terminal) drain() {
	select {
	case <-term.done:
	case <-time.After(5 * time.Second):
	}
}

func (term *terminal) waitFor(pattern string, timeout time.Duration) bool {
	re := regexp.MustCompile(pattern)
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if re.MatchString(term.output()) {
			return true
		}
		select {
		case <-term.done:
			return re.MatchString(term.output())
		default:
		}
	}
	return false
}

// typeKey writes one character as if typed: the terminal's line
// discipline turns ^C into SIGINT and ^Z into SIGTSTP for its foreground
// process group.
func (term *terminal) typeKey(t *testing.T, c byte) {
	t.Helper()
	if _, err := term.master.Write([]byte{c}); err != nil {
		t.Fatal(err)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(url)
	if err != nil {
		t.Errorf("GET %s: %v", url, err)
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// processesMentioning lists the pids whose command line contains any of
// the strings.
func processesMentioning(subs ...string) []string {
	var pids []string
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil {
			continue
		}
		line := string(bytes.ReplaceAll(b, []byte{0}, []byte{' '}))
		for _, s := range subs {
			if strings.Contains(line, s) {
				pids = append(pids, filepath.Base(d)+": "+line)
				break
			}
		}
	}
	return pids
}
