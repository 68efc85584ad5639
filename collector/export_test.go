package collector

// ScrapeTimeout exports scrapeTimeout to the black-box tests.
var ScrapeTimeout = scrapeTimeout

// AcceptsGzip exports acceptsGzip to the black-box tests.
var AcceptsGzip = acceptsGzip
