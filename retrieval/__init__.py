"""ganwen's engine: corpus → clean articles → passages → BM25 index → ranked passages → figures → answer."""
