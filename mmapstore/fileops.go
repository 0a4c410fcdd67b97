package mmapstore

import (
	"os"

	"github.com/edsrzf/mmap-go"
	"golang.org/x/sys/unix"
)

// fileOps is the seam every file operation of this package goes through, so
// tests can fail any of them (see export_test.go). osFileOps is the only
// production implementation.
type fileOps struct {
	openFile func(name string, flag int, perm os.FileMode) (*os.File, error)
	writeAt  func(f *os.File, p []byte, off int64) (int, error)
	sync     func(f *os.File) error // fdatasync
	truncate func(f *os.File, size int64) error
	allocate func(f *os.File, size int64) error // reserve blocks and set the size
	remove   func(name string) error
	rename   func(from, to string) error
	syncDir  func(dir string) error
	mmap     func(f *os.File, size int) ([]byte, error)
	munmap   func(b []byte) error
}

func osFileOps() *fileOps {
	return &fileOps{
		openFile: os.OpenFile,
		writeAt:  func(f *os.File, p []byte, off int64) (int, error) { return f.WriteAt(p, off) },
		sync:     func(f *os.File) error { return unix.Fdatasync(int(f.Fd())) },
		truncate: func(f *os.File, size int64) error { return f.Truncate(size) },
		allocate: allocate,
		remove:   os.Remove,
		rename:   os.Rename,
		syncDir:  syncDir,
		mmap: func(f *os.File, size int) ([]byte, error) {
			m, err := mmap.MapRegion(f, size, mmap.RDWR, 0, 0)
			return []byte(m), err
		},
		munmap: func(b []byte) error {
			m := mmap.MMap(b)
			return m.Unmap()
		},
	}
}

// allocate reserves size bytes for f (fallocate), falling back to
// ftruncate where the file system cannot preallocate.
func allocate(f *os.File, size int64) error {
	err := unix.Fallocate(int(f.Fd()), 0, 0, size)
	if err == unix.EOPNOTSUPP || err == unix.ENOSYS {
		return f.Truncate(size)
	}
	return err
}

// syncDir fsyncs a directory so that a created, renamed or removed entry
// survives a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// populateWrite pre-faults a writable shared mapping so the first store to
// each page does not fault (MADV_POPULATE_WRITE, Linux 5.14+). On older
// kernels it touches one byte per page instead; the file is zero-filled
// already, so writing a zero changes nothing on disk.
func populateWrite(b []byte) {
	if len(b) == 0 {
		return
	}
	if unix.Madvise(b, unix.MADV_POPULATE_WRITE) == nil {
		return
	}
	for i := 0; i < len(b); i += pageSize {
		b[i] = 0
	}
}
