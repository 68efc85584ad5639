package leasefile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// LeaseFile follows dhcpd.leases across scrapes. dhcpd only appends to the
// file, and now and then rewrites it whole under a new inode (server/db.c
// new_lease_file), so Update reads only the bytes appended since the last
// call, and starts over when the path names a new file, the file shrank, or
// the bytes before the point reached last time changed (the file was
// rewritten in place, as `cp` or copytruncate do, and grew past that point
// again).
//
// The file is streamed through fixed buffers, never read whole: a 400 MB
// file costs a few megabytes of lease state, not its size. A full read of a
// large file is split across CPUs at record boundaries.
type LeaseFile struct {
	Path string
	// Workers bounds the parallel full parse; 0 means GOMAXPROCS (at most 4).
	Workers int

	db     *LeaseDB
	dev    uint64
	ino    uint64
	offset int64  // bytes consumed: complete records only
	line   int    // line number at offset
	tail   []byte // the bytes just before offset, to notice a rewrite in place

	records   uint64 // records read since the last full parse
	malformed uint64 // malformed records, ever (a counter)
	lastErr   error  // the last malformed record's error
	fullAt    time.Time
}

// NewLeaseFile follows the lease file at path; nothing is read until Update.
func NewLeaseFile(path string) *LeaseFile {
	return &LeaseFile{Path: path}
}

// UpdateResult says what one Update did.
type UpdateResult struct {
	FullParse bool          // the file was read from the start
	BytesRead int64         // bytes read in this update
	Records   int           // complete records applied in this update
	Malformed int           // malformed records skipped in this update
	Duration  time.Duration // time spent
	Size      int64         // file size
	ModTime   time.Time
}

// LeaseFileStats describes the followed file.
type LeaseFileStats struct {
	Records       uint64 // records read since the last full parse
	Malformed     uint64 // malformed records seen since the LeaseFile was created
	LastMalformed error  // the most recent malformed record's error, with file:line
	LastFullParse time.Time
	Offset        int64 // bytes consumed (a truncated last record is not)
}

// Stats returns counters about the file.
func (f *LeaseFile) Stats() LeaseFileStats {
	return LeaseFileStats{Records: f.records, Malformed: f.malformed, LastMalformed: f.lastErr, LastFullParse: f.fullAt, Offset: f.offset}
}

// DB is the current lease state; valid until the next Update.
func (f *LeaseFile) DB() *LeaseDB { return f.db }

const (
	readChunk = 1 << 20
)

// parallelMin is the smallest full parse worth splitting (a variable for tests).
var parallelMin int64 = 32 << 20

// Update brings the state up to date with the file. It reads nothing when
// the file has not changed. now stamps a full parse (LastFullParse); what
// is read does not depend on it: states are worked out when counted.
func (f *LeaseFile) Update(now time.Time) (UpdateResult, error) {
	begin := time.Now()
	file, err := os.Open(f.Path)
	if err != nil {
		return UpdateResult{}, err
	}
	defer file.Close()
	fi, err := file.Stat()
	if err != nil {
		return UpdateResult{}, err
	}
	res := UpdateResult{Size: fi.Size(), ModTime: fi.ModTime()}
	var dev, ino uint64
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		dev, ino = uint64(st.Dev), st.Ino
	}
	if f.db == nil || dev != f.dev || ino != f.ino || fi.Size() < f.offset || !f.tailUnchanged(file) {
		// First read, dhcpd's periodic rewrite (a new file renamed over the
		// path), or a truncation or rewrite in place: start over.
		f.db, f.dev, f.ino, f.offset, f.line, f.records = NewLeaseDB(), dev, ino, 0, 1, 0
		f.fullAt, res.FullParse = now, true
	}
	part := span{consumed: f.offset, line: f.line} // nothing new to read
	if res.FullParse && fi.Size() >= parallelMin {
		part, err = f.parseParallel(file, fi.Size())
	} else if fi.Size() > f.offset {
		part, err = parseSpan(file, f.Path, f.offset, fi.Size(), f.line, f.db)
	}
	if err != nil {
		return res, err
	}
	f.offset, f.line = part.consumed, part.line
	if f.tail, err = readTail(file, f.offset); err != nil {
		return res, err
	}
	if part.lastErr != nil {
		f.lastErr = part.lastErr
	}
	res.BytesRead, res.Records, res.Malformed = part.read, part.records, part.malformed
	f.records += uint64(part.records)
	f.malformed += uint64(part.malformed)
	res.Duration = time.Since(begin)
	return res, nil
}

// tailLen is how many bytes before the offset are compared on each Update:
// enough to cover the end of the last record read, which in a rewritten
// file is almost never the same bytes at the same place.
const tailLen = 64

// readTail reads the tailLen bytes (or fewer, at the start) before offset.
func readTail(file *os.File, offset int64) ([]byte, error) {
	n := min(offset, tailLen)
	b := make([]byte, n)
	if _, err := file.ReadAt(b, offset-n); err != nil {
		return nil, fmt.Errorf("read %s: %w", file.Name(), err)
	}
	return b, nil
}

// tailUnchanged reports whether the bytes before the offset are still the
// ones read last time. One small read per scrape.
func (f *LeaseFile) tailUnchanged(file *os.File) bool {
	b, err := readTail(file, f.offset)
	return err == nil && bytes.Equal(b, f.tail)
}

// span is the outcome of parsing a byte range of the file.
type span struct {
	consumed           int64 // absolute offset after the last complete record
	line               int   // line number there
	read               int64
	records, malformed int
	lastErr            *Error
}

// parseSpan applies the complete records in [start, end) to db, streaming
// through a buffer. A record cut by end is left for later (it is dhcpd's
// unfinished write at the end of the file).
func parseSpan(file *os.File, name string, start, end int64, line int, db *LeaseDB) (span, error) {
	s := span{consumed: start, line: line}
	p := &leaseParser{db: db}
	buf := make([]byte, 0, readChunk)
	lex := NewLexer(name, nil)
	pending := 0 // bytes at the front of buf not yet consumed
	pos := start // file offset of the next read
	for {
		if pending == cap(buf) {
			// One record larger than the buffer: grow it.
			nb := make([]byte, pending, 2*cap(buf))
			copy(nb, buf[:pending])
			buf = nb
		}
		want := min(int64(cap(buf)-pending), end-pos)
		n, rerr := file.ReadAt(buf[pending:pending+int(want)], pos)
		pos += int64(n)
		s.read += int64(n)
		data := buf[:pending+n]
		lex.Reset(data, s.line)
		consumed := 0
	records:
		for {
			switch p.record(lex) {
			case recordDone:
				s.records++
			case recordMalformed:
				s.malformed++
				s.lastErr = p.err
			case recordEnd:
				// Only blank lines and comments are left: consume them up to
				// the last newline. A trailing partial line stays: it may be
				// the start of a comment whose end is not written yet.
				if nl := bytes.LastIndexByte(data[consumed:], '\n'); nl >= 0 {
					s.line += bytes.Count(data[consumed:consumed+nl+1], []byte{'\n'})
					consumed += nl + 1
				}
				break records
			case recordIncomplete:
				break records
			}
			consumed, s.line = lex.Offset(), lex.Line()
		}
		s.consumed += int64(consumed)
		pending = copy(buf[:cap(buf)], data[consumed:])
		if pos >= end || n == 0 {
			if rerr != nil && !errors.Is(rerr, io.EOF) {
				return s, fmt.Errorf("read %s: %w", name, rerr)
			}
			return s, nil
		}
	}
}

// recordStart is where a lease record starts in dhcpd's output: at the
// beginning of a line after a record's closing brace.
var recordStart = []byte("}\nlease ")

// parseParallel reads the whole file with several workers, each on a slice
// starting at a record boundary, and merges their states in file order (a
// later record wins). If a slice does not end exactly where the next one
// starts — the boundary guess fell inside something unusual — it falls back
// to one sequential pass.
func (f *LeaseFile) parseParallel(file *os.File, size int64) (span, error) {
	workers := f.Workers
	if workers <= 0 {
		workers = min(runtime.GOMAXPROCS(0), 4)
	}
	starts := []int64{0}
	for k := 1; k < workers; k++ {
		b, err := boundaryAfter(file, size*int64(k)/int64(workers), size)
		if err != nil {
			return span{}, err
		}
		if b > starts[len(starts)-1] && b < size {
			starts = append(starts, b)
		}
	}
	if len(starts) == 1 {
		return parseSpan(file, f.Path, 0, size, 1, f.db)
	}
	ends := append(starts[1:], size)
	spans := make([]span, len(starts))
	dbs := make([]*LeaseDB, len(starts))
	errs := make([]error, len(starts))
	var wg sync.WaitGroup
	for k := range starts {
		dbs[k] = NewLeaseDB()
		wg.Add(1)
		go func() {
			defer wg.Done()
			spans[k], errs[k] = parseSpan(file, f.Path, starts[k], ends[k], 1, dbs[k])
		}()
	}
	wg.Wait()
	for k := range starts {
		if errs[k] != nil {
			return span{}, errs[k]
		}
		if k < len(starts)-1 && spans[k].consumed != ends[k] {
			f.db = NewLeaseDB()
			return parseSpan(file, f.Path, 0, size, 1, f.db)
		}
	}
	// Merge in file order; line numbers of later slices continue the earlier ones.
	total := span{line: 1}
	for k, s := range spans {
		f.db.merge(dbs[k])
		if s.lastErr != nil {
			e := *s.lastErr
			e.Pos.Line += total.line - 1
			total.lastErr = &e
		}
		total.line += s.line - 1
		total.read += s.read
		total.records += s.records
		total.malformed += s.malformed
		total.consumed = s.consumed
	}
	return total, nil
}

// boundaryAfter finds the first record start at or after off.
func boundaryAfter(file *os.File, off, size int64) (int64, error) {
	buf := make([]byte, 64<<10)
	for off < size {
		n, err := file.ReadAt(buf, off)
		if i := bytes.Index(buf[:n], recordStart); i >= 0 {
			return off + int64(i) + 2, nil // after "}\n"
		}
		if err != nil || n < len(recordStart) {
			return size, nil
		}
		off += int64(n - len(recordStart))
	}
	return size, nil
}
