package dashboards_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dhcpd-exporter/dhcpd_exporter/dashboards"
	"github.com/dhcpd-exporter/dhcpd_exporter/internal/promqlcheck"
)

// Every dashboard is importable as it is: parseable JSON with a stable uid,
// a datasource variable used by every panel and query (no literal
// datasource UIDs), job and instance variables from dhcpd_up, unique panel
// ids, and a title and unit on every panel.
func TestDashboardStructure(t *testing.T) {
	if len(dashboards.Files()) < 2 {
		t.Fatalf("dashboards: %v", dashboards.Files())
	}
	uids := map[string]bool{}
	for _, f := range dashboards.Files() {
		t.Run(f, func(t *testing.T) {
			d, err := dashboards.Parse(f)
			if err != nil {
				t.Fatal(err)
			}
			if d.UID == "" || d.Title == "" || d.SchemaVersion < 30 || uids[d.UID] {
				t.Errorf("uid %q title %q schemaVersion %d", d.UID, d.Title, d.SchemaVersion)
			}
			uids[d.UID] = true
			vars := map[string]dashboards.Variable{}
			for _, v := range d.Templating.List {
				vars[v.Name] = v
				if v.Type == "query" && (v.Datasource == nil || v.Datasource.UID != "${datasource}") {
					t.Errorf("variable %s: datasource %+v", v.Name, v.Datasource)
				}
			}
			if ds, ok := vars["datasource"]; !ok || ds.Type != "datasource" || !strings.Contains(string(ds.Query), "prometheus") {
				t.Errorf("no prometheus datasource variable: %+v", ds)
			}
			for _, name := range []string{"job", "instance"} {
				if v, ok := vars[name]; !ok || !strings.Contains(v.Definition, "dhcpd_up") {
					t.Errorf("variable %s must come from dhcpd_up: %+v", name, v)
				}
			}
			ids := map[int]bool{}
			for _, p := range d.Panels {
				if ids[p.ID] || p.ID == 0 {
					t.Errorf("panel %q: id %d duplicated or missing", p.Title, p.ID)
				}
				ids[p.ID] = true
				if p.Title == "" || p.FieldConfig.Defaults.Unit == "" {
					t.Errorf("panel %d: title %q unit %q", p.ID, p.Title, p.FieldConfig.Defaults.Unit)
				}
				if p.Datasource == nil || p.Datasource.UID != "${datasource}" {
					t.Errorf("panel %q: datasource %+v, want ${datasource}", p.Title, p.Datasource)
				}
				if len(p.Targets) == 0 {
					t.Errorf("panel %q has no query", p.Title)
				}
				for _, tg := range p.Targets {
					if tg.Datasource == nil || tg.Datasource.UID != "${datasource}" || tg.Expr == "" {
						t.Errorf("panel %q target %s: datasource %+v expr %q", p.Title, tg.RefID, tg.Datasource, tg.Expr)
					}
				}
			}
			// No literal datasource UID anywhere in the file.
			raw, _ := dashboards.Read(f)
			var doc map[string]any
			if err := json.Unmarshal(raw, &doc); err != nil {
				t.Fatal(err)
			}
			checkNoLiteralUIDs(t, doc, "")
		})
	}
}

func checkNoLiteralUIDs(t *testing.T, v any, path string) {
	switch x := v.(type) {
	case map[string]any:
		if ds, ok := x["datasource"].(map[string]any); ok {
			if uid, _ := ds["uid"].(string); uid != "${datasource}" {
				t.Errorf("%s: datasource uid %q", path, uid)
			}
		}
		for k, c := range x {
			checkNoLiteralUIDs(t, c, path+"/"+k)
		}
	case []any:
		for _, c := range x {
			checkNoLiteralUIDs(t, c, path+"/[]")
		}
	}
}

// Every PromQL expression parses with Prometheus' parser, and every metric
// it uses is one the exporter exports (checked against the collectors'
// descriptions, so a rename breaks this test).
func TestDashboardQueriesParseAndUseExportedMetrics(t *testing.T) {
	queries, err := dashboards.Queries()
	if err != nil {
		t.Fatal(err)
	}
	var exprs []promqlcheck.Expr
	for _, q := range queries {
		exprs = append(exprs, promqlcheck.Expr{Source: q.String(), Expr: dashboards.Expand(q.Expr)})
	}
	for _, f := range dashboards.Files() {
		d, _ := dashboards.Parse(f)
		for _, v := range d.Templating.List {
			if v.Type != "query" {
				continue
			}
			// label_values(SELECTOR, label): the selector is PromQL.
			def := strings.TrimSuffix(strings.TrimPrefix(v.Definition, "label_values("), ")")
			sel := def[:strings.LastIndex(def, ",")]
			exprs = append(exprs, promqlcheck.Expr{Source: f + ": variable " + v.Name, Expr: dashboards.Expand(sel)})
		}
	}
	exported := promqlcheck.ExporterMetricNames(t)
	used := map[string]bool{}
	for _, r := range promqlcheck.Parse(t, exprs) {
		if r.Error != "" {
			t.Errorf("%s: %s", r.Source, r.Error)
		}
		if len(r.Metrics) == 0 {
			t.Errorf("%s: uses no metric", r.Source)
		}
		for _, m := range r.Metrics {
			used[m] = true
			if !promqlcheck.Known(m, exported, nil) {
				t.Errorf("%s: metric %s is not exported by dhcpd_exporter", r.Source, m)
			}
		}
	}
	t.Logf("%d expressions use %d metrics", len(exprs), len(used))
}
