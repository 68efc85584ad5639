package collector

// ScrapeTimeout exports scrapeTimeout to the black-box tests.
var ScrapeTimeout = scrapeTimeout
