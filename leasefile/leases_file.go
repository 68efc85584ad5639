package leasefile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/dhcpd-exporter/dhcpd_exporter/internal/conflex"
)

// LeaseFile follows dhcpd.leases across scrapes. dhcpd only appends to the
// file, and now and then rewrites it whole under a new inode (server/db.c
// new_lease_file), so Update reads only the bytes appended since the last
// call, and starts over when the path names a new file, the file shrank, or
// the bytes before the point reached last time changed (the file was
// rewritten in place, as `cp` or copytruncate do, and grew past that point
// again).
//
// The file is streamed through a bounded buffer, never read whole: a 400 MB
// file costs a few megabytes of lease state, not its size, and a damaged
// file (a record cut off, garbage, a line without end) costs at most
// MaxRecordBytes more (leases_recover.go). A full read of a large file is
// split across CPUs at record boundaries.
//
// Update may be called from several goroutines. At most one read of the
// file is in flight: it runs on its own goroutine, and every caller waits
// for it only as long as its context allows (a hung NFS mount cannot hold a
// scrape past its deadline, nor pile up goroutines or descriptors).
type LeaseFile struct {
	Path string
	// Workers bounds the parallel full parse; 0 means GOMAXPROCS (at most 4).
	Workers int

	// For tests: how the file is opened, the read size, the record bound
	// and the size from which a full read is split (0: the defaults).
	open       func(path string) (leaseHandle, error)
	chunk      int
	maxRecord  int
	parallelAt int64

	mu        sync.Mutex
	inflight  *readOp       // the read in flight, if any
	unclaimed *UpdateResult // results of reads whose callers had all given up
	stats     LeaseFileStats

	dbMu sync.RWMutex // guards db and its contents
	db   *LeaseDB

	// Owned by the read in flight (one at a time).
	fresh     bool // no state yet, or the last full read failed
	dev, ino  uint64
	offset    int64  // bytes consumed: complete records only
	line      int    // line number at offset
	tail      []byte // the bytes just before offset, to notice a rewrite in place
	skipping  bool   // inside a malformed record too long to read, up to the next record start
	records   uint64 // records read since the last full parse
	malformed uint64 // malformed records, ever (a counter)
	bytesRead uint64 // bytes read, ever
	lastErr   error  // the last malformed record's error
	fullAt    time.Time
	buf       []byte // the read buffer, kept between updates
}

// NewLeaseFile follows the lease file at path; nothing is read until Update.
func NewLeaseFile(path string) *LeaseFile {
	return &LeaseFile{Path: path, fresh: true}
}

// UpdateResult says what one Update did. When earlier reads finished after
// their callers had given up, their counts are added in.
type UpdateResult struct {
	FullParse bool          // the file was read from the start
	BytesRead int64         // bytes read in this update
	Records   int           // complete records applied in this update
	Malformed int           // malformed records skipped in this update
	Duration  time.Duration // time spent reading
	Size      int64         // file size
	ModTime   time.Time
}

// add folds a later result into r.
func (r UpdateResult) add(later UpdateResult) UpdateResult {
	later.FullParse = later.FullParse || r.FullParse
	later.BytesRead += r.BytesRead
	later.Records += r.Records
	later.Malformed += r.Malformed
	later.Duration += r.Duration
	return later
}

// LeaseFileStats describes the followed file.
type LeaseFileStats struct {
	Records       uint64 // records read since the last full parse
	Malformed     uint64 // malformed records seen since the LeaseFile was created
	LastMalformed error  // the most recent malformed record's error, with file:line
	LastFullParse time.Time
	Offset        int64  // bytes consumed (a truncated last record is not)
	BytesRead     uint64 // bytes read since the LeaseFile was created
}

// Stats returns counters about the file, as the last finished read left them.
func (f *LeaseFile) Stats() LeaseFileStats {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stats
}

// DB is the current lease state. It may change under the caller if another
// Update runs meanwhile: concurrent users go through ReadDB.
func (f *LeaseFile) DB() *LeaseDB {
	f.dbMu.RLock()
	defer f.dbMu.RUnlock()
	return f.db
}

// ReadDB calls fn with the current lease state, which no read changes
// while fn runs (reads apply records between their reads of the file, so a
// hung read does not hold fn up). Before the first successful Update the
// state is empty.
func (f *LeaseFile) ReadDB(fn func(*LeaseDB)) {
	f.dbMu.RLock()
	defer f.dbMu.RUnlock()
	db := f.db
	if db == nil {
		db = newLeaseDB()
	}
	fn(db)
}

const (
	readChunk = 1 << 20
)

// parallelMin is the smallest full parse worth splitting (a variable for tests).
var parallelMin int64 = 32 << 20

// readOp is one read of the file, shared by the callers waiting for it.
type readOp struct {
	done    chan struct{} // closed, under LeaseFile.mu, when res and err are set
	waiters int           // callers still waiting (under LeaseFile.mu)
	carry   *UpdateResult // unclaimed results it takes over
	res     UpdateResult
	err     error
}

// Update brings the state up to date with the file. It reads nothing when
// the file has not changed. now stamps a full parse (LastFullParse; the now
// of the caller that started the read); what is read does not depend on it:
// states are worked out when counted.
//
// It returns when the read is done or ctx is done, whichever comes first.
// A read that outlives its callers goes on and keeps its result: the state
// it reached is the next read's starting point, and its counts are added to
// the next Update's result. Callers arriving while a read is in flight wait
// for that one.
//
// Only regular files are read: a FIFO, device or directory at the path is
// an error (it is opened without blocking, and never read).
func (f *LeaseFile) Update(ctx context.Context, now time.Time) (UpdateResult, error) {
	if err := ctx.Err(); err != nil {
		return UpdateResult{}, fmt.Errorf("read %s: %w", f.Path, err)
	}
	f.mu.Lock()
	op := f.inflight
	if op == nil {
		op = &readOp{done: make(chan struct{}), carry: f.unclaimed}
		f.unclaimed = nil
		f.inflight = op
		go f.run(op, now)
	}
	op.waiters++
	f.mu.Unlock()
	select {
	case <-op.done:
		return op.res, op.err
	case <-ctx.Done():
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	select {
	case <-op.done: // finished meanwhile, counting on this caller
		return op.res, op.err
	default:
	}
	op.waiters--
	return UpdateResult{}, fmt.Errorf("read %s: %w (the read goes on in the background)", f.Path, ctx.Err())
}

// run performs op and hands its result over.
func (f *LeaseFile) run(op *readOp, now time.Time) {
	res, err := f.read(now)
	f.mu.Lock()
	defer f.mu.Unlock()
	if err != nil {
		f.unclaimed = op.carry // nothing to add: keep the earlier counts
	} else if op.carry != nil {
		res = op.carry.add(res)
	}
	op.res, op.err = res, err
	if err == nil && op.waiters == 0 {
		f.unclaimed = &res
	}
	f.stats = LeaseFileStats{Records: f.records, Malformed: f.malformed, LastMalformed: f.lastErr,
		LastFullParse: f.fullAt, Offset: f.offset, BytesRead: f.bytesRead}
	f.inflight = nil
	close(op.done)
}

// leaseHandle is an open lease file (an *os.File).
type leaseHandle interface {
	io.ReaderAt
	Stat() (fs.FileInfo, error)
	Close() error
}

// openRegular opens path for reading without blocking (a FIFO would block
// the open until a writer comes) and refuses anything but a regular file.
func openRegular(path string) (leaseHandle, error) {
	file, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	fi, err := file.Stat()
	if err != nil {
		file.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		file.Close()
		return nil, fmt.Errorf("%s is not a regular file but a %s: not read", path, fileKind(fi.Mode()))
	}
	return file, nil
}

func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "named pipe (FIFO)"
	case m&fs.ModeCharDevice != 0:
		return "character device"
	case m&fs.ModeDevice != 0:
		return "device"
	case m&fs.ModeDir != 0:
		return "directory"
	case m&fs.ModeSocket != 0:
		return "socket"
	}
	return "special file"
}

// read is one update, on the goroutine of the read in flight.
func (f *LeaseFile) read(now time.Time) (UpdateResult, error) {
	begin := time.Now()
	open := f.open
	if open == nil {
		open = openRegular
	}
	file, err := open(f.Path)
	if err != nil {
		return UpdateResult{}, err
	}
	defer file.Close()
	fi, err := file.Stat()
	if err != nil {
		return UpdateResult{}, err
	}
	size := fi.Size()
	res := UpdateResult{Size: size, ModTime: fi.ModTime()}
	var dev, ino uint64
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		dev, ino = uint64(st.Dev), st.Ino //nolint:unconvert // Stat_t.Dev is not a uint64 on every platform
	}
	o := f.spanOptions()
	if f.fresh || f.db == nil || dev != f.dev || ino != f.ino || size < f.offset || !f.tailUnchanged(file) {
		// First read, dhcpd's periodic rewrite (a new file renamed over the
		// path), or a truncation or rewrite in place: start over, on a new
		// state published when complete.
		f.fresh = true
		db := newLeaseDB()
		var part span
		if size >= f.parallelFrom() {
			part, err = f.parseParallel(file, o, size, db)
		} else {
			part, err = parseSpan(file, o, 0, size, 1, false, db)
		}
		f.keepBuffer(part.buf)
		f.bytesRead += uint64(part.read)
		if err != nil {
			return res, err
		}
		tail, err := f.readTail(file, part.consumed)
		if err != nil {
			return res, err
		}
		f.dbMu.Lock()
		f.db = db
		f.dbMu.Unlock()
		f.fresh, f.dev, f.ino, f.records, f.fullAt = false, dev, ino, 0, now
		f.offset, f.line, f.skipping, f.tail = part.consumed, part.line, part.skipping, tail
		res.FullParse = true
		f.account(&res, part)
		res.Duration = time.Since(begin)
		return res, nil
	}
	if size > f.offset {
		o.lock = &f.dbMu
		part, err := parseSpan(file, o, f.offset, size, f.line, f.skipping, f.db)
		f.keepBuffer(part.buf)
		f.bytesRead += uint64(part.read)
		// What was applied stays applied, error or not.
		f.offset, f.line, f.skipping = part.consumed, part.line, part.skipping
		f.account(&res, part)
		if err != nil {
			f.fresh = true // the tail is unknown: read again from the start
			return res, err
		}
		if f.tail, err = f.readTail(file, f.offset); err != nil {
			f.fresh = true
			return res, err
		}
	}
	res.Duration = time.Since(begin)
	return res, nil
}

// account adds a parsed span's counts to the result and the counters.
func (f *LeaseFile) account(res *UpdateResult, part span) {
	if part.lastErr != nil {
		f.lastErr = part.lastErr
	}
	res.BytesRead, res.Records, res.Malformed = part.read, part.records, part.malformed
	f.records += uint64(part.records)
	f.malformed += uint64(part.malformed)
}

// keepBuffer keeps a read buffer of the usual size for the next update; a
// larger one (grown for a long record) is dropped.
func (f *LeaseFile) keepBuffer(b []byte) {
	if b != nil && cap(b) <= f.spanOptions().chunk {
		f.buf = b
	}
}

func (f *LeaseFile) parallelFrom() int64 {
	if f.parallelAt > 0 {
		return f.parallelAt
	}
	return parallelMin
}

// spanOptions are the parameters of parseSpan for this file.
func (f *LeaseFile) spanOptions() spanOptions {
	o := spanOptions{name: f.Path, chunk: f.chunk, maxRecord: f.maxRecord, buf: f.buf}
	if o.chunk <= 0 {
		o.chunk = readChunk
	}
	if o.maxRecord <= 0 {
		o.maxRecord = MaxRecordBytes
	}
	return o
}

// tailLen is how many bytes before the offset are compared on each Update:
// enough to cover the end of the last record read, which in a rewritten
// file is almost never the same bytes at the same place.
const tailLen = 64

// readTail reads the tailLen bytes (or fewer, at the start) before offset.
func (f *LeaseFile) readTail(file io.ReaderAt, offset int64) ([]byte, error) {
	n := min(offset, tailLen)
	b := make([]byte, n)
	if n == 0 {
		return b, nil
	}
	if _, err := file.ReadAt(b, offset-n); err != nil {
		return nil, fmt.Errorf("read %s: %w", f.Path, err)
	}
	return b, nil
}

// tailUnchanged reports whether the bytes before the offset are still the
// ones read last time. One small read per scrape.
func (f *LeaseFile) tailUnchanged(file io.ReaderAt) bool {
	b, err := f.readTail(file, f.offset)
	return err == nil && bytes.Equal(b, f.tail)
}

// span is the outcome of parsing a byte range of the file.
type span struct {
	consumed           int64 // absolute offset after the last complete record
	line               int   // line number there
	skipping           bool  // still skipping a record too long to read
	read               int64
	records, malformed int
	lastErr            *conflex.Error
	buf                []byte // the read buffer, for reuse
}

// spanOptions are parseSpan's parameters besides the range.
type spanOptions struct {
	name       string
	chunk      int         // bytes read at a time
	maxRecord  int         // MaxRecordBytes
	lock       sync.Locker // held while records are applied to the db, if the db is shared
	endsRecord bool        // end is the start of a record (a parallel slice)
	buf        []byte      // a buffer to reuse, if any
}

// parseSpan applies the complete records in [start, end) to db, streaming
// through a buffer that never holds more than one record (at most
// maxRecord bytes) besides one read. A record cut by end is left for later
// (it is dhcpd's unfinished write at the end of the file), unless end is a
// record start (endsRecord). skipping says that start is inside a record
// too long to read, skipped up to the next record start.
func parseSpan(r io.ReaderAt, o spanOptions, start, end int64, line int, skipping bool, db *LeaseDB) (s span, err error) {
	s = span{consumed: start, line: line, skipping: skipping, buf: o.buf}
	if start >= end {
		return s, nil
	}
	p := &leaseParser{db: db, maxRecord: o.maxRecord}
	lex := newLexer(o.name)
	buf := o.buf[:cap(o.buf)]
	if want := int(min(int64(o.chunk), end-start)); len(buf) < want {
		buf = make([]byte, want)
	}
	defer func() { s.buf = buf }()
	pending := 0 // bytes at the front of buf not yet consumed
	pos := start // file offset of the next read
	for {
		if pending == len(buf) {
			// One unfinished record fills the buffer: grow it. What stays
			// pending is at most a record (maxRecord bytes) and the start
			// of a line, so it never grows past maxRecord and one read.
			nb := make([]byte, max(min(2*len(buf), o.maxRecord+o.chunk), pending+o.chunk))
			copy(nb, buf[:pending])
			buf = nb
		}
		want := min(int64(len(buf)-pending), end-pos)
		n, rerr := r.ReadAt(buf[pending:pending+int(want)], pos)
		pos += int64(n)
		s.read += int64(n)
		data := buf[:pending+n]
		last := pos >= end || n == 0
		lex.Reset(data, s.line)
		lex.SetEndsRecord(o.endsRecord && pos >= end)
		consumed := 0
		if o.lock != nil {
			o.lock.Lock()
		}
	records:
		for {
			if s.skipping {
				next, found := nextRecordStart(data, consumed, o.endsRecord && pos >= end)
				s.line += bytes.Count(data[consumed:next], []byte{'\n'})
				consumed = next
				if !found {
					break records
				}
				s.skipping = false
				lex.Seek(consumed, s.line)
			}
			// The lexer stands at consumed.
			switch p.record(lex) {
			case recordDone:
				s.records++
			case recordMalformed:
				s.malformed++
				s.lastErr = p.err
			case recordLong:
				s.malformed++
				s.lastErr = p.err
				s.skipping = true
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
				consumed, s.line = lex.Offset(), lex.Line() // the record's start
				break records
			}
			consumed, s.line = lex.Offset(), lex.Line()
		}
		if o.lock != nil {
			o.lock.Unlock()
		}
		s.consumed += int64(consumed)
		pending = copy(buf, data[consumed:])
		if last {
			if rerr != nil && !errors.Is(rerr, io.EOF) {
				return s, fmt.Errorf("read %s: %w", o.name, rerr)
			}
			return s, nil
		}
	}
}

// parseParallel reads the whole file into db with several workers, each on
// a slice starting at a line that starts a lease record (a record start:
// leases_recover.go), and merges their states in file order (a later record
// wins). Every such line is where the sequential reading starts a record,
// so the result is the same. Should a slice not end exactly where the next
// one starts, it falls back to one sequential pass.
func (f *LeaseFile) parseParallel(file io.ReaderAt, o spanOptions, size int64, db *LeaseDB) (span, error) {
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
		return parseSpan(file, o, 0, size, 1, false, db)
	}
	ends := append(starts[1:], size)
	spans := make([]span, len(starts))
	dbs := make([]*LeaseDB, len(starts))
	errs := make([]error, len(starts))
	var wg sync.WaitGroup
	for k := range starts {
		dbs[k] = newLeaseDB()
		wo := o
		wo.buf = nil
		wo.endsRecord = k < len(starts)-1
		wg.Add(1)
		go func() {
			defer wg.Done()
			spans[k], errs[k] = parseSpan(file, wo, starts[k], ends[k], 1, false, dbs[k])
			spans[k].buf = nil
		}()
	}
	wg.Wait()
	var read int64
	for k := range starts {
		read += spans[k].read
		if errs[k] != nil {
			return span{read: read}, errs[k]
		}
	}
	for k := range starts[:len(starts)-1] {
		if spans[k].consumed != ends[k] {
			*db = *newLeaseDB()
			s, err := parseSpan(file, o, 0, size, 1, false, db)
			s.read += read
			return s, err
		}
	}
	// Merge in file order; line numbers of later slices continue the earlier ones.
	total := span{line: 1}
	for k, s := range spans {
		db.merge(dbs[k])
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
		total.skipping = s.skipping
	}
	return total, nil
}

// boundaryAfter finds the first line at or after off that starts a lease
// record.
func boundaryAfter(file io.ReaderAt, off, size int64) (int64, error) {
	const window = 64 << 10
	buf := make([]byte, window)
	for off < size {
		n, err := file.ReadAt(buf, off)
		data := buf[:n]
		next := n // where the next window starts, relative to off
		for i := 0; ; {
			j := bytes.IndexByte(data[i:], '\n')
			if j < 0 {
				break
			}
			p := i + j + 1
			yes, decided := startsLeaseRecord(data, p)
			if yes {
				return off + int64(p), nil
			}
			if !decided {
				next = p - 1 // read that line again, whole
				break
			}
			i = p
		}
		if n < window || next <= 0 {
			if err != nil && !errors.Is(err, io.EOF) {
				return 0, err
			}
			return size, nil
		}
		off += int64(next)
	}
	return size, nil
}
