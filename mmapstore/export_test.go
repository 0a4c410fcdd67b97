package mmapstore

// Test-only access to the seams.

// WithOps returns cfg with the file-operation seam set.
func (cfg QueueConfig) withOps(ops *fileOps) QueueConfig { cfg.ops = ops; return cfg }

// withUnmapHook returns cfg with a hook called when a segment is unmapped.
func (cfg QueueConfig) withUnmapHook(fn func(start int64)) QueueConfig { cfg.onUnmap = fn; return cfg }
