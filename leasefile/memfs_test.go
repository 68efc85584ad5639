package leasefile

import (
	"io"
	"io/fs"
	"sync"
	"syscall"
	"time"
)

// memFS is an in-memory stand-in for the lease file's directory, plugged
// into LeaseFile.open: the fuzz target runs thousands of updates a second
// on it without touching the disk. Files behave as dhcpd's do: written
// whole (same inode, as a write in place), appended to, or replaced by a
// new inode.
type memFS struct {
	mu    sync.Mutex
	files map[string]*memFile
	ino   uint64
}

type memFile struct {
	data []byte
	ino  uint64
}

func newMemFS() *memFS { return &memFS{files: map[string]*memFile{}} }

// follow returns a LeaseFile reading path in m.
func (m *memFS) follow(path string) *LeaseFile {
	lf := NewLeaseFile(path)
	lf.open = m.open
	return lf
}

// write replaces the contents of path, keeping its inode if it exists.
func (m *memFS) write(path string, data []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f := m.files[path]
	if f == nil {
		m.ino++
		f = &memFile{ino: m.ino}
		m.files[path] = f
	}
	f.data = append([]byte(nil), data...)
}

// appendTo appends data to path.
func (m *memFS) appendTo(path string, data []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f := m.files[path]
	f.data = append(f.data, data...)
}

func (m *memFS) open(path string) (leaseHandle, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f := m.files[path]
	if f == nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
	}
	// A snapshot: appends after the open are not seen, as a file's size
	// is taken once per update.
	return &memHandle{name: path, data: f.data[:len(f.data):len(f.data)], ino: f.ino}, nil
}

type memHandle struct {
	name string
	data []byte
	ino  uint64
}

func (h *memHandle) ReadAt(p []byte, off int64) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if off >= int64(len(h.data)) {
		return 0, io.EOF
	}
	n := copy(p, h.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (h *memHandle) Stat() (fs.FileInfo, error) { return memInfo{h}, nil }
func (h *memHandle) Close() error               { return nil }

type memInfo struct{ h *memHandle }

func (i memInfo) Name() string       { return i.h.name }
func (i memInfo) Size() int64        { return int64(len(i.h.data)) }
func (i memInfo) Mode() fs.FileMode  { return 0o644 }
func (i memInfo) ModTime() time.Time { return time.Unix(1795355429, 0) }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return &syscall.Stat_t{Dev: 1, Ino: i.h.ino} }
