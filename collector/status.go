package collector

import (
	"sort"
	"sync"
	"time"
)

// CollectorStatus is how a collector did in the last scrape that ran it,
// for the landing page and --check: what an operator asks first when a
// dashboard goes blank.
type CollectorStatus struct {
	Name     string
	Success  bool
	Err      error // nil on success
	At       time.Time
	Duration time.Duration
}

// Status is the exporter's state after its last scrape.
type Status struct {
	// OMAPIUsed is false when no enabled collector talks to dhcpd.
	OMAPIUsed bool
	// OMAPIAddress is where dhcpd was looked for in the last scrape ("" when
	// that is unknown), and OMAPIErr why it did not answer (nil when it did).
	OMAPIAddress string
	OMAPIErr     error
	// Scraped is false until the first scrape.
	Scraped    bool
	LastScrape time.Time
	Collectors []CollectorStatus // sorted by name
}

// statusBook keeps the last outcome of each collector; scrapes run
// concurrently, so it is locked.
type statusBook struct {
	mu           sync.Mutex
	omapiAddress string
	omapiErr     error
	lastScrape   time.Time
	collectors   map[string]CollectorStatus
}

func (b *statusBook) setOMAPI(address string, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.omapiAddress, b.omapiErr = address, err
}

func (b *statusBook) record(name string, begin time.Time, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.collectors == nil {
		b.collectors = map[string]CollectorStatus{}
	}
	b.collectors[name] = CollectorStatus{Name: name, Success: err == nil, Err: err, At: begin, Duration: time.Since(begin)}
	if begin.After(b.lastScrape) {
		b.lastScrape = begin
	}
}

// Status reports how the last scrape went, collector by collector.
func (e *Exporter) Status() Status {
	b := &e.status
	b.mu.Lock()
	defer b.mu.Unlock()
	s := Status{
		OMAPIUsed:    e.usesOMAPI,
		OMAPIAddress: b.omapiAddress,
		OMAPIErr:     b.omapiErr,
		Scraped:      !b.lastScrape.IsZero(),
		LastScrape:   b.lastScrape,
	}
	for _, c := range b.collectors {
		s.Collectors = append(s.Collectors, c)
	}
	sort.Slice(s.Collectors, func(i, j int) bool { return s.Collectors[i].Name < s.Collectors[j].Name })
	return s
}

// EnabledCollectors lists the collectors this exporter runs, sorted.
func (e *Exporter) EnabledCollectors() []string {
	names := make([]string, 0, len(e.collectors))
	for n := range e.collectors {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ErrOMAPIDown is the error of an OMAPI collector that did not run because
// dhcpd did not answer (Status.OMAPIErr says why).
var ErrOMAPIDown = errOMAPIDown
