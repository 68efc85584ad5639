package testlab

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// Netns is a network namespace created by NewNetns.
type Netns struct {
	Name string // as in `ip netns`; its handle is /run/netns/<Name>
}

// nsPrefix starts every namespace name this package creates; the pid that
// follows lets a later run tell whether the creator is still alive.
const nsPrefix = "dxe"

var (
	nsSeq  atomic.Int32
	nsName = regexp.MustCompile(`^` + nsPrefix + `(\d+)x\d+$`)
)

// NewNetns creates a uniquely named namespace (dxe<pid>x<n>) with lo up, so
// that 127.0.0.1 works inside. Env's cleanup kills every process still
// inside, by pid, and deletes the namespace. It first removes namespaces
// left behind by aborted runs.
func NewNetns(env Env) *Netns {
	env.Helper()
	removeStaleNamespaces(env)
	n := &Netns{Name: fmt.Sprintf("%s%dx%d", nsPrefix, os.Getpid(), nsSeq.Add(1))}
	var out []byte
	var err error
	// Retry: the very first `ip netns add` on a machine sets up the shared
	// /run/netns mount, and two test binaries doing that at once can trip.
	for try := 0; try < 3; try++ {
		if out, err = exec.Command("ip", "netns", "add", n.Name).CombinedOutput(); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		env.Fatalf("ip netns add %s: %v: %s", n.Name, err, out)
	}
	env.Cleanup(n.remove)
	if err := n.ip("link set lo up"); err != nil {
		env.Fatalf("%v", err)
	}
	return n
}

// ip runs `ip -n NAME -batch -` with one command per line: one process for
// the whole topology instead of one per link.
func (n *Netns) ip(script string) error {
	cmd := exec.Command("ip", "-n", n.Name, "-batch", "-")
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("ip -n %s -batch: %v: %s\nscript:\n%s", n.Name, err, out, script)
	}
	return nil
}

// sysctl sets a sysctl of the namespace. /proc/sys/net resolves to the
// writing thread's namespace, so no process has to be started.
func (n *Netns) sysctl(name, value string) error {
	return n.inside(func() error {
		return os.WriteFile(filepath.Join("/proc/sys", strings.ReplaceAll(name, ".", "/")), []byte(value), 0)
	})
}

// Command returns a command that runs name inside the namespace via
// `ip netns exec`. That execs the program in place, so the command's process
// is the program itself and signals reach it directly.
func (n *Netns) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", n.Name, name}, args...)...)
}

// Pids lists the processes running inside the namespace.
func (n *Netns) Pids() []int {
	out, _ := exec.Command("ip", "netns", "pids", n.Name).Output()
	var pids []int
	for _, f := range strings.Fields(string(out)) {
		if p, err := strconv.Atoi(f); err == nil {
			pids = append(pids, p)
		}
	}
	return pids
}

// remove kills what still runs inside (SIGTERM, then SIGKILL) and deletes
// the namespace. Sockets that tests still hold keep the kernel object
// alive, but not the name.
func (n *Netns) remove() {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		pids := n.Pids()
		for _, p := range pids {
			syscall.Kill(p, sig)
		}
		for deadline := time.Now().Add(time.Second); len(pids) > 0 && time.Now().Before(deadline); pids = n.Pids() {
			time.Sleep(20 * time.Millisecond)
		}
		if len(pids) == 0 {
			break
		}
	}
	_ = exec.Command("ip", "netns", "del", n.Name).Run() // best effort: a later run removes what is left
}

// removeStaleNamespaces deletes namespaces of earlier runs whose creating
// process is gone (a killed or timed-out test binary never runs cleanups).
func removeStaleNamespaces(env Env) {
	entries, _ := os.ReadDir("/run/netns")
	for _, e := range entries {
		m := nsName.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		pid, _ := strconv.Atoi(m[1])
		if pid == os.Getpid() || syscall.Kill(pid, 0) == nil {
			continue
		}
		env.Logf("removing stale namespace %s of dead process %d", e.Name(), pid)
		(&Netns{Name: e.Name()}).remove()
	}
}
