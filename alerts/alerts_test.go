package alerts_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/dhcpd-exporter/dhcpd_exporter/alerts"
	"github.com/dhcpd-exporter/dhcpd_exporter/internal/promqlcheck"
	"github.com/dhcpd-exporter/dhcpd_exporter/internal/testlab"
)

func promtool(t *testing.T, args ...string) {
	t.Helper()
	testlab.RequireCommand(t, "prometheus", "promtool")
	out, err := exec.Command("promtool", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	t.Logf("promtool %s:\n%s", strings.Join(args, " "), out)
}

func TestPromtoolCheckRules(t *testing.T) { promtool(t, "check", "rules", alerts.RulesFile) }

// The unit tests exercise every alert with the real thresholds and `for:`.
func TestPromtoolTestRules(t *testing.T) { promtool(t, "test", "rules", "dhcpd.rules_test.yml") }

// Every alert promises a severity and the three annotations operators need.
func TestAlertsHaveSeverityAndAnnotations(t *testing.T) {
	rules, err := alerts.Rules()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		if r.Alert == "" {
			if !strings.Contains(r.Record, ":") {
				t.Errorf("recording rule %s: name without the level:metric:operations colons", r.Record)
			}
			continue
		}
		if s := r.Labels["severity"]; s != "warning" && s != "critical" {
			t.Errorf("%s: severity %q", r.Alert, s)
		}
		for _, a := range []string{"summary", "description", "runbook"} {
			if len(strings.TrimSpace(r.Annotations[a])) < 20 {
				t.Errorf("%s: annotation %s missing or too short", r.Alert, a)
			}
		}
	}
}

// Every alert has a unit test in which it fires and one in which it stays
// silent.
func TestEveryAlertIsUnitTested(t *testing.T) {
	rules, _ := alerts.Rules()
	raw, err := os.ReadFile("dhcpd.rules_test.yml")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Tests []struct {
			AlertRuleTest []struct {
				Alertname string           `yaml:"alertname"`
				ExpAlerts []map[string]any `yaml:"exp_alerts"`
			} `yaml:"alert_rule_test"`
		} `yaml:"tests"`
	}
	if err := yaml.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	fires, silent := map[string]bool{}, map[string]bool{}
	for _, tc := range f.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				fires[a.Alertname] = true
			} else {
				silent[a.Alertname] = true
			}
		}
	}
	for _, r := range rules {
		if r.Alert != "" && (!fires[r.Alert] || !silent[r.Alert]) {
			t.Errorf("%s: tested firing %v, silent %v", r.Alert, fires[r.Alert], silent[r.Alert])
		}
	}
}

// Every expression parses, and every metric it reads is exported by the
// exporter or recorded by these rules.
func TestRuleExpressionsUseExportedMetrics(t *testing.T) {
	rules, _ := alerts.Rules()
	recorded := map[string]bool{}
	var exprs []promqlcheck.Expr
	for _, r := range rules {
		if r.Record != "" {
			recorded[r.Record] = true
		}
		exprs = append(exprs, promqlcheck.Expr{Source: r.Name(), Expr: r.Expr})
	}
	exported := promqlcheck.ExporterMetricNames(t)
	for _, res := range promqlcheck.Parse(t, exprs) {
		if res.Error != "" {
			t.Errorf("%s: %s", res.Source, res.Error)
		}
		for _, m := range res.Metrics {
			if !promqlcheck.Known(m, exported, recorded) {
				t.Errorf("%s: metric %s is not exported by dhcpd_exporter nor recorded", res.Source, m)
			}
		}
	}
}
