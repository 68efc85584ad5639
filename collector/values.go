package collector

import "time"

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// unixSeconds is a timestamp metric's value; the zero Time (unset) is 0.
func unixSeconds(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.Unix())
}
