package dhcpdconf

import (
	"os"
	"path/filepath"

	"github.com/dhcpd-exporter/dhcpd_exporter/internal/conflex"
)

// The dhcpd.conf parser: the entry points, the scopes, and the statement
// dispatch, which mirrors dhcpd's parse_statement (server/confpars.c:356-885)
// for the statements the model needs and skips everything else. The other
// files of the package each parse one kind of declaration; the rules, with
// dhcpd's source lines, are in docs/dhcpd-conf.md.
//
// Leniency: the exporter reads configurations that dhcpd runs, so it skips
// what it does not need without judging it. It does reject malformed
// statements it reads (with file:line), declarations in places where dhcpd
// gives them another meaning or refuses them, and anything that would make
// the pool model wrong. It accepts a few things dhcpd refuses but whose
// meaning is clear: an empty statement ";", "no failover peer;" (dhcpd wants
// "no failover peer" without the ';') and a shared-network without subnets
// (left out of the model). It also reads, and reports in Config.Warnings,
// what dhcpd refuses only after parsing: an address declared twice, a
// failover peer no pool names, an omapi-key naming no key.

// Options configure ParseFile and Parse.
type Options struct {
	// WorkDir is the directory relative include paths are resolved against.
	// dhcpd opens `include "path";` relative to its own current working
	// directory (not the including file): the directory it was started in,
	// since it changes to "/" only after reading its configuration
	// (server/dhcpd.c:1036; docs/dhcpd-conf.md §3.4). Empty means "/".
	WorkDir string

	readFile func(path string) ([]byte, error) // reads included files; os.ReadFile when nil (tests replace it)
}

// ParseFile reads dhcpd.conf and every file it includes.
func ParseFile(path string, opts Options) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data, opts)
}

// Parse parses configuration text. name is used in positions and
// errors; included files are still read from disk. Every error it returns
// is an *Error with a position.
func Parse(name string, data []byte, opts Options) (*Config, error) {
	if opts.WorkDir == "" {
		opts.WorkDir = "/"
	}
	if opts.readFile == nil {
		opts.readFile = os.ReadFile
	}
	p := &confParser{opts: opts, cfg: &Config{Files: []string{name}}}
	p.including = []string{includeKey(name)}
	if err := p.file(conflex.NewLexer(name, data), &scope{kind: scopeTop}); err != nil {
		return nil, err
	}
	p.finish()
	return p.cfg, nil
}

// includeKey names a file for the include-loop check.
func includeKey(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}

// scopeKind is the kind of block a statement appears in; dhcpd passes it
// to parse_statement as the declaration type (ROOT_GROUP, GROUP_DECL, ...).
type scopeKind int

const (
	scopeTop    scopeKind = iota // the top level of dhcpd.conf (ROOT_GROUP)
	scopeGroup                   // group { } (GROUP_DECL)
	scopeShared                  // shared-network { } (SHARED_NET_DECL)
	scopeSubnet                  // subnet { } (SUBNET_DECL)
	scopePool                    // pool { } (POOL_DECL)
)

// scope is where a statement appears.
type scope struct {
	kind scopeKind
	// shared is the shared network of a shared-network, subnet or pool
	// scope: where pools and ranges go. Groups have none: dhcpd's
	// clone_group does not copy it (common/memory.c:130-152), so a subnet
	// in a group always gets a shared network of its own.
	shared *sharedBuild
	subnet *Subnet    // subnet scope, and a pool scope inside a subnet
	pool   *poolBuild // pool scope
	// included is set for the statements of a file included into a pool:
	// dhcpd reads those with parse_statement, not with the pool's own loop,
	// so range, failover and permits mean something else there.
	included bool
}

type confParser struct {
	opts      Options
	cfg       *Config
	including []string // files being parsed, outermost first, against include loops
	shared    []*sharedBuild
	claimed   claimedAddrs // every address a range has declared so far

	omapiKeyPos Position       // of the omapi-key statement in force
	poolRefs    map[string]int // `failover peer "NAME";` statements in pools, by peer
}

// file parses the statements of one file until its end.
func (p *confParser) file(l *conflex.Lexer, sc *scope) *Error {
	for {
		t := l.Next()
		switch {
		case t.Kind == conflex.EOF:
			return l.Err() // nil, or an unterminated string
		case t.IsPunct('}'):
			return l.Errorf(t, "unexpected '}'")
		}
		if err := p.statement(l, t, sc); err != nil {
			return err
		}
	}
}

// body parses the statements of a block whose '{' (open) was read, up to
// and including its '}'.
func (p *confParser) body(l *conflex.Lexer, open conflex.Token, sc *scope) *Error {
	for {
		t := l.Next()
		switch {
		case t.Kind == conflex.EOF:
			return unclosed(l, open, t)
		case t.IsPunct('}'):
			return nil
		}
		if err := p.statement(l, t, sc); err != nil {
			return err
		}
	}
}

// statement parses one statement whose first token t was read.
func (p *confParser) statement(l *conflex.Lexer, t conflex.Token, sc *scope) *Error {
	if sc.kind == scopePool && !sc.included {
		// The pool's own loop (confpars.c:1774-1861) comes first.
		switch {
		case t.Is("failover"):
			return p.poolFailover(l, t, sc.pool)
		case t.Is("no"):
			return p.noFailover(l, t, sc.pool)
		case t.Is("range"):
			return p.rangeStatement(l, t, sc)
		case t.Is("allow") || t.Is("deny"):
			return p.permit(l, t, sc.pool)
		}
	}
	switch {
	case t.IsPunct(';'):
		return nil // dhcpd refuses an empty statement; it means nothing
	case t.IsPunct('{'):
		return l.Errorf(t, "unexpected '{': expected a parameter or declaration")
	case t.Is("include"):
		return p.include(l, t, sc, false)
	case t.Is("key"):
		return p.key(l, t)
	case t.Is("omapi-port"):
		return p.omapiPort(l, t, sc)
	case t.Is("omapi-key"):
		return p.omapiKey(l, t, sc)
	case t.Is("failover"):
		return p.failover(l, t, sc)
	case t.Is("shared-network"):
		return p.sharedNetwork(l, t, sc)
	case t.Is("subnet"):
		return p.subnet(l, t, sc)
	case t.Is("group"):
		return p.group(l, t, sc)
	case t.Is("pool"):
		return p.pool(l, t, sc)
	case t.Is("range"):
		if sc.kind != scopeSubnet {
			return l.Errorf(t, "range declaration not allowed here (only in a subnet or pool)")
		}
		return p.rangeStatement(l, t, sc)
	case isDeclarationWithoutStatement(t):
		// Declarations and settings that add nothing to the scope's
		// statement list, so a pool with them can still be merged.
		return p.skipStatement(l, t)
	}
	// Anything else (options, parameters, conditionals, on, ...) is
	// skipped. In a pool it is a statement of the pool's own, and dhcpd
	// merges only pools without any (confpars.c:1863-1866).
	if sc.kind == scopePool {
		sc.pool.statements = true
	}
	return p.skipStatement(l, t)
}

// isDeclarationWithoutStatement reports whether a statement starting with t
// leaves its scope's statement list alone in dhcpd: declarations of their
// own (host, class, ...; parse_statement's cases that return without
// reaching insert_statement), group flags (authoritative), and the
// executable statements that return no statement (zone, db-time-format;
// parse.c:2119-2142, 2666-2712). v6 declarations, which dhcpd -4 refuses,
// are skipped here too.
func isDeclarationWithoutStatement(t conflex.Token) bool {
	if t.Kind != conflex.Word {
		return t.IsPunct('%') // "used by the MA": skipped (confpars.c:818-821)
	}
	for _, kw := range [...]string{
		"host", "class", "subclass", "vendor-class", "user-class",
		"authoritative", "not", "zone", "db-time-format", "server-duid", "lease-id-format",
		"subnet6", "pool6", "range6", "prefix6", "fixed-prefix6",
	} {
		if t.Is(kw) {
			return true
		}
	}
	return false
}

// omapiPort reads `omapi-port N;`. Only the top level's sets dhcpd's
// listener (server/dhcpd.c:1176-1186); elsewhere it is an ordinary option.
func (p *confParser) omapiPort(l *conflex.Lexer, t conflex.Token, sc *scope) *Error {
	v, err := readUint16(l, "omapi-port")
	if err != nil {
		return err
	}
	if err := expectSemi(l, "omapi-port"); err != nil {
		return err
	}
	p.topLevelOption(sc, func() { p.cfg.OMAPIPort = v })
	return nil
}

// omapiKey reads `omapi-key NAME;` (parse.c:5062-5082: a string or a
// dotted name).
func (p *confParser) omapiKey(l *conflex.Lexer, t conflex.Token, sc *scope) *Error {
	name, err := readName(l, "omapi-key")
	if err != nil {
		return err
	}
	if err := expectSemi(l, "omapi-key"); err != nil {
		return err
	}
	p.topLevelOption(sc, func() { p.cfg.OMAPIKey = name; p.omapiKeyPos = Position{File: l.File(), Line: t.Line} })
	return nil
}

// topLevelOption applies a global option found in scope sc: at the top
// level it takes effect (a later one supersedes), in a pool it is a
// statement of the pool's own, elsewhere it is scoped and ignored.
func (p *confParser) topLevelOption(sc *scope, apply func()) {
	switch sc.kind {
	case scopeTop:
		apply()
	case scopePool:
		sc.pool.statements = true
	}
}
