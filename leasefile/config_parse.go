package leasefile

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ConfigOptions configure ParseConfigFile.
type ConfigOptions struct {
	// WorkDir is the directory relative include paths resolve against. dhcpd
	// opens `include "path";` relative to its own working directory, not to
	// the including file, and reads its configuration before it daemonises;
	// Debian's service starts it from "/". Empty means "/".
	WorkDir string
}

// ParseConfigFile reads dhcpd.conf and every file it includes.
func ParseConfigFile(path string, opts ConfigOptions) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseConfig(path, data, opts)
}

// ParseConfig parses configuration text; name is used in positions, and
// includes are still read from disk.
func ParseConfig(name string, data []byte, opts ConfigOptions) (*Config, error) {
	if opts.WorkDir == "" {
		opts.WorkDir = "/"
	}
	p := &confParser{opts: opts, cfg: &Config{Files: []string{name}}, including: map[string]bool{name: true}}
	if err := p.block(NewLexer(name, data), &scope{kind: scopeTop}, false); err != nil {
		return nil, err
	}
	if err := p.finish(); err != nil {
		return nil, err
	}
	return p.cfg, nil
}

type scopeKind int

const (
	scopeTop scopeKind = iota
	scopeGroup
	scopeShared
	scopeSubnet
	scopePool
)

// scope is where a statement appears.
type scope struct {
	kind   scopeKind
	shared *sharedBuild // shared network of a shared-network, subnet or pool scope
	subnet *Subnet      // subnet scope
	pool   *poolBuild   // pool scope
}

type confParser struct {
	opts      ConfigOptions
	cfg       *Config
	including map[string]bool // files being parsed, against include loops
	shared    []*sharedBuild
}

// block parses statements until the '}' closing the block (inBlock) or
// the end of the file.
func (p *confParser) block(l *Lexer, sc *scope, inBlock bool) *Error {
	for {
		t := l.Peek()
		switch {
		case t.Kind == EOF:
			if err := l.Err(); err != nil {
				return err
			}
			if inBlock {
				return l.Errorf(t, "unexpected end of file: missing '}'")
			}
			return nil
		case t.IsPunct('}'):
			if !inBlock {
				return l.Errorf(t, "unexpected '}'")
			}
			l.Next()
			return nil
		}
		if err := p.statement(l, sc); err != nil {
			return err
		}
	}
}

func (p *confParser) statement(l *Lexer, sc *scope) *Error {
	t := l.Next()
	switch {
	case t.IsPunct(';'):
		return nil
	case t.Is("include"):
		return p.include(l, t, sc)
	case t.Is("omapi-port"):
		v, err := readNumber(l, "omapi-port")
		if err != nil {
			return err
		}
		if v == 0 || v > 65535 {
			return l.Errorf(t, "omapi-port %d out of range", v)
		}
		if sc.kind == scopeTop {
			p.cfg.OMAPIPort = v
		}
		return expectSemi(l, "omapi-port")
	case t.Is("omapi-key"):
		name, err := readName(l, "omapi-key")
		if err != nil {
			return err
		}
		if sc.kind == scopeTop {
			p.cfg.OMAPIKey = name
		}
		return expectSemi(l, "omapi-key")
	case t.Is("key"):
		return p.key(l, t)
	case t.Is("failover"):
		return p.failover(l, t, sc)
	case t.Is("no") && sc.kind == scopePool:
		return p.noFailover(l, t, sc)
	case t.Is("shared-network"):
		return p.sharedNetwork(l, t, sc)
	case t.Is("subnet"):
		return p.subnet(l, t, sc)
	case t.Is("pool"):
		return p.pool(l, t, sc)
	case t.Is("range"):
		return p.rangeStatement(l, t, sc)
	case t.Is("group"):
		return p.group(l, t, sc)
	case (t.Is("allow") || t.Is("deny")) && sc.kind == scopePool:
		return p.permit(l, t, sc.pool)
	case t.Is("host"):
		// Host declarations are global whatever their nesting, and do not
		// count as a pool's own statements.
		return l.SkipStatement()
	case t.IsPunct('{') || t.IsPunct('}'):
		return l.Errorf(t, "unexpected %s", t.describe())
	}
	// Anything else — options, parameters, classes, conditionals, v6
	// declarations — is skipped. Inside a pool it makes the pool distinct:
	// dhcpd merges only pools without statements of their own.
	if sc.kind == scopePool {
		sc.pool.statements = true
	}
	return l.SkipStatement()
}

// include parses another file in the current scope (confpars.c:379-391).
func (p *confParser) include(l *Lexer, t Token, sc *scope) *Error {
	name := l.Next()
	if name.Kind != String {
		return l.Errorf(name, "include: expected a quoted file name, found %s", name.describe())
	}
	if err := expectSemi(l, "include"); err != nil {
		return err
	}
	path := string(Unquote(name.Text))
	if !filepath.IsAbs(path) {
		path = filepath.Join(p.opts.WorkDir, path)
	}
	if p.including[path] {
		return l.Errorf(t, "include loop: %s includes itself", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return l.Errorf(t, "include: %v", err)
	}
	if !contains(p.cfg.Files, path) {
		p.cfg.Files = append(p.cfg.Files, path)
	}
	p.including[path] = true
	defer delete(p.including, path)
	return p.block(NewLexer(path, data), sc, false)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// group descends into `group [NAME] { ... }`; its statements belong to the
// enclosing shared network, if any.
func (p *confParser) group(l *Lexer, t Token, sc *scope) *Error {
	if n := l.Peek(); n.Kind == String || n.Kind == Word {
		if _, err := readName(l, "group"); err != nil {
			return err
		}
	}
	if b := l.Next(); !b.IsPunct('{') {
		return l.Errorf(b, "group: expected '{', found %s", b.describe())
	}
	if sc.kind == scopePool {
		return l.Errorf(t, "group is not allowed in a pool")
	}
	// Pools and ranges are not allowed directly in a group
	// (confpars.c:1749-1756, 3779+), subnets are: a subnet in a group in a
	// shared network belongs to that shared network.
	return p.block(l, &scope{kind: scopeGroup, shared: sc.shared}, true)
}

func equalFoldKeyName(a, b string) bool { return strings.EqualFold(a, b) }

// SameKeyName reports whether two key names name the same key for dhcpd,
// which looks keys up case-insensitively.
func SameKeyName(a, b string) bool { return equalFoldKeyName(a, b) }

func errorf(pos Position, format string, args ...any) *Error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}
