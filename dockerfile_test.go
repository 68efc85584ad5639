package main

// There is no Docker engine here, so the Dockerfile is checked by other
// means: its structure, that it agrees with go.mod, .promu.yml and the
// exporter's defaults, and that its build command really builds the binary.

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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
			args[k] = v
		}
		last[in.cmd] = in.args
	}
	if len(froms) != 2 || !strings.HasPrefix(froms[0], "golang:${GO_VERSION}") || !strings.HasSuffix(froms[0], " AS build") {
		t.Errorf("want a golang builder stage and a runtime stage: %v", froms)
	}
	goMod, _ := os.ReadFile("go.mod")
	promu, _ := os.ReadFile(".promu.yml")
	if !strings.Contains(string(goMod), "\ngo "+args["GO_VERSION"]) || !regexp.MustCompile(`version: `+regexp.QuoteMeta(args["GO_VERSION"])+`\n`).Match(promu) {
		t.Errorf("GO_VERSION %q disagrees with go.mod or .promu.yml", args["GO_VERSION"])
	}
	if !strings.Contains(string(promu), "path: github.com/dhcpd-exporter/dhcpd_exporter") || !strings.Contains(string(promu), "name: dhcpd_exporter") {
		t.Error(".promu.yml: repository path or binary name")
	}
	if last["EXPOSE"] != "9367" || last["USER"] != "nobody" || last["ENTRYPOINT"] != `["/bin/dhcpd_exporter"]` {
		t.Errorf("EXPOSE %q USER %q ENTRYPOINT %q", last["EXPOSE"], last["USER"], last["ENTRYPOINT"])
	}
	if main, _ := os.ReadFile("main.go"); !strings.Contains(string(main), `kingpinflag.AddFlags(app, ":9367")`) {
		t.Error("EXPOSE 9367 is not the exporter's default listen port")
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
	// Run the builder stage's build command here, as the image would.
	var build string
	for _, r := range runs {
		if strings.Contains(r, "go build") {
			build = r
		}
	}
	if build == "" {
		t.Fatal("no go build in the Dockerfile")
	}
	out := t.TempDir()
	build = strings.NewReplacer("${VERSION}", "test", "${REVISION}", "test", "/out/", out+"/").Replace(build)
	cmd := exec.Command("sh", "-c", build)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", build, err, b)
	}
	bin := filepath.Join(out, "dhcpd_exporter")
	v, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil || !strings.Contains(string(v), "dhcpd_exporter, version test") {
		t.Fatalf("built binary: %v %s", err, v)
	}
	if b, _ := exec.Command("go", "version", "-m", bin).Output(); strings.Contains(string(b), "CGO_ENABLED=1") {
		t.Error("the image binary must be static (CGO_ENABLED=0): the runtime image has no libc")
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
