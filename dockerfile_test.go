package main

// There is no Docker engine here, so the Dockerfile is checked by other
// means: its structure, that its build metadata is the Makefile's and
// .promu.yml's, that its build step really builds a static binary for each
// architecture the Prometheus images offer, and that it exposes the port the
// binary listens on by default.

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

type instruction struct{ cmd, args string }

// parseDockerfile reads instructions, joining continued lines.
func parseDockerfile(t *testing.T) []instruction {
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(b), "\\\n", " ")
	var out []instruction
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cmd, args, _ := strings.Cut(line, " ")
		out = append(out, instruction{strings.ToUpper(cmd), strings.TrimSpace(args)})
	}
	return out
}

// ldflagVars lists the -X variables of a set of ldflags.
func ldflagVars(s string) []string {
	var vars []string
	for _, m := range regexp.MustCompile(`-X ([\w./-]+)=`).FindAllStringSubmatch(s, -1) {
		vars = append(vars, m[1])
	}
	sort.Strings(vars)
	return vars
}

func TestDockerfile(t *testing.T) {
	ins := parseDockerfile(t)
	var froms, runs, copies []string
	args := map[string]string{}
	last := map[string]string{}
	for _, in := range ins {
		switch in.cmd {
		case "FROM":
			froms = append(froms, in.args)
		case "RUN":
			runs = append(runs, in.args)
		case "COPY":
			copies = append(copies, in.args)
		case "ARG":
			k, v, _ := strings.Cut(in.args, "=")
			if _, seen := args[k]; !seen {
				args[k] = strings.Trim(v, `"`)
			}
		}
		last[in.cmd] = in.args
	}
	if len(froms) != 2 || !strings.HasPrefix(froms[0], "golang:${GO_VERSION}") || !strings.HasSuffix(froms[0], " AS build") {
		t.Errorf("want a golang builder stage and a runtime stage: %v", froms)
	}
	if len(froms) == 2 && froms[1] != "quay.io/prometheus/busybox-${OS}-${ARCH}:latest" {
		t.Errorf("the runtime image must follow ARCH and OS as the Prometheus images do: %s", froms[1])
	}
	if args["ARCH"] != "amd64" || args["OS"] != "linux" {
		t.Errorf("ARCH/OS defaults %q/%q", args["ARCH"], args["OS"])
	}

	// Build metadata: the Dockerfile builds with `make build`; .promu.yml
	// sets the same flags and -X variables as the Makefile.
	makefile, _ := os.ReadFile("Makefile")
	promu, _ := os.ReadFile(".promu.yml")
	goMod, _ := os.ReadFile("go.mod")
	if !strings.Contains(string(goMod), "\ngo "+args["GO_VERSION"]) || !regexp.MustCompile(`version: `+regexp.QuoteMeta(args["GO_VERSION"])+`\n`).Match(promu) {
		t.Errorf("GO_VERSION %q disagrees with go.mod or .promu.yml", args["GO_VERSION"])
	}
	mk, pr := ldflagVars(string(makefile)), ldflagVars(string(promu))
	if strings.Join(mk, " ") != strings.Join(pr, " ") || len(mk) != 5 {
		t.Errorf("-X variables: Makefile %v, .promu.yml %v", mk, pr)
	}
	promuFlags := regexp.MustCompile(`(?m)^\s*flags: (.*)$`).FindSubmatch(promu)
	if promuFlags == nil || !strings.Contains(string(makefile), "build "+string(promuFlags[1])+" -ldflags") {
		t.Errorf(".promu.yml flags %q are not the Makefile build target's", promuFlags)
	}
	if !strings.Contains(string(promu), "path: github.com/dhcpd-exporter/dhcpd_exporter") || !strings.Contains(string(promu), "name: dhcpd_exporter") {
		t.Error(".promu.yml: repository path or binary name")
	}

	if last["USER"] != "nobody" || last["ENTRYPOINT"] != `["/bin/dhcpd_exporter"]` {
		t.Errorf("USER %q ENTRYPOINT %q", last["USER"], last["ENTRYPOINT"])
	}
	if !containsArg(copies, "--from=build /out/dhcpd_exporter /bin/dhcpd_exporter") {
		t.Errorf("the runtime stage must copy the built binary to the entrypoint: %v", copies)
	}
	for _, c := range copies {
		f := strings.Fields(c)
		if strings.HasPrefix(f[0], "--from") {
			continue
		}
		for _, src := range f[:len(f)-1] {
			if _, err := os.Stat(src); err != nil {
				t.Errorf("COPY source %s: %v", src, err)
			}
		}
	}

	// Run the builder stage's build step here, as the image would, for each
	// architecture of .promu.yml's crossbuild list.
	var build string
	for _, r := range runs {
		if strings.Contains(r, "make build") {
			build = r
		}
	}
	if build == "" {
		t.Fatal("the Dockerfile does not build with make build")
	}
	if testing.Short() {
		t.Skip("cross-building the image's binary: not with -short")
	}
	machines := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64, "armv7": elf.EM_ARM, "386": elf.EM_386}
	for _, arch := range []string{"amd64", "arm64", "armv7", "386"} {
		if !strings.Contains(string(promu), "linux/"+arch) {
			t.Errorf(".promu.yml crossbuild lacks linux/%s", arch)
		}
	}
	// amd64 runs here; armv7 is the one whose ARCH is not a GOARCH.
	for _, arch := range []string{"amd64", "armv7"} {
		out := t.TempDir()
		cmd := exec.Command("sh", "-c", strings.ReplaceAll(build, "/out/", out+"/"))
		cmd.Env = append(os.Environ(), "ARCH="+arch, "OS=linux", "VERSION=", "REVISION=", "BRANCH=")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("ARCH=%s: %s: %v\n%s", arch, build, err, b)
		}
		bin := filepath.Join(out, "dhcpd_exporter")
		f, err := elf.Open(bin)
		if err != nil {
			t.Fatal(err)
		}
		if f.Machine != machines[arch] {
			t.Errorf("ARCH=%s built for %v", arch, f.Machine)
		}
		f.Close()
		if b, _ := exec.Command("go", "version", "-m", bin).Output(); !strings.Contains(string(b), "CGO_ENABLED=0") {
			t.Errorf("ARCH=%s: the image binary must be static (CGO_ENABLED=0): the runtime image has no libc", arch)
		}
		if arch != "amd64" {
			continue
		}
		v, err := exec.Command(bin, "--version").CombinedOutput()
		version, _ := os.ReadFile("VERSION")
		if err != nil || !strings.Contains(string(v), "dhcpd_exporter, version "+strings.TrimSpace(string(version))) {
			t.Errorf("built binary's version: %v %s", err, v)
		}
		// EXPOSE is the port the binary listens on by default.
		help, _ := exec.Command(bin, "--help").CombinedOutput()
		if !regexp.MustCompile(`--web\.listen-address=:`+regexp.QuoteMeta(last["EXPOSE"])+` \.\.\.`).Match(help) &&
			!strings.Contains(string(help), `(default: :`+last["EXPOSE"]+`)`) {
			t.Errorf("EXPOSE %s is not the binary's default listen port:\n%s", last["EXPOSE"], help)
		}
	}
}

func containsArg(list []string, want string) bool {
	for _, s := range list {
		if s == want {
			return true
		}
	}
	return false
}
