// Command promqlcheck parses PromQL expressions with Prometheus' own parser
// and lists the metric names each one selects. It reads a JSON array of
// {"source": "...", "expr": "..."} on stdin and writes a JSON array of
// {"source", "error", "metrics"}. It lives in this separate module so that
// the Prometheus server's module graph stays out of the exporter's.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

type input struct {
	Source string `json:"source"`
	Expr   string `json:"expr"`
}

type output struct {
	Source  string   `json:"source"`
	Error   string   `json:"error,omitempty"`
	Metrics []string `json:"metrics"`
}

func main() {
	var in []input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fmt.Fprintln(os.Stderr, "promqlcheck:", err)
		os.Exit(2)
	}
	p := parser.NewParser(parser.Options{})
	out := make([]output, 0, len(in))
	for _, e := range in {
		o := output{Source: e.Source, Metrics: []string{}}
		expr, err := p.ParseExpr(e.Expr)
		if err != nil {
			o.Error = err.Error()
			out = append(out, o)
			continue
		}
		seen := map[string]bool{}
		parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
			vs, ok := n.(*parser.VectorSelector)
			if !ok {
				return nil
			}
			name := vs.Name
			for _, m := range vs.LabelMatchers {
				if m.Name == model.MetricNameLabel && m.Type == labels.MatchEqual {
					name = m.Value
				}
			}
			if name == "" {
				o.Error = "selector without a metric name: " + vs.String()
			}
			seen[name] = true
			return nil
		})
		for n := range seen {
			if n != "" {
				o.Metrics = append(o.Metrics, n)
			}
		}
		sort.Strings(o.Metrics)
		out = append(out, o)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, "promqlcheck:", err)
		os.Exit(1)
	}
}
