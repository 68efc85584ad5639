package main

// The operator-facing examples (examples/) checked by the tools that will
// read them: promtool for the Prometheus configuration and the rule file it
// names, systemd-analyze and systemd-sysusers for the service, and the
// exporter itself for the web config (https and basic auth for real).

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/exporter-toolkit/web"
	"gopkg.in/yaml.v3"

	"github.com/dhcpd-exporter/dhcpd_exporter/internal/testlab"
)

const (
	examplePrometheus = "examples/prometheus.yml"
	exampleUnit       = "examples/systemd/dhcpd_exporter.service"
	exampleSysusers   = "examples/systemd/dhcpd_exporter.sysusers"
	exampleDefault    = "examples/systemd/dhcpd_exporter.default"
	exampleWebConfig  = "examples/web-config.yml"
	exampleProbeConf  = "examples/dhcpd_exporter.yml"

	// The account the unit runs as, and the example web-config's user and
	// (public, example-only) password.
	serviceAccount  = "dhcpd-exporter"
	exampleWebUser  = "prometheus"
	exampleWebPass  = "example-only-change-me"
	exampleCertPath = "/etc/dhcpd_exporter/tls.crt"
	exampleKeyPath  = "/etc/dhcpd_exporter/tls.key"
)

// TestExamplePrometheusConfigPromtool: the configuration and the alert
// rules it names load in Prometheus (promtool check config resolves
// rule_files relative to the file, so ../alerts is the repository's
// alerts/), and the targets come out with the labels the dashboards select
// on: one job per mode, one instance per dhcpd server.
func TestExamplePrometheusConfigPromtool(t *testing.T) {
	testlab.RequireCommand(t, "prometheus", "promtool")
	out, err := exec.Command("promtool", "check", "config", examplePrometheus).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check config %s: %v\n%s", examplePrometheus, err, out)
	}
	if !regexp.MustCompile(`SUCCESS: [1-9]\d* rules found`).Match(out) {
		t.Errorf("promtool loaded no alert rules from %s's rule_files:\n%s", examplePrometheus, out)
	}

	jobs := map[string][]sdTarget{}
	for _, job := range []string{"dhcpd", "dhcpd_probe"} {
		jobs[job] = promtoolTargets(t, job)
	}

	// The dashboards pick $job from label_values(dhcpd_up, job), then
	// $instance within it: every target of a job needs its own instance.
	for _, v := range dashboardVariables(t) {
		if v != "job" && v != "instance" && v != "datasource" && v != "shared_network" && v != "pool" {
			t.Errorf("dashboards have a template variable %q this test does not know: check that %s provides it", v, examplePrometheus)
		}
	}
	for job, targets := range jobs {
		if len(targets) < 2 {
			t.Errorf("job %s: %d target(s), want both servers of the pair", job, len(targets))
		}
		seen := map[string]bool{}
		for _, tg := range targets {
			if tg.Labels["job"] != job {
				t.Errorf("job %s: target has job=%q", job, tg.Labels["job"])
			}
			inst := tg.Labels["instance"]
			if inst == "" || seen[inst] {
				t.Errorf("job %s: instance %q empty or not unique: the dashboards could not tell the servers apart", job, inst)
			}
			seen[inst] = true
		}
	}
	for _, tg := range jobs["dhcpd"] {
		if tg.Labels["__metrics_path__"] != "/metrics" || !strings.HasSuffix(tg.Labels["__address__"], ":9367") {
			t.Errorf("job dhcpd: target %v, want HOST:9367/metrics", tg.Labels)
		}
	}
	for _, tg := range jobs["dhcpd_probe"] {
		l := tg.Labels
		want := map[string]string{
			"__address__":      "127.0.0.1:9367", // the exporter runs the probes
			"__metrics_path__": "/probe",
			"__param_target":   tg.Discovered["__address__"], // dhcpd's OMAPI address
			"instance":         tg.Discovered["__address__"],
		}
		for k, v := range want {
			if l[k] != v {
				t.Errorf("job dhcpd_probe, target %s: %s=%q, want %q", tg.Discovered["__address__"], k, l[k], v)
			}
		}
		if l["__param_module"] == "" {
			t.Errorf("job dhcpd_probe, target %s: no module", tg.Discovered["__address__"])
		}
		if !strings.HasSuffix(l["__param_target"], ":7911") {
			t.Errorf("job dhcpd_probe: target %q is not an OMAPI address HOST:7911", l["__param_target"])
		}
	}

	// The module the probe job asks for exists in the example probe
	// configuration.
	b, err := os.ReadFile(exampleProbeConf)
	if err != nil {
		t.Fatalf("%s names modules of the probe configuration, but: %v", examplePrometheus, err)
	}
	var probeConf struct {
		Modules map[string]any `yaml:"modules"`
	}
	if err := yaml.Unmarshal(b, &probeConf); err != nil {
		t.Fatalf("%s: %v", exampleProbeConf, err)
	}
	for _, tg := range jobs["dhcpd_probe"] {
		if m := tg.Labels["__param_module"]; probeConf.Modules[m] == nil {
			t.Errorf("%s has no module %q, which job dhcpd_probe of %s asks for", exampleProbeConf, m, examplePrometheus)
		}
	}
}

// sdTarget is one target of `promtool check service-discovery`: its labels
// before and after relabelling.
type sdTarget struct {
	Discovered map[string]string `json:"discoveredLabels"`
	Labels     map[string]string `json:"labels"`
}

// promtoolTargets runs the job's service discovery and relabelling the way
// Prometheus does (static_configs: no network).
func promtoolTargets(t *testing.T, job string) []sdTarget {
	t.Helper()
	// promtool spins on a CPU until --timeout (default 30 s) whatever the
	// discovery; static_configs need no time at all.
	cmd := exec.Command("promtool", "check", "service-discovery", "--timeout=1s", examplePrometheus, job)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("promtool check service-discovery %s %s: %v\n%s%s", examplePrometheus, job, err, out, stderr.String())
	}
	var targets []sdTarget
	if err := json.Unmarshal(out, &targets); err != nil {
		t.Fatalf("promtool check service-discovery %s: %v\n%s", job, err, out)
	}
	return targets
}

// dashboardVariables are the template variable names of dashboards/*.json.
func dashboardVariables(t *testing.T) []string {
	t.Helper()
	files, _ := filepath.Glob("dashboards/*.json")
	if len(files) == 0 {
		t.Fatal("no dashboards/*.json")
	}
	var names []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			Templating struct {
				List []struct {
					Name string `json:"name"`
				} `json:"list"`
			} `json:"templating"`
		}
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, v := range d.Templating.List {
			names = append(names, v.Name)
		}
	}
	return names
}

// unitRoot is a scratch file system root for systemd-analyze --root: this
// machine's unit directory (the targets the unit refers to), the unit in
// /etc/systemd/system, and the programs its Exec lines name. The exporter
// binary is a stand-in script: verify checks that ExecStart is an
// executable file, not what it does.
func unitRoot(t *testing.T, unit []byte) string {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{"usr/lib/systemd", "usr/bin", "usr/local/bin", "etc/systemd/system", "etc/default"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command("cp", "-a", "/usr/lib/systemd/system", filepath.Join(root, "usr/lib/systemd/")).CombinedOutput(); err != nil {
		t.Fatalf("copy this machine's unit directory: %v: %s", err, out)
	}
	if err := os.Symlink("usr/bin", filepath.Join(root, "bin")); err != nil {
		t.Fatal(err)
	}
	kill, err := os.ReadFile("/usr/bin/kill")
	if err != nil {
		t.Fatalf("ExecReload's /bin/kill: %v", err)
	}
	writeFile(t, filepath.Join(root, "usr/bin/kill"), kill, 0o755)
	writeFile(t, filepath.Join(root, "usr/local/bin/dhcpd_exporter"), []byte("#!/bin/sh\nexit 0\n"), 0o755)
	writeFile(t, filepath.Join(root, "etc/systemd/system/dhcpd_exporter.service"), unit, 0o644)
	def, err := os.ReadFile(exampleDefault)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(root, "etc/default/dhcpd_exporter"), def, 0o644)
	return root
}

func writeFile(t *testing.T, path string, data []byte, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
}

// verifyUnit runs systemd-analyze verify offline. Unknown keys and bad
// values are only warnings (exit status 0), so clean means: exit 0 and no
// output at all.
func verifyUnit(t *testing.T, root string) (string, error) {
	t.Helper()
	cmd := exec.Command("systemd-analyze", "verify", "--root="+root, "--generators=no", "dhcpd_exporter.service")
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// TestExampleSystemdUnitVerify: `systemd-analyze verify` of the unit is
// clean (no warning at all), the check itself notices a broken unit, and the
// sandbox scores as systemd-analyze security rates it.
func TestExampleSystemdUnitVerify(t *testing.T) {
	testlab.RequireCommand(t, "systemd", "systemd-analyze")
	unit, err := os.ReadFile(exampleUnit)
	if err != nil {
		t.Fatal(err)
	}
	root := unitRoot(t, unit)
	if out, err := verifyUnit(t, root); err != nil || out != "" {
		t.Errorf("systemd-analyze verify %s: %v\n%s", exampleUnit, err, out)
	}

	// The same check on a unit with a misspelt key must complain: otherwise
	// the clean result above means nothing.
	broken := strings.Replace(string(unit), "ProtectSystem=strict", "ProtectSystm=strict", 1)
	if out, _ := verifyUnit(t, unitRoot(t, []byte(broken))); !strings.Contains(out, "ProtectSystm") {
		t.Errorf("systemd-analyze verify does not report a misspelt key, so it checks nothing here; output:\n%s", out)
	}

	// The exposure level systemd computes from the sandboxing settings
	// (0 = everything locked down, 10 = none).
	out, err := exec.Command("systemd-analyze", "security", "--offline=yes", "--root="+root, "--generators=no",
		filepath.Join(root, "etc/systemd/system/dhcpd_exporter.service")).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze security: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`Overall exposure level for dhcpd_exporter\.service: ([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("systemd-analyze security: no exposure level in:\n%s", out)
	}
	level, _ := strconv.ParseFloat(string(m[1]), 64)
	t.Logf("systemd-analyze security: exposure %.1f", level)
	if level > 2.0 {
		t.Errorf("exposure level %.1f, was 1.4 when the unit was written: a sandboxing setting got lost\n%s", level, out)
	}
}

// TestExampleSystemdUnitSettings: what the README promises about the unit.
// systemd-analyze accepts any user name and any path, so these are read
// from the file.
func TestExampleSystemdUnitSettings(t *testing.T) {
	settings := unitSettings(t, exampleUnit)
	want := map[string]string{
		"User":                     serviceAccount,
		"Group":                    serviceAccount,
		"ExecStart":                "/usr/local/bin/dhcpd_exporter $ARGS",
		"ExecReload":               "/bin/kill -HUP $MAINPID",
		"EnvironmentFile":          "-/etc/default/dhcpd_exporter",
		"ProtectSystem":            "strict",
		"ReadOnlyPaths":            "-/etc/dhcp -/var/lib/dhcp",
		"ProtectHome":              "yes",
		"NoNewPrivileges":          "yes",
		"PrivateTmp":               "yes",
		"PrivateDevices":           "yes",
		"CapabilityBoundingSet":    "",
		"RestrictAddressFamilies":  "AF_INET AF_INET6 AF_UNIX",
		"MemoryDenyWriteExecute":   "yes",
		"LockPersonality":          "yes",
		"ProtectKernelTunables":    "yes",
		"ProtectKernelModules":     "yes",
		"ProtectKernelLogs":        "yes",
		"SystemCallArchitectures":  "native",
		"SystemCallFilter":         "@system-service",
		"SystemCallFilter (2nd)":   "~@privileged @resources",
		"RestrictSUIDSGID":         "yes",
		"ProtectControlGroups":     "yes",
		"SystemCallErrorNumber":    "EPERM",
		"AmbientCapabilities":      "",
		"Restart":                  "on-failure",
		"WantedBy":                 "multi-user.target",
		"RestrictNamespaces":       "yes",
		"ProtectClock":             "yes",
		"ProtectHostname":          "yes",
		"RestrictRealtime":         "yes",
		"UMask":                    "0077",
		"DevicePolicy":             "closed",
		"ProtectProc":              "invisible",
		"RemoveIPC":                "yes",
		"Type":                     "simple",
		"KillSignal":               "SIGTERM",
		"RestartSec":               "5s",
		"After":                    "network-online.target isc-dhcp-server.service",
		"Wants":                    "network-online.target",
		"Description":              settings["Description"], // free text
		"Documentation":            settings["Documentation"],
		"SystemCallFilter (count)": "2",
	}
	for k, v := range want {
		if got, ok := settings[k]; !ok || got != v {
			t.Errorf("%s: %s=%q (set: %v), want %q", exampleUnit, k, got, ok, v)
		}
	}
	for k := range settings {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: %s is not covered by this test: add it to the expectations", exampleUnit, k)
		}
	}

	// The environment file sets ARGS, and its example flags exist.
	def, err := os.ReadFile(exampleDefault)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^ARGS=`).Match(def) {
		t.Errorf("%s does not set ARGS, which ExecStart passes", exampleDefault)
	}
	if testing.Short() {
		return
	}
	help, err := exec.Command(exporterBinary(t), "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("--help: %v\n%s", err, help)
	}
	var flagsNamed []string
	for _, line := range regexp.MustCompile(`(?m)^[#\s]*ARGS=.*$`).FindAllString(string(def), -1) {
		flagsNamed = append(flagsNamed, regexp.MustCompile(`--[a-z][a-z0-9.-]+`).FindAllString(line, -1)...)
	}
	if len(flagsNamed) == 0 {
		t.Errorf("%s shows no example flags", exampleDefault)
	}
	for _, f := range flagsNamed {
		if !strings.Contains(string(help), f+"=") && !strings.Contains(string(help), f+" ") {
			t.Errorf("%s names %s, which --help does not list", exampleDefault, f)
		}
	}
}

// unitSettings reads a unit file's Key=Value lines; a key given again is
// stored as "Key (2nd)", and "Key (count)" says how often it appeared when
// more than once.
func unitSettings(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	settings, count := map[string]string{}, map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' || line[0] == '[' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Errorf("%s: not Key=Value: %q", path, line)
			continue
		}
		count[k]++
		switch count[k] {
		case 1:
			settings[k] = v
		case 2:
			settings[k+" (2nd)"] = v
		default:
			t.Errorf("%s: %s given %d times", path, k, count[k])
		}
		if count[k] > 1 {
			settings[k+" (count)"] = strconv.Itoa(count[k])
		}
	}
	return settings
}

// TestExampleSystemdSysusers: the sysusers file creates the unit's user and
// group, with no login shell (systemd-sysusers on a scratch root).
func TestExampleSystemdSysusers(t *testing.T) {
	testlab.RequireCommand(t, "systemd", "systemd-sysusers")
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(exampleSysusers)
	out, err := exec.Command("systemd-sysusers", "--root="+root, abs).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-sysusers %s: %v\n%s", exampleSysusers, err, out)
	}
	passwd, _ := os.ReadFile(filepath.Join(root, "etc/passwd"))
	group, _ := os.ReadFile(filepath.Join(root, "etc/group"))
	user := regexp.MustCompile(`(?m)^` + serviceAccount + `:x:(\d+):(\d+):[^:]*:[^:]*:(\S+)$`).FindSubmatch(passwd)
	if user == nil {
		t.Fatalf("no user %s created:\n%s\n%s", serviceAccount, out, passwd)
	}
	if shell := string(user[3]); !strings.HasSuffix(shell, "nologin") {
		t.Errorf("user %s has login shell %s", serviceAccount, shell)
	}
	if uid, _ := strconv.Atoi(string(user[1])); uid == 0 || uid >= 1000 {
		t.Errorf("user %s has uid %d, want a system uid", serviceAccount, uid)
	}
	if !regexp.MustCompile(`(?m)^` + serviceAccount + `:x:` + string(user[2]) + `:`).Match(group) {
		t.Errorf("user %s's primary group %s is not a group %s:\n%s", serviceAccount, user[2], serviceAccount, group)
	}
}

// webTestCert writes a certificate for 127.0.0.1 and its key into dir.
func webTestCert(t *testing.T, dir string) (certPath, keyPath string, cert *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "dhcpd_exporter test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err = x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	writeFile(t, certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	writeFile(t, keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
	return certPath, keyPath, cert
}

// exampleWebConfigWithCert is examples/web-config.yml with only its
// certificate and key paths replaced by a generated pair.
func exampleWebConfigWithCert(t *testing.T) (path string, cert *x509.Certificate) {
	t.Helper()
	dir := t.TempDir()
	certPath, keyPath, cert := webTestCert(t, dir)
	b, err := os.ReadFile(exampleWebConfig)
	if err != nil {
		t.Fatal(err)
	}
	conf := string(b)
	for from, to := range map[string]string{"cert_file: " + exampleCertPath: "cert_file: " + certPath,
		"key_file: " + exampleKeyPath: "key_file: " + keyPath} {
		if n := strings.Count(conf, from+"\n"); n != 1 {
			t.Fatalf("%s has %q %d times, want once", exampleWebConfig, from, n)
		}
		conf = strings.Replace(conf, from+"\n", to+"\n", 1)
	}
	path = filepath.Join(dir, "web-config.yml")
	writeFile(t, path, []byte(conf), 0o644)
	return path, cert
}

// TestExampleWebConfigValidates: exporter-toolkit accepts the example
// (strict YAML, users, TLS settings), given a certificate to load.
func TestExampleWebConfigValidates(t *testing.T) {
	path, _ := exampleWebConfigWithCert(t)
	if err := web.Validate(path); err != nil {
		t.Errorf("%s: %v", exampleWebConfig, err)
	}
}

// TestExampleWebConfigServesTLSAndBasicAuth starts the exporter with the
// example web config: it serves https only, and asks for the password.
func TestExampleWebConfigServesTLSAndBasicAuth(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the exporter binary: not with -short")
	}
	path, cert := exampleWebConfigWithCert(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	log := &syncBuffer{}
	cmd := exec.Command(exporterBinary(t), append([]string{"--web.listen-address=" + addr, "--web.config.file=" + path}, filesOnly(t)...)...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }() // a kill at cleanup is the expected end
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("exporter log:\n%s", log.String())
		}
	})

	pool := x509.NewCertPool()
	pool.AddCert(cert)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	get := func(user, pass string) (int, string, error) {
		req, _ := http.NewRequest(http.MethodGet, "https://"+addr+"/metrics", nil)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), nil
	}

	for deadline := time.Now().Add(10 * time.Second); ; {
		_, _, err := get("", "")
		if err == nil {
			break
		}
		select {
		case <-exited:
			t.Fatalf("exporter exited: %v", cmd.ProcessState)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no https answer at %s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}

	for _, tc := range []struct {
		name, user, pass string
		want             int
	}{
		{"no credentials", "", "", http.StatusUnauthorized},
		{"wrong password", exampleWebUser, exampleWebPass + "x", http.StatusUnauthorized},
		{"unknown user", "admin", exampleWebPass, http.StatusUnauthorized},
		{"the example's user and password", exampleWebUser, exampleWebPass, http.StatusOK},
	} {
		code, body, err := get(tc.user, tc.pass)
		if err != nil || code != tc.want {
			t.Errorf("%s: HTTP %d (%v), want %d", tc.name, code, err, tc.want)
		}
		// filesOnly: the lab's dhcpd.conf, read and parsed.
		if tc.want == http.StatusOK && !strings.Contains(body, "\ndhcpd_config_last_reload_successful 1\n") {
			t.Errorf("%s: /metrics has no dhcpd_config_last_reload_successful 1:\n%.500s", tc.name, body)
		}
	}

	// Plain http on the same port gets no metrics.
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get("http://" + addr + "/metrics")
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("plain http: HTTP %d, want 400 (an https-only server) or no answer", resp.StatusCode)
		}
	}
	if !strings.Contains(log.String(), "TLS is enabled") {
		t.Errorf("the exporter's log does not say TLS is enabled:\n%s", log.String())
	}
}
