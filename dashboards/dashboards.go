// Package dashboards holds the Grafana dashboards (JSON, importable as they
// are) and lets tests read their queries. The exporter does not import it.
package dashboards

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed *.json
var files embed.FS

// Files lists the dashboard files.
func Files() []string {
	names, _ := fs.Glob(files, "*.json")
	sort.Strings(names)
	return names
}

// Read returns a dashboard's JSON.
func Read(name string) ([]byte, error) { return files.ReadFile(name) }

// Query is one PromQL expression of a dashboard: a panel target or a
// template variable's query.
type Query struct {
	File, Panel, RefID string
	Unit               string
	Expr               string // as written, with Grafana variables
}

func (q Query) String() string { return fmt.Sprintf("%s: %s %s", q.File, q.Panel, q.RefID) }

// Queries returns every panel target of every dashboard.
func Queries() ([]Query, error) {
	var out []Query
	for _, f := range Files() {
		d, err := Parse(f)
		if err != nil {
			return nil, err
		}
		for _, p := range d.Panels {
			for _, t := range p.Targets {
				out = append(out, Query{File: f, Panel: p.Title, RefID: t.RefID, Unit: p.FieldConfig.Defaults.Unit, Expr: t.Expr})
			}
		}
	}
	return out, nil
}

// Dashboard is the part of Grafana's dashboard model the tests check.
type Dashboard struct {
	UID           string  `json:"uid"`
	Title         string  `json:"title"`
	SchemaVersion int     `json:"schemaVersion"`
	Panels        []Panel `json:"panels"`
	Templating    struct {
		List []Variable `json:"list"`
	} `json:"templating"`
}

// Panel is a dashboard panel.
type Panel struct {
	ID          int            `json:"id"`
	Type        string         `json:"type"`
	Title       string         `json:"title"`
	Datasource  *DatasourceRef `json:"datasource"`
	FieldConfig struct {
		Defaults struct {
			Unit string `json:"unit"`
		} `json:"defaults"`
	} `json:"fieldConfig"`
	Targets []Target `json:"targets"`
}

// Target is a panel query.
type Target struct {
	RefID      string         `json:"refId"`
	Expr       string         `json:"expr"`
	Datasource *DatasourceRef `json:"datasource"`
}

// DatasourceRef names a data source.
type DatasourceRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// Variable is a template variable.
type Variable struct {
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Query      json.RawMessage `json:"query"`
	Definition string          `json:"definition"`
	Datasource *DatasourceRef  `json:"datasource"`
}

// Parse reads one dashboard.
func Parse(name string) (*Dashboard, error) {
	b, err := files.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var d Dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &d, nil
}

// Expand replaces Grafana's variables so an expression can be parsed or
// run: template variables match everything, and the interval macros get
// values suited to a short test.
func Expand(expr string) string {
	return strings.NewReplacer(
		"$__rate_interval", "1m",
		"$__interval", "15s",
		"$__range", "5m",
		"$job", ".+",
		"$instance", ".+",
		"$shared_network", ".+",
		"$pool", ".+",
	).Replace(expr)
}
