package main

import (
	"fmt"
	"io"

	"github.com/cfkeys/cfkeys/internal/atomicfile"
)

// writeFileAtomic writes a report file so that a reader (node_exporter's textfile collector, a dashboard) sees
// the old file or the new one, never half of one. A new file is world-readable (0644): it holds a report, never a
// secret. A file that exists keeps its mode, and a symbolic link keeps pointing to the file it names, which is
// the one replaced.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	if err := atomicfile.Write(path, 0o644, write); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
