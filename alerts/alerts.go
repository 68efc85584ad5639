// Package alerts holds the Prometheus rule files and lets tests read them.
// The exporter does not import it.
package alerts

import (
	"embed"
	"fmt"

	"gopkg.in/yaml.v3"
)

//go:embed dhcpd.rules.yml
var rules []byte

// RulesFile is the name of the rule file in this directory.
const RulesFile = "dhcpd.rules.yml"

// Rule is an alerting or recording rule.
type Rule struct {
	Alert       string            `yaml:"alert"`
	Record      string            `yaml:"record"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

// Name is the alert or the recorded series.
func (r Rule) Name() string {
	if r.Alert != "" {
		return r.Alert
	}
	return r.Record
}

// Rules returns every rule of the rule file.
func Rules() ([]Rule, error) {
	var f struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []Rule `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(rules, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", RulesFile, err)
	}
	var out []Rule
	for _, g := range f.Groups {
		out = append(out, g.Rules...)
	}
	return out, nil
}

// Raw is the rule file's content.
func Raw() []byte { return rules }

var _ embed.FS
