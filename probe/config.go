package probe

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/dhcpd-exporter/dhcpd_exporter/dhcpdconf"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi"
)

// Config is the probe configuration file (--config.file): the modules a
// /probe request names.
type Config struct {
	Modules map[string]*Module
	// Warnings are things that work but look wrong (a key file every user
	// can read), for the log.
	Warnings []string
}

// Module says how to probe a target.
type Module struct {
	Name string
	// KeyFile holds the dhcpd `key` statement the target's omapi-key
	// names; Key is that key, read when the file was loaded.
	KeyFile string
	Key     *omapi.Key
	// FailoverPeers are the failover-state objects to read; empty: none
	// (the failover collector is off).
	FailoverPeers []string
	// Timeout bounds a probe; 0 means the exporter's --web.scrape-timeout,
	// which also caps it.
	Timeout time.Duration
	// DhcpdConfigFile is a copy of the target's dhcpd.conf ("" for none):
	// it enables the pool counters and the failover peers' declarations
	// (addresses, pair, balancing settings).
	DhcpdConfigFile string
	// SentinelAddresses are sentinel leases whose live state is exported.
	SentinelAddresses []netip.Addr

	keyID [sha256.Size]byte // tells keys apart without keeping the secret twice
}

// moduleYAML is a module as written in the file. Every field is optional
// for the decoder; validate says which are required.
type moduleYAML struct {
	KeyFile           string   `yaml:"key_file"`
	FailoverPeers     []string `yaml:"failover_peers"`
	Timeout           string   `yaml:"timeout"`
	DhcpdConfigFile   string   `yaml:"dhcpd_config_file"`
	SentinelAddresses []string `yaml:"sentinel_addresses"`
}

type fileYAML struct {
	Modules map[string]moduleYAML `yaml:"modules"`
}

// maxConfigSize keeps a wrong --config.file (a lease file, a device) from
// being read whole.
const maxConfigSize = 1 << 20

// LoadFile reads and checks the configuration file at path. Relative paths
// in it (key_file, dhcpd_config_file) resolve against the file's directory.
func LoadFile(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > maxConfigSize {
		return nil, fmt.Errorf("%s: larger than %d bytes: not a probe configuration", path, maxConfigSize)
	}
	c, err := Parse(data, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Parse checks configuration text strictly: an unknown field, a value of
// the wrong type or out of range, a missing or unreadable key file, or a
// dhcpd_config_file that does not parse is an error naming the module and
// the field. Relative paths resolve against dir.
func Parse(data []byte, dir string) (*Config, error) {
	var f fileYAML
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty file: want a modules: mapping")
		}
		return nil, explainYAML(err, data)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("more than one YAML document: want one with a modules: mapping")
	}
	if len(f.Modules) == 0 {
		return nil, errors.New("no modules: want at least one module under modules")
	}
	c := &Config{Modules: map[string]*Module{}}
	for _, name := range sortedKeys(f.Modules) {
		m, warnings, err := f.Modules[name].module(name, dir)
		if err != nil {
			return nil, fmt.Errorf("module %q: %w", name, err)
		}
		c.Modules[name] = m
		c.Warnings = append(c.Warnings, warnings...)
	}
	return c, nil
}

var moduleName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)

func (y moduleYAML) module(name, dir string) (*Module, []string, error) {
	if !moduleName.MatchString(name) || len(name) > 128 {
		return nil, nil, errors.New("module names are letters, digits, '_', '.' and '-' (at most 128), not starting with '.' or '-'")
	}
	m := &Module{Name: name}
	var warnings []string

	peers := map[string]bool{}
	for i, p := range y.FailoverPeers {
		switch {
		case p == "":
			return nil, nil, fmt.Errorf("failover_peers[%d]: empty name", i)
		case !utf8.ValidString(p) || strings.ContainsFunc(p, func(r rune) bool { return r < ' ' || r == 0x7f }):
			return nil, nil, fmt.Errorf("failover_peers[%d]: %q is not a printable name", i, p)
		case peers[p]:
			return nil, nil, fmt.Errorf("failover_peers[%d]: %q listed twice", i, p)
		}
		peers[p] = true
		m.FailoverPeers = append(m.FailoverPeers, p)
	}

	if y.Timeout != "" {
		d, err := time.ParseDuration(y.Timeout)
		if err != nil {
			return nil, nil, fmt.Errorf("timeout: %q is not a duration such as 5s or 1500ms", y.Timeout)
		}
		if d <= 0 {
			return nil, nil, fmt.Errorf("timeout: %s is not positive", y.Timeout)
		}
		m.Timeout = d
	}

	seen := map[netip.Addr]bool{}
	for i, a := range y.SentinelAddresses {
		ip, err := netip.ParseAddr(a)
		if err != nil || !ip.Is4() {
			return nil, nil, fmt.Errorf("sentinel_addresses[%d]: %q is not an IPv4 address", i, a)
		}
		if seen[ip] {
			return nil, nil, fmt.Errorf("sentinel_addresses[%d]: %s listed twice", i, ip)
		}
		seen[ip] = true
		m.SentinelAddresses = append(m.SentinelAddresses, ip)
	}

	// The files last: the checks above need no disk.
	if y.KeyFile == "" {
		return nil, nil, errors.New("key_file: required (the file holding the dhcpd key statement that the target's omapi-key names)")
	}
	m.KeyFile = resolve(dir, y.KeyFile)
	key, keyID, warning, err := readKey(m.KeyFile)
	if err != nil {
		return nil, nil, fmt.Errorf("key_file: %w", err)
	}
	m.Key, m.keyID = key, keyID
	if warning != "" {
		warnings = append(warnings, fmt.Sprintf("module %q: %s", name, warning))
	}

	if y.DhcpdConfigFile != "" {
		m.DhcpdConfigFile = resolve(dir, y.DhcpdConfigFile)
		if _, err := dhcpdconf.ParseFile(m.DhcpdConfigFile, dhcpdconf.Options{WorkDir: filepath.Dir(m.DhcpdConfigFile)}); err != nil {
			return nil, nil, fmt.Errorf("dhcpd_config_file: %w", err)
		}
	}
	return m, warnings, nil
}

func resolve(dir, path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(dir, path)
}

// readKey reads the one key statement of path. dhcpdconf's errors never
// quote the secret.
func readKey(path string) (*omapi.Key, [sha256.Size]byte, string, error) {
	var id [sha256.Size]byte
	kc, err := dhcpdconf.ParseFile(path, dhcpdconf.Options{})
	if err != nil {
		return nil, id, "", err
	}
	if len(kc.Keys) != 1 {
		return nil, id, "", fmt.Errorf("%s: want exactly one key statement, found %d", path, len(kc.Keys))
	}
	decl := kc.Keys[0]
	key, err := omapi.NewKey(decl.Name, decl.Algorithm, decl.Secret)
	if err != nil {
		return nil, id, "", fmt.Errorf("%s: %w", decl.Pos, err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00", key.Name(), key.Algorithm())
	h.Write(decl.Secret)
	h.Sum(id[:0])
	warning := ""
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o006 != 0 {
		warning = fmt.Sprintf("OMAPI key file %s is %s: readable or writable by every user, and the key can stop dhcpd and change leases; chmod o-rwx it", path, fi.Mode().Perm())
	}
	return key, id, warning, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var (
	yamlLine         = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	yamlUnknownField = regexp.MustCompile(`^field (\S+) not found in type \S+$`)
	yamlCannot       = regexp.MustCompile(`^cannot unmarshal (\S+)(?: .*)? into \S+$`)
)

// want says what a field holds, for type errors.
var want = map[string]string{
	"key_file":           "a file name",
	"failover_peers":     "a list of failover peer names",
	"timeout":            "a duration such as 5s",
	"dhcpd_config_file":  "a file name",
	"sentinel_addresses": "a list of IPv4 addresses",
}

// yamlKinds names YAML's tags for operators.
var yamlKinds = map[string]string{"!!str": "string", "!!seq": "list", "!!map": "mapping", "!!int": "number",
	"!!float": "number", "!!bool": "boolean", "!!null": "null", "!!timestamp": "timestamp", "!!binary": "binary value"}

func kind(tag string) string {
	if k, ok := yamlKinds[tag]; ok {
		return k
	}
	return tag
}

// explainYAML rewrites the decoder's errors for operators: each names the
// module it is in (found from the line) and the field, without Go type
// names.
func explainYAML(err error, data []byte) error {
	var lines []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		lines = te.Errors
	} else {
		lines = []string{err.Error()}
	}
	layout := fileLayout(data)
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		m := yamlLine.FindStringSubmatch(l)
		if m == nil {
			out = append(out, strings.TrimPrefix(l, "yaml: "))
			continue
		}
		line, _ := strconv.Atoi(m[1])
		msg := m[2]
		mod := layout.moduleAt(line)
		where := fmt.Sprintf("line %d", line)
		if mod != "" {
			where = fmt.Sprintf("module %q: line %d", mod, line)
		}
		switch f, c := yamlUnknownField.FindStringSubmatch(msg), yamlCannot.FindStringSubmatch(msg); {
		case f != nil && mod != "":
			msg = fmt.Sprintf("unknown field %q (a module has key_file, failover_peers, timeout, dhcpd_config_file, sentinel_addresses)", f[1])
		case f != nil:
			msg = fmt.Sprintf("unknown field %q (the file has modules:)", f[1])
		case c != nil:
			c[1] = kind(c[1])
			field := fieldAt(data, line)
			switch {
			case mod != "" && want[field] != "":
				msg = fmt.Sprintf("%s: a %s where %s belongs", field, c[1], want[field])
			case mod != "":
				msg = fmt.Sprintf("a %s where the module's fields belong (key_file: ..., failover_peers: [...])", c[1])
			default:
				msg = fmt.Sprintf("a %s where a mapping belongs (modules: NAME: key_file: ...)", c[1])
			}
		}
		out = append(out, where+": "+msg)
	}
	return errors.New(strings.Join(out, "; "))
}

// layout is where each module's text is: module names by line, and the
// line where the modules mapping ends.
type layout struct {
	starts []moduleStart
	end    int // the first line after the modules mapping; 0 for none
}

type moduleStart struct {
	name string
	line int
}

// fileLayout finds the modules in the text; empty when it is not a
// mapping with a modules mapping.
func fileLayout(data []byte) layout {
	var doc yaml.Node
	var l layout
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return l
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return l
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "modules" || root.Content[i+1].Kind != yaml.MappingNode {
			continue
		}
		mods := root.Content[i+1]
		for j := 0; j+1 < len(mods.Content); j += 2 {
			l.starts = append(l.starts, moduleStart{mods.Content[j].Value, mods.Content[j].Line})
		}
		l.end = int(^uint(0) >> 1)
		if i+2 < len(root.Content) {
			l.end = root.Content[i+2].Line
		}
	}
	return l
}

// moduleAt is the module whose text holds line: the last one starting at
// or before it, inside the modules mapping.
func (l layout) moduleAt(line int) string {
	name := ""
	for _, s := range l.starts {
		if s.line <= line && line < l.end {
			name = s.name
		}
	}
	return name
}

// fieldAt is the field name a line of the file starts with ("" when it
// starts with none: a list item, a continuation).
func fieldAt(data []byte, line int) string {
	ls := strings.Split(string(data), "\n")
	if line < 1 || line > len(ls) {
		return ""
	}
	l := strings.TrimSpace(ls[line-1])
	name, _, ok := strings.Cut(l, ":")
	if !ok || strings.ContainsAny(name, " \t-\"'[{") {
		return ""
	}
	return name
}
