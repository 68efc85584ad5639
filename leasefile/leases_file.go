package leasefile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"
)

// LeaseFile follows dhcpd.leases across scrapes. dhcpd only appends to the
// file, and now and then rewrites it whole under a new inode (facts §3.1), so
// Update reads only the bytes appended since the last call, and starts over
// when the path names a new file or the file shrank.
//
// The file is streamed through a fixed buffer, never read whole: a 400 MB
// file costs a few megabytes of lease state, not its size.
type LeaseFile struct {
	Path string

	db     *LeaseDB
	dev    uint64
	ino    uint64
	offset int64 // bytes consumed: complete records only
	line   int   // line number at offset

	records   uint64 // records read since the last full parse
	malformed uint64 // malformed records, ever (a counter)
	lastErr   error  // the last malformed record's error
	fullAt    time.Time
	buf       []byte
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

// Stats describes the followed file.
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

const readChunk = 1 << 20

// Update brings the state up to date with the file. It reads nothing when
// the file has not changed.
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
	if f.db == nil || dev != f.dev || ino != f.ino || fi.Size() < f.offset {
		// First read, dhcpd's periodic rewrite (a new file renamed over the
		// path), or a truncation: start over.
		f.db, f.dev, f.ino, f.offset, f.line, f.records = NewLeaseDB(), dev, ino, 0, 1, 0
		f.fullAt, res.FullParse = now, true
	}
	if fi.Size() == f.offset {
		res.Duration = time.Since(begin)
		return res, nil
	}
	if _, err := file.Seek(f.offset, io.SeekStart); err != nil {
		return res, err
	}
	p := &leaseParser{db: f.db, now: uint32(now.Unix())}
	pending := 0 // bytes at the front of buf not yet consumed
	lex := NewLexer(f.Path, nil)
	for {
		if cap(f.buf) == 0 {
			f.buf = make([]byte, 0, readChunk)
		}
		if pending == cap(f.buf) {
			// One record larger than the buffer: grow it.
			nb := make([]byte, pending, 2*cap(f.buf))
			copy(nb, f.buf[:pending])
			f.buf = nb
		}
		n, rerr := file.Read(f.buf[pending:cap(f.buf)])
		res.BytesRead += int64(n)
		data := f.buf[:pending+n]
		lex.Reset(data, f.line)
		consumed := 0
	records:
		for {
			switch p.record(lex) {
			case recordDone:
				res.Records++
			case recordMalformed:
				res.Malformed++
				f.lastErr = p.err
			case recordEnd:
				// Only blank lines and comments are left: consumed too.
				consumed, f.line = lex.Offset(), lex.Line()
				break records
			case recordIncomplete:
				break records
			}
			consumed, f.line = lex.Offset(), lex.Line()
		}
		f.offset += int64(consumed)
		pending = copy(f.buf[:cap(f.buf)], data[consumed:])
		if rerr != nil || n == 0 {
			if rerr != nil && !errors.Is(rerr, io.EOF) {
				return res, fmt.Errorf("read %s: %w", f.Path, rerr)
			}
			break // the rest is a record dhcpd has not finished writing
		}
	}
	f.records += uint64(res.Records)
	f.malformed += uint64(res.Malformed)
	res.Duration = time.Since(begin)
	return res, nil
}
