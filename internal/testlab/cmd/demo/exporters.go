package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/dhcpd-exporter/dhcpd_exporter/internal/testlab"
)

// exporter is one dhcpd_exporter process inside the lab's namespace,
// logging to a file that outlives the demo.
type exporter struct {
	role    string
	logPath string
	cmd     *exec.Cmd
	done    chan struct{}
}

// startExporter runs bin for srv inside the namespace, listening on inside.
func startExporter(s *testlab.Session, p *testlab.Pair, srv *testlab.Server, bin, inside, logDir string) *exporter {
	e := &exporter{role: srv.Role, logPath: filepath.Join(logDir, srv.Role+"-exporter.log"), done: make(chan struct{})}
	logf, err := os.Create(e.logPath)
	if err != nil {
		s.Fatalf("%v", err)
	}
	e.cmd = p.NS.Command(context.Background(), bin,
		"--web.listen-address="+inside,
		"--omapi.address="+srv.OMAPIAddr,
		"--omapi.key-file="+p.KeyFile,
		"--dhcpd.config-file="+srv.ConfPath,
		"--dhcpd.leases-file="+srv.LeasesPath)
	e.cmd.Stdout, e.cmd.Stderr = logf, logf
	e.cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid:   true,            // Ctrl-C reaches the demo, which stops the exporters itself
		Pdeathsig: syscall.SIGKILL, // a demo killed outright leaves no exporter behind
	}
	if err := e.cmd.Start(); err != nil {
		logf.Close()
		s.Fatalf("start exporter: %v", err)
	}
	go func() { _ = e.cmd.Wait(); logf.Close(); close(e.done) }() // stop reads the outcome from the log
	s.Cleanup(e.stop)
	return e
}

// stop sends SIGTERM, on which the exporter logs and exits; SIGKILL if it
// has not after 5 s.
func (e *exporter) stop() {
	select {
	case <-e.done:
		return
	default:
	}
	_ = e.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-e.done:
	case <-time.After(5 * time.Second):
		fmt.Fprintf(os.Stderr, "demo: %s exporter ignored SIGTERM for 5s; killing it\n", e.role)
		_ = e.cmd.Process.Kill()
		<-e.done
	}
}
