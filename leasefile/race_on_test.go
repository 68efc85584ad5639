//go:build race

package leasefile

// raceDetector tells tests that the race detector slows everything down.
const raceDetector = true
