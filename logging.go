package main

import (
	"io"
	"log/slog"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/common/promslog"
	sloggokit "github.com/tjhop/slog-gokit"
)

// newLoggersTo builds the project's go-kit logger from the standard
// --log.level/--log.format flags, writing to w, and the *slog.Logger
// exporter-toolkit wants, bridged onto the same go-kit output so there is one
// stream, one level and one format: keys in the order level, caller, time,
// msg, times in UTC.
func newLoggersTo(w io.Writer, cfg *promslog.Config) (log.Logger, *slog.Logger) {
	var base log.Logger
	if cfg.Format != nil && cfg.Format.String() == "json" {
		base = log.NewJSONLogger(log.NewSyncWriter(w))
	} else {
		base = log.NewLogfmtLogger(log.NewSyncWriter(w))
	}
	lvl := "info"
	if cfg.Level != nil {
		lvl = cfg.Level.String()
	}
	filtered := level.NewFilter(base, level.Allow(level.ParseDefault(lvl, level.InfoValue())))
	// The bridge writes level, caller, time, msg, with the record's local
	// time: hand it the logger before ours add caller and time, and put
	// its times in UTC as ours are.
	utc := log.LoggerFunc(func(keyvals ...any) error {
		for i := 1; i < len(keyvals); i += 2 {
			if t, ok := keyvals[i].(time.Time); ok {
				keyvals[i] = t.UTC()
			}
		}
		return filtered.Log(keyvals...)
	})
	bridge := slog.New(sloggokit.NewGoKitHandler(utc, cfg.Level))
	logger := log.With(filtered, "caller", log.DefaultCaller, "time", log.DefaultTimestampUTC)
	return logger, bridge
}
