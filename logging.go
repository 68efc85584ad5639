package main

import (
	"log/slog"
	"os"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/common/promslog"
	sloggokit "github.com/tjhop/slog-gokit"
)

// newLoggers builds the project's go-kit logger from the standard
// --log.level/--log.format flags, and the *slog.Logger exporter-toolkit wants,
// bridged onto the same go-kit output so there is one stream and one level.
func newLoggers(cfg *promslog.Config) (log.Logger, *slog.Logger) {
	var base log.Logger
	if cfg.Format != nil && cfg.Format.String() == "json" {
		base = log.NewJSONLogger(log.NewSyncWriter(os.Stderr))
	} else {
		base = log.NewLogfmtLogger(log.NewSyncWriter(os.Stderr))
	}
	lvl := "info"
	if cfg.Level != nil {
		lvl = cfg.Level.String()
	}
	filtered := level.NewFilter(base, level.Allow(level.ParseDefault(lvl, level.InfoValue())))
	// The bridge adds its own time and caller: hand it the logger before ours are added.
	bridge := slog.New(sloggokit.NewGoKitHandler(filtered, cfg.Level))
	logger := log.With(filtered, "time", log.DefaultTimestampUTC, "caller", log.DefaultCaller)
	return logger, bridge
}
