package dhcpdconf

import (
	"path/filepath"
	"slices"
	"strings"

	"github.com/dhcpd-exporter/dhcpd_exporter/internal/conflex"
)

// include reads `include "path";` and parses that file in the current scope,
// as dhcpd does (confpars.c:379-391 calls read_conf_file with the current
// group and declaration type). The path is opened relative to dhcpd's working
// directory, Options.WorkDir, not to the including file.
//
// skipping is set for an include inside a block the parser skips (a host,
// class, if, ...): the file's statements are skipped as well, but it is
// still read, for its key declarations and to be listed in Config.Files.
func (p *confParser) include(l *conflex.Lexer, t conflex.Token, sc *scope, skipping bool) *Error {
	name := l.Next()
	if name.Kind != conflex.String {
		return l.Errorf(name, "include: expected a quoted file name, found %s", name.Describe())
	}
	if err := expectSemi(l, "include"); err != nil {
		return err
	}
	path := string(conflex.Unquote(name.Text))
	if !filepath.IsAbs(path) {
		path = filepath.Join(p.opts.WorkDir, path)
	}
	key := includeKey(path)
	if slices.Contains(p.including, key) {
		return l.Errorf(t, "include loop: %s includes itself (through %s)", path, strings.Join(p.including, " -> "))
	}
	data, err := p.opts.readFile(path)
	if err != nil {
		return l.Errorf(t, "include: %v", err)
	}
	if !slices.Contains(p.cfg.Files, path) {
		p.cfg.Files = append(p.cfg.Files, path)
	}
	p.including = append(p.including, key)
	defer func() { p.including = p.including[:len(p.including)-1] }()

	inc := conflex.NewLexer(path, data)
	switch {
	case skipping:
		return p.skipFile(inc)
	case sc.kind == scopePool:
		inner := *sc
		inner.included = true
		return p.file(inc, &inner)
	default:
		return p.file(inc, sc)
	}
}
